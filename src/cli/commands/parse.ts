import { createReadStream, statSync, type Stats } from "node:fs";
import { resolve } from "node:path";
import { getBackend } from "../../backends/registry.js";
import { parsedTelemetrySchema, toExecutionObject, type ParsedTelemetry } from "../../contracts/execution.js";
import { replayInput, type ReplayResult } from "../../executor/replay.js";
import { metricColumns, modelUsageRows } from "../../store/save-execution-metrics.js";
import type { ExecutionId, ExecutionRow } from "../../store/schema.js";
import { PriceBook } from "../../telemetry/pricing.js";
import { PilotError } from "../../util/errors.js";
import { loadContext, type GlobalOptions } from "../context.js";
import { formatTelemetry } from "../format.js";

/**
 * `pilot parse FILE|-`: the telemetry a recording or a raw CLI capture would store, printed,
 * nothing written.
 */
export async function parseCommand(file: string, options: GlobalOptions & { backend?: string; json?: boolean }): Promise<number> {
  const ctx = await loadContext(options);
  if (options.backend !== undefined) getBackend(options.backend);
  const label = file === "-" ? "stdin" : file;
  if (file !== "-") checkReadable(file);
  const source = (file === "-" ? process.stdin : createReadStream(file)) as AsyncIterable<Buffer>;
  const result = await replayInput(source, label, {
    ...(options.backend ? { backendName: options.backend } : {}),
    prices: (header) => new PriceBook({ overrides: ctx.config.pricing.models, ...(header?.started_at ? { at: new Date(header.started_at) } : {}) }),
    maxLineBytes: ctx.config.limits.max_line_bytes,
    configuredModel: (backend) => backend.configuredModel(ctx.config),
  });
  // Unusable lines are logged as a run logs them (the first few), and counted.
  for (const event of result.state.parseErrors.slice(0, MAX_LOGGED_LINES)) {
    ctx.logger.warn({ line: event.line, bytes: event.bytes, reason: event.reason }, `unusable stream line: ${event.detail}`);
  }
  if (result.kind !== "recording" && result.events.recognised === 0 && result.events.unrecognised > 0) {
    process.stderr.write(`pilot: no line of ${label} was recognised as ${result.backend.name} output; is --backend right?\n`);
  }
  const telemetry = telemetryOf(result, result.kind === "recording" && file !== "-" ? resolve(file) : null);
  process.stdout.write(options.json ? `${JSON.stringify(telemetry, null, 2)}\n` : `${formatTelemetry(telemetry)}\n`);
  return 0;
}

/** The execution object's telemetry fields, through the same mapping a stored row goes through. */
export function telemetryOf(result: ReplayResult, recording: string | null): ParsedTelemetry {
  const id = "parse" as ExecutionId;
  const row = {
    id,
    queue_item_id: null,
    attempt: 1,
    task_ref: "",
    task_source: "prompt",
    task_title: null,
    project: "",
    backend: result.backend.name,
    mode: result.mode,
    sim: false,
    status: "completed",
    created_at: 0,
    started_at: null,
    finished_at: null,
    updated_at: 0,
    duration_ms: null,
    exit_code: null,
    pgid: null,
    runner: null,
    cancel_requested_at: null,
    error_code: result.failure?.code ?? null,
    error: result.failure?.message ?? null,
    model_requested: result.header?.model_requested ?? null,
    branch: null,
    commit_sha: null,
    pr_url: null,
    recording_path: recording,
    ...metricColumns(result.metrics),
  } satisfies ExecutionRow;
  return parsedTelemetrySchema.parse(toExecutionObject(row, modelUsageRows(id, result.metrics)));
}

const MAX_LOGGED_LINES = 5;

/** A file or a pipe (`<(…)`) can be read; say plainly what else it is. */
function checkReadable(path: string): void {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch {
    throw new PilotError("usage", `${path}: no such file`);
  }
  if (stats.isDirectory()) throw new PilotError("usage", `${path}: is a directory, not a file`);
  if (!stats.isFile() && !stats.isFIFO()) throw new PilotError("usage", `${path}: not a regular file`);
}
