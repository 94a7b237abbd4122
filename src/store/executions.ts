import { and, desc, eq, gte, lt } from "drizzle-orm";
import { PilotError } from "../util/errors.js";
import type { Db } from "./db.js";
import { executionModelUsage, executions, type ExecutionId, type ExecutionRow, type ModelUsageRow, type NewExecutionRow } from "./schema.js";

/** Reads and the initial insert of executions. Metrics are written only by save-execution-metrics.ts. */

export async function createExecution(db: Db, row: NewExecutionRow): Promise<void> {
  db.insert(executions).values(row).run();
}

/** Facts known once the backend process is up: its process group and recording. */
export async function markExecutionStarted(
  db: Db,
  id: ExecutionId,
  facts: { pgid: number | null; cliVersion: string | null; recordingPath: string | null; now: number },
): Promise<void> {
  db.update(executions)
    .set({ pgid: facts.pgid, cli_version: facts.cliVersion, recording_path: facts.recordingPath, updated_at: facts.now })
    .where(eq(executions.id, id))
    .run();
}

/**
 * A running execution's check-in, every second: reads whether `pilot cancel` asked it to
 * stop, and (when `beat` is given) marks it alive for a restarted daemon.
 */
export async function executionHeartbeat(db: Db, id: ExecutionId, beat: number | null): Promise<boolean> {
  if (beat !== null) db.update(executions).set({ updated_at: beat }).where(and(eq(executions.id, id), eq(executions.status, "running"))).run();
  const row = db.select({ cancel: executions.cancel_requested_at }).from(executions).where(eq(executions.id, id)).get();
  return row?.cancel !== null && row?.cancel !== undefined;
}

export interface ExecutionWithModels {
  row: ExecutionRow;
  models: ModelUsageRow[];
}

/** An execution by id or by a unique id prefix (as `pilot show` accepts). */
export async function getExecution(db: Db, idOrPrefix: string): Promise<ExecutionWithModels> {
  const exact = db.select().from(executions).where(eq(executions.id, idOrPrefix as ExecutionId)).get();
  const row = exact ?? findByPrefix(db, idOrPrefix);
  const models = db.select().from(executionModelUsage).where(eq(executionModelUsage.execution_id, row.id)).all();
  return { row, models: sortModels(models) };
}

function findByPrefix(db: Db, prefix: string): ExecutionRow {
  if (prefix.trim().length === 0) throw new PilotError("usage", "an execution id is required");
  if (prefix.length < 6) throw new PilotError("usage", `execution id ${JSON.stringify(prefix)} is too short: give the id or at least its first 6 characters`);
  // A range on the primary key: every id that starts with the prefix, using the index.
  const rows = db
    .select()
    .from(executions)
    .where(and(gte(executions.id, prefix as ExecutionId), lt(executions.id, `${prefix}\u{10ffff}` as ExecutionId)))
    .limit(4)
    .all();
  if (rows.length === 0) throw new PilotError("not_found", `no execution ${prefix}`);
  // Ids start with their time, so a short prefix often matches several: show which.
  if (rows.length > 1) throw new PilotError("usage", `execution id prefix ${prefix} is ambiguous (${rows.slice(0, 3).map((r) => r.id).join(", ")}${rows.length > 3 ? ", …" : ""}); give more characters`);
  return rows[0]!;
}

export async function listExecutions(db: Db, options: { limit: number }): Promise<ExecutionWithModels[]> {
  const rows = db.select().from(executions).orderBy(desc(executions.created_at), desc(executions.id)).limit(options.limit).all();
  if (rows.length === 0) return [];
  const byExecution = new Map<string, ModelUsageRow[]>();
  // One query for the models of all listed rows (the list is small and indexed by the primary key).
  for (const row of rows) byExecution.set(row.id, []);
  const ids = rows.map((r) => r.id);
  const models = db.$client
    .prepare(`SELECT * FROM execution_model_usage WHERE execution_id IN (${ids.map(() => "?").join(",")})`)
    .all(...ids) as ModelUsageRow[];
  for (const model of models) byExecution.get(model.execution_id)?.push(model);
  return rows.map((row) => ({ row, models: sortModels(byExecution.get(row.id) ?? []) }));
}

function sortModels(models: ModelUsageRow[]): ModelUsageRow[] {
  return [...models].sort((a, b) => b.tokens_total - a.tokens_total || a.model.localeCompare(b.model));
}
