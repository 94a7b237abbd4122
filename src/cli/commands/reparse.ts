import { createReadStream, existsSync } from "node:fs";
import { toExecutionObject, type ExecutionObject } from "../../contracts/execution.js";
import { replayInput } from "../../executor/replay.js";
import { closeDb } from "../../store/db.js";
import { getExecution } from "../../store/executions.js";
import { replaceExecutionTelemetry } from "../../store/save-execution-metrics.js";
import { telemetryLosses } from "../../telemetry/loss.js";
import { PriceBook } from "../../telemetry/pricing.js";
import { PilotError } from "../../util/errors.js";
import { loadContext, openStore, type GlobalOptions } from "../context.js";
import { formatUsd } from "../format.js";

/**
 * `pilot reparse ID`: the execution's recording through today's parser and prices; its
 * telemetry replaced (status, error and timestamps kept). Running it twice changes nothing.
 * A re-parse that would lose telemetry (a cut-down recording) is refused unless `force`.
 */
export async function reparseCommand(id: string, options: GlobalOptions & { json?: boolean; force?: boolean }): Promise<number> {
  const ctx = await loadContext(options);
  const db = openStore(ctx);
  try {
    const existing = await getExecution(db, id);
    const row = existing.row;
    if (row.status === "running") throw new PilotError("usage", `execution ${row.id} is still running; reparse it once it has ended`);
    if (!row.recording_path || !existsSync(row.recording_path)) {
      throw new PilotError("not_found", `execution ${row.id} has no recording to reparse${row.recording_path ? ` (${row.recording_path} is gone)` : ""}`);
    }
    const before = toExecutionObject(row, existing.models);
    const result = await replayInput(createReadStream(row.recording_path) as AsyncIterable<Buffer>, row.recording_path, {
      prices: () => new PriceBook({ overrides: ctx.config.pricing.models, at: new Date(row.started_at ?? row.created_at) }),
      maxLineBytes: ctx.config.limits.max_line_bytes,
    });
    const losses = telemetryLosses({ tokens: before.tokens.total, status: before.telemetry_status, model: before.model_name }, result.metrics);
    if (losses.length > 0 && !options.force) {
      throw new PilotError("usage", `reparse of ${row.id} would lose telemetry (${losses.join(", ")}); nothing changed (--force replaces it anyway)`, { exitCode: 1 });
    }
    await replaceExecutionTelemetry(db, row.id, result.metrics, Date.now());
    const saved = await getExecution(db, row.id);
    const after = toExecutionObject(saved.row, saved.models);
    process.stdout.write(options.json ? `${JSON.stringify({ before, after }, null, 2)}\n` : `${formatChanges(before, after)}\n`);
    return 0;
  } finally {
    closeDb(db);
  }
}

function formatChanges(before: ExecutionObject, after: ExecutionObject): string {
  const fields: [string, (e: ExecutionObject) => string][] = [
    ["tokens.total", (e) => String(e.tokens.total)],
    ["tokens.input", (e) => String(e.tokens.input)],
    ["tokens.output", (e) => String(e.tokens.output)],
    ["tokens.cache_write_5m", (e) => String(e.tokens.cache_write_5m)],
    ["tokens.cache_write_1h", (e) => String(e.tokens.cache_write_1h)],
    ["tokens.cache_read", (e) => String(e.tokens.cache_read)],
    ["tokens.reasoning", (e) => String(e.tokens.reasoning)],
    ["cost_usd", (e) => (e.cost_source === null ? "-" : e.cost_source === "unpriced" ? "unpriced" : `${formatUsd(e.cost_usd)} (${e.cost_source})`)],
    ["cost_reported_usd", (e) => (e.cost_reported_usd === null ? "-" : formatUsd(e.cost_reported_usd))],
    ["model", (e) => `${e.model_name ?? "-"} (${e.model_source ?? "-"})`],
    ["telemetry_status", (e) => e.telemetry_status],
    ["parse_errors", (e) => String(e.parse_errors)],
    ["num_turns", (e) => String(e.num_turns ?? "-")],
  ];
  const changed = fields.filter(([, get]) => get(before) !== get(after)).length;
  const lines = [`reparsed ${after.id}: ${changed === 0 ? "no change" : `${changed} field${changed === 1 ? "" : "s"} changed`}`];
  for (const [name, get] of fields) {
    const a = get(before);
    const b = get(after);
    lines.push(`  ${name.padEnd(22)} ${a === b ? a : `${a} -> ${b}`}`);
  }
  return lines.join("\n");
}
