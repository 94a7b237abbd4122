import { z } from "zod";
import { COST_SOURCES, EXECUTION_STATUSES, MODEL_SOURCES, TELEMETRY_STATUSES, type ExecutionRow, type ModelUsageRow } from "../store/schema.js";

/**
 * The execution object: what `pilot run --json`, `pilot show --json` and
 * `pilot executions --json` print (DESIGN.md, Contracts). One schema for every command.
 */

const count = z.number().int().nonnegative();

export const tokensSchema = z.object({
  input: count,
  output: count,
  cache_write_5m: count,
  cache_write_1h: count,
  cache_read: count,
  reasoning: count,
  total: count,
});
export type TokensObject = z.infer<typeof tokensSchema>;

export const executionObjectSchema = z.object({
  id: z.string(),
  task_ref: z.string(),
  task_source: z.enum(["github", "file", "prompt"]),
  task_title: z.string().nullable(),
  project: z.string(),
  backend: z.string(),
  mode: z.string(),
  sim: z.boolean(),
  status: z.enum(EXECUTION_STATUSES),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  exit_code: z.number().int().nullable(),
  model_name: z.string().nullable(),
  model_source: z.enum(MODEL_SOURCES).nullable(),
  tokens: tokensSchema,
  per_model: z.array(
    z.object({
      model: z.string(),
      tokens: tokensSchema,
      cost_usd: z.number().nullable(),
      cost_source: z.enum(COST_SOURCES),
      usage_source: z.enum(["final", "cumulative", "call"]),
      calls: count,
    }),
  ),
  cost_usd: z.number().nullable(),
  cost_source: z.enum(COST_SOURCES).nullable(),
  cost_reported_usd: z.number().nullable(),
  telemetry_status: z.enum(TELEMETRY_STATUSES),
  parse_errors: count,
  num_turns: z.number().int().nullable(),
  session_id: z.string().nullable(),
  cli_version: z.string().nullable(),
  queue_item_id: z.string().nullable(),
  attempt: z.number().int(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  duration_ms: z.number().int().nullable(),
  result_text: z.string().nullable(),
  branch: z.string().nullable(),
  commit_sha: z.string().nullable(),
  pr_url: z.string().nullable(),
  recording: z.string().nullable(),
});
export type ExecutionObject = z.infer<typeof executionObjectSchema>;

/** `pilot parse --json`: the telemetry that would be stored, without identity, status, timestamps or task. */
export const parsedTelemetrySchema = executionObjectSchema.omit({
  id: true,
  status: true,
  created_at: true,
  started_at: true,
  finished_at: true,
  task_ref: true,
  task_source: true,
  task_title: true,
  queue_item_id: true,
  attempt: true,
  project: true,
  exit_code: true,
  sim: true,
  duration_ms: true,
});
export type ParsedTelemetry = z.infer<typeof parsedTelemetrySchema>;

type TokenColumns = Pick<
  ExecutionRow,
  "tokens_input" | "tokens_output" | "tokens_cache_write_5m" | "tokens_cache_write_1h" | "tokens_cache_read" | "tokens_reasoning" | "tokens_total"
>;

export function tokensFromColumns(row: TokenColumns): TokensObject {
  return {
    input: row.tokens_input,
    output: row.tokens_output,
    cache_write_5m: row.tokens_cache_write_5m,
    cache_write_1h: row.tokens_cache_write_1h,
    cache_read: row.tokens_cache_read,
    reasoning: row.tokens_reasoning,
    total: row.tokens_total,
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function toExecutionObject(row: ExecutionRow, models: ModelUsageRow[]): ExecutionObject {
  return {
    id: row.id,
    task_ref: row.task_ref,
    task_source: row.task_source,
    task_title: row.task_title,
    project: row.project,
    backend: row.backend,
    mode: row.mode,
    sim: row.sim,
    status: row.status,
    error: row.error_code || row.error ? { code: row.error_code ?? "error", message: row.error ?? "" } : null,
    exit_code: row.exit_code,
    model_name: row.model_name,
    model_source: row.model_source,
    tokens: tokensFromColumns(row),
    per_model: models.map((m) => ({
      model: m.model,
      tokens: tokensFromColumns(m),
      cost_usd: m.cost_usd,
      cost_source: m.cost_source,
      usage_source: m.usage_source,
      calls: m.calls,
    })),
    cost_usd: row.cost_usd,
    cost_source: row.cost_source,
    cost_reported_usd: row.cost_reported_usd,
    telemetry_status: row.telemetry_status,
    parse_errors: row.parse_errors,
    num_turns: row.num_turns,
    session_id: row.session_id,
    cli_version: row.cli_version,
    queue_item_id: row.queue_item_id,
    attempt: row.attempt,
    created_at: iso(row.created_at)!,
    started_at: iso(row.started_at),
    finished_at: iso(row.finished_at),
    duration_ms: row.duration_ms,
    result_text: row.result_text,
    branch: row.branch,
    commit_sha: row.commit_sha,
    pr_url: row.pr_url,
    recording: row.recording_path,
  };
}
