import type { BackendEvent, StreamParser } from "../events.js";
import { createLineParser, jsonObject, type ParsedLine } from "../line-parser.js";
import { errorOf, isObject, stepTokens, str } from "./wire.js";

/**
 * Parses `opencode run --format json` (NDJSON lines `{type, timestamp, sessionID, part}`),
 * pure and incremental. Usage from `step_finish` parts (one `call` sample per part id); the
 * stream names no model, so the run records the configured one. The run has ended well when
 * its last step finished with reason `stop`; an `error` line ends it as a failure.
 */
export function createOpenCodeRunParser(options: { maxLineBytes: number }): StreamParser {
  const events: BackendEvent[] = [];
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

  const onLine = (line: ParsedLine) => {
    const value = jsonObject(line.text, line, events);
    if (!value) return;
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

  const onEnd = () => {
    // The last step stopped on its own: the run is over (a killed run ends mid-step).
    if (!finished && lastReason === "stop") {
      finished = true;
      events.push(result(false, null, null, null));
    }
  };
  return createLineParser({ maxLineBytes: options.maxLineBytes, events, onLine, onEnd });
}
