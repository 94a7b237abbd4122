import type { BackendEvent } from "../backends/events.js";
import type { SideRecord } from "../executor/recording.js";
import { toBuckets } from "../telemetry/convert.js";
import { clean, formatInt } from "./format.js";

/** An execution's recording as readable lines (`pilot logs`). */
export function createEventRenderer(write: (line: string) => void) {
  const models = new Set<string>();
  // Calls whose usage is known only from their start (a run stopped mid-call): shown at the end.
  const unfinished = new Map<string, Extract<BackendEvent, { type: "usage" }>>();
  const usageLine = (e: Extract<BackendEvent, { type: "usage" }>, note = "") => {
    const b = toBuckets(e.usage);
    const where = e.scope === "final" ? `final ${e.model ?? ""}`.trim() : e.scope === "cumulative" ? `thread total` : `call ${e.id ?? ""}`.trim();
    return `usage   ${where}${note}: input ${formatInt(b.input)}, output ${formatInt(b.output)}${b.reasoning ? ` (reasoning ${formatInt(b.reasoning)})` : ""}, cache read ${formatInt(b.cacheRead)}, cache write ${formatInt(b.cacheWrite5m + b.cacheWrite1h)}`;
  };
  const oneLine = (text: string, max = 160) => {
    const flat = clean(text.replace(/\s+/g, " ").trim());
    return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
  };
  return {
    event(e: BackendEvent): void {
      switch (e.type) {
        case "session":
          return write(`session ${e.sessionId}${e.cliVersion ? ` (CLI ${e.cliVersion})` : ""}`);
        case "model":
          if (e.role === "served" && !models.has(e.model)) {
            models.add(e.model);
            write(`model   ${e.model}`);
          }
          return;
        case "text":
          return write(`text    ${oneLine(e.text)}`);
        case "tool_call":
          return write(`tool    ${e.name}`);
        case "usage": {
          if (!e.complete) {
            if (e.id !== null) unfinished.set(e.id, e);
            return;
          }
          if (e.id !== null) unfinished.delete(e.id);
          return write(usageLine(e));
        }
        case "retry":
          return write(`retry   ${e.attempt ?? "?"}/${e.maxRetries ?? "?"}${e.status ? ` HTTP ${e.status}` : ""}${e.error ? ` ${oneLine(e.error, 120)}` : ""}`);
        case "error":
          return write(`${e.fatal ? "error  " : "warning"} ${oneLine(e.message)}`);
        case "result":
          return write(`result  ${e.isError ? "error" : "ok"}${e.subtype ? ` (${e.subtype})` : ""}${e.text ? `: ${oneLine(e.text, 120)}` : ""}`);
        case "parse_error":
          return write(`!       line ${e.line}: ${e.reason} (${e.bytes} bytes)`);
        case "unknown":
          return;
      }
    },
    /** After the last event: the calls that never finished, with the usage their start reported. */
    end(): void {
      for (const e of unfinished.values()) write(usageLine(e, " (unfinished)"));
      unfinished.clear();
    },
    side(record: SideRecord): void {
      if (record.pilot_side === "stderr") {
        for (const line of String(record.text ?? "").split("\n").filter((l) => l.trim().length > 0).slice(-20)) write(`stderr  ${oneLine(line)}`);
      } else if (record.pilot_side === "exit") {
        write(`exit    ${record.signal ? `signal ${String(record.signal)}` : `code ${String(record.exit_code)}`}${record.termination ? ` (stopped by pilot: ${String(record.termination)})` : ""}`);
      } else if (record.pilot_side === "spawn_error") {
        write(`error   ${oneLine(String(record.message ?? "the CLI could not start"))}`);
      } else {
        write(`side    ${record.pilot_side}`);
      }
    },
  };
}
