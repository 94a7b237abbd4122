import type { ExecutionObject, ParsedTelemetry } from "../contracts/execution.js";

/** Human-readable renderings of executions (the `--json` output is the contract; this is not). */

/**
 * Text from outside (issue titles, model names, CLI output) goes to a terminal: control
 * characters could retitle or clear it, so they are shown as `?`. Newlines stay.
 */
export function clean(text: string): string {
  return text.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, (c) => (c === "\t" ? " " : "?"));
}

/** One table cell or one-line message: `clean`, and newlines shown as `?` too. */
export function cleanLine(text: string): string {
  return clean(text).replace(/\n/g, "?");
}

/** 12345 -> "12,345" (without Intl, whose first use costs ~10 ms at the end of every run). */
export function formatInt(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

export function formatUsd(value: number | null): string {
  if (value === null) return "unpriced";
  if (value === 0) return "$0";
  return value < 0.01 ? `$${value.toFixed(6)}` : `$${value.toFixed(4)}`;
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return "-";
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  return `${Math.floor(s / 60)}m${Math.round(s % 60)
    .toString()
    .padStart(2, "0")}s`;
}

const STATUS_MARK: Record<ExecutionObject["status"], string> = {
  completed: "✔",
  failed: "✘",
  timed_out: "⏱",
  cancelled: "■",
  interrupted: "!",
  running: "…",
};

export function formatSummary(e: ExecutionObject): string {
  const lines = [`${STATUS_MARK[e.status]} ${e.status}${e.error ? ` (${e.error.code})` : ""}  ${e.id}  ${formatDuration(e.duration_ms)}`];
  if (e.error) lines.push(`  error      ${e.error.message}`);
  lines.push(`  task       ${e.task_ref}${e.task_title && e.task_title !== e.task_ref ? `  ${e.task_title}` : ""}`);
  lines.push(...telemetryLines(e, e.sim));
  return clean(lines.join("\n"));
}

/** `pilot parse`: the telemetry alone. */
export function formatTelemetry(t: ParsedTelemetry): string {
  const lines = t.error ? [`error      ${t.error.code}: ${t.error.message}`] : [];
  return clean([...lines, ...telemetryLines(t, false).map((l) => l.slice(2))].join("\n"));
}

function telemetryLines(e: ParsedTelemetry, sim: boolean): string[] {
  const t = e.tokens;
  const lines = [`  backend    ${e.backend} (${e.mode}${sim ? ", simulator" : ""})${e.cli_version ? ` v${e.cli_version}` : ""}`];
  lines.push(`  model      ${e.model_name ?? "-"}${e.model_source ? ` (${e.model_source})` : ""}`);
  lines.push(
    `  tokens     ${formatInt(t.total)} total: input ${formatInt(t.input)}, output ${formatInt(t.output)}` +
      `${t.reasoning ? ` (reasoning ${formatInt(t.reasoning)})` : ""}, cache write ${formatInt(t.cache_write_5m)}` +
      `${t.cache_write_1h ? ` + 1h ${formatInt(t.cache_write_1h)}` : ""}, cache read ${formatInt(t.cache_read)}`,
  );
  if (e.per_model.length > 1) {
    for (const m of e.per_model) lines.push(`    ${m.model.padEnd(28)} ${formatInt(m.tokens.total).padStart(10)} tokens  ${formatUsd(m.cost_usd)}`);
  }
  lines.push(
    `  cost       ${e.cost_source === null ? "-" : formatUsd(e.cost_usd)}${e.cost_source ? ` (${e.cost_source})` : ""}` +
      `${e.cost_reported_usd !== null ? `, backend reported ${formatUsd(e.cost_reported_usd)}` : ""}`,
  );
  lines.push(
    `  telemetry  ${e.telemetry_status}${e.num_turns !== null ? `, ${e.num_turns} turn${e.num_turns === 1 ? "" : "s"}` : ""}` +
      `${e.parse_errors ? `, ${e.parse_errors} unparsable line${e.parse_errors === 1 ? "" : "s"}` : ""}`,
  );
  if (e.result_text) lines.push(`  result     ${oneLine(e.result_text, 100)}`);
  if (e.recording) lines.push(`  recording  ${e.recording}`);
  return lines;
}

export function formatTable(rows: ExecutionObject[]): string {
  const header = ["ID", "STATUS", "BACKEND", "MODEL", "TOKENS", "COST", "TELEMETRY", "STARTED", "TASK"];
  const body = rows.map((e) => [
    e.id,
    e.status + (e.error ? `:${e.error.code}` : ""),
    e.backend,
    e.model_name ?? "-",
    formatInt(e.tokens.total),
    e.cost_source === null ? "-" : formatUsd(e.cost_usd),
    e.telemetry_status,
    (e.started_at ?? e.created_at).replace("T", " ").slice(0, 19),
    oneLine(e.task_ref, 40),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  return clean([header, ...body].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")).join("\n"));
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
