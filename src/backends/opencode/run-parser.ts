import type { BackendEvent, StreamParser } from "../events.js";
import { createLineSplitter, type SplitLine } from "../line-splitter.js";
import { errorOf, isObject, stepTokens, str } from "./wire.js";

/**
 * Parses `opencode run --format json` (NDJSON lines `{type, timestamp, sessionID, part}`),
 * pure and incremental. Usage from `step_finish` parts (one `call` sample per part id); the
 * stream names no model, so the run records the configured one. The run has ended well when
 * its last step finished with reason `stop`; an `error` line ends it as a failure.
 */
export function createOpenCodeRunParser(options: { maxLineBytes: number }): StreamParser {
  const splitter = createLineSplitter(options.maxLineBytes);
  let events: BackendEvent[] = [];
  let session: string | null = null;
  let lastReason: string | null = null;
  let finished = false;
  const tools = new Set<string>();

  const result = (isError: boolean, message: string | null, status: number | null, name: string | null): BackendEvent => ({
    type: "result",
    isError,
    subtype: isError ? (name ?? "error") : "stop",
    text: message,
    numTurns: null,
    durationMs: null,
    sessionId: session,
    costReportedUsd: null,
    apiErrorStatus: status,
    errors: message ? [message] : [],
  });

  const onLine = (line: SplitLine) => {
    if (line.kind === "too_long") {
      events.push({ type: "parse_error", reason: "line_too_long", line: line.line, bytes: line.bytes, detail: `line of ${line.bytes} bytes skipped` });
      return;
    }
    if (line.invalidUtf8) events.push({ type: "parse_error", reason: "invalid_utf8", line: line.line, bytes: line.bytes, detail: "invalid UTF-8 replaced" });
    let value: unknown;
    try {
      value = JSON.parse(line.text);
    } catch (error) {
      events.push({ type: "parse_error", reason: "invalid_json", line: line.line, bytes: line.bytes, detail: `${(error as Error).message} in ${JSON.stringify(line.text.slice(0, 80))}` });
      return;
    }
    if (!isObject(value)) {
      events.push({ type: "parse_error", reason: "unexpected_shape", line: line.line, bytes: line.bytes, detail: "not a JSON object" });
      return;
    }
    const sessionId = str(value.sessionID);
    if (sessionId && session === null) {
      session = sessionId;
      events.push({ type: "session", sessionId, cliVersion: null });
    }
    const part = isObject(value.part) ? value.part : {};
    switch (value.type) {
      case "step_finish": {
        const usage = stepTokens(part.tokens);
        if (usage) events.push({ type: "usage", scope: "call", id: str(part.id), model: null, usage, complete: true, costReportedUsd: typeof part.cost === "number" ? part.cost : null });
        lastReason = str(part.reason);
        return;
      }
      case "text": {
        const text = str(part.text);
        if (text) events.push({ type: "text", text });
        return;
      }
      case "tool_use": {
        const id = str(part.id) ?? `tool-${tools.size}`;
        if (!tools.has(id)) {
          tools.add(id);
          events.push({ type: "tool_call", id, name: str(part.tool) ?? "tool" });
        }
        return;
      }
      case "error": {
        const error = errorOf(value.error);
        events.push({ type: "error", message: error.message, kind: error.name, status: error.status, fatal: true });
        if (!finished) {
          finished = true;
          events.push(result(true, error.message, error.status, error.name));
        }
        return;
      }
      case "step_start":
      case "reasoning":
        return;
      default:
        events.push({ type: "unknown", name: typeof value.type === "string" ? value.type : "(no type)" });
    }
  };

  const drain = () => {
    const out = events;
    events = [];
    return out;
  };
  return {
    push(chunk) {
      splitter.push(chunk, onLine);
      return drain();
    },
    end() {
      splitter.end(onLine);
      // The last step stopped on its own: the run is over (a killed run ends mid-step).
      if (!finished && lastReason === "stop") {
        finished = true;
        events.push(result(false, null, null, null));
      }
      return drain();
    },
  };
}
