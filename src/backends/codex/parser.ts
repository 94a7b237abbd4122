import type { OpenAIUsage } from "../../telemetry/convert.js";
import type { BackendEvent, StreamParser } from "../events.js";
import { createLineParser, jsonObject, shapeError, type ParsedLine } from "../line-parser.js";
import { errorLineSchema, itemLineSchema, threadStartedSchema, turnCompletedSchema, turnFailedSchema } from "./wire.js";

/**
 * Parses `codex exec --json` output (NDJSON). Pure and incremental.
 *
 * Usage comes only from `turn.completed`, and it is the thread's CUMULATIVE total: it is
 * reported as a `cumulative` sample keyed by the thread, and the accumulator subtracts the
 * thread's total from before this run. The stream names no model and no cost.
 * `Reconnecting... n/5` errors are retries; `turn.failed` ends the run as a failure.
 */
const RECONNECTING = /^Reconnecting\.\.\.\s*(\d+)\/(\d+)\s*(?:\((.*)\))?/s;
const TOOL_ITEMS = new Set(["command_execution", "file_change", "mcp_tool_call", "web_search"]);
/**
 * Item lines are most of the bytes (command output, reasoning) and pilot needs only their id
 * and type from most of them: read those from the line's start, without parsing it.
 */
const ITEM_HEAD = /^\{"type":"item\.(?:started|updated|completed)","item":\{"id":"([^"\\]*)","type":"([a-z_]+)"/;

export function createCodexParser(options: { maxLineBytes: number }): StreamParser {
  let thread: string | null = null;
  const toolItems = new Set<string>();
  const events: BackendEvent[] = [];

  const onLine = (line: ParsedLine) => {
    const head = ITEM_HEAD.exec(line.text);
    if (head && line.text.endsWith("}")) {
      const [, id, kind] = head as unknown as [string, string, string];
      if (kind === "reasoning") return;
      if (TOOL_ITEMS.has(kind) && kind !== "mcp_tool_call") return toolItem(id, kind, null, null);
    }
    const value = jsonObject(line.text, line, events);
    if (!value) return;
    const problem = handle(value);
    if (problem) events.push(shapeError(line, problem));
  };

  const handle = (line: Record<string, unknown>): string | undefined => {
    switch (line.type) {
      case "thread.started": {
        const parsed = threadStartedSchema.safeParse(line);
        if (!parsed.success || !parsed.data.thread_id) return "thread.started without thread_id";
        thread = parsed.data.thread_id;
        events.push({ type: "session", sessionId: thread, cliVersion: null });
        return undefined;
      }
      case "turn.started":
        return undefined;
      case "item.started":
      case "item.updated":
      case "item.completed":
        return handleItem(line);
      case "turn.completed": {
        const parsed = turnCompletedSchema.safeParse(line);
        if (!parsed.success) return "turn.completed: unexpected shape";
        const u = parsed.data.usage;
        if (u) {
          const usage: OpenAIUsage = {
            convention: "openai",
            input_tokens: u.input_tokens,
            cached_input_tokens: u.cached_input_tokens,
            cache_write_input_tokens: u.cache_write_input_tokens,
            output_tokens: u.output_tokens,
            reasoning_output_tokens: u.reasoning_output_tokens,
          };
          events.push({ type: "usage", scope: "cumulative", id: null, model: null, usage, complete: true, thread: thread ?? "" });
        }
        events.push(result(false, null));
        return undefined;
      }
      case "turn.failed": {
        const parsed = turnFailedSchema.safeParse(line);
        const message = (parsed.success ? parsed.data.error?.message : null) ?? "turn failed";
        events.push({ type: "error", message, kind: "turn.failed", status: statusIn(message), fatal: true });
        events.push(result(true, message));
        return undefined;
      }
      case "error": {
        const parsed = errorLineSchema.safeParse(line);
        const message = (parsed.success ? parsed.data.message : null) ?? "error";
        const retry = RECONNECTING.exec(message);
        if (retry) {
          const reason = retry[3] ?? null;
          events.push({ type: "retry", attempt: Number(retry[1]), maxRetries: Number(retry[2]), status: reason ? statusIn(reason) : null, error: reason });
        } else {
          events.push({ type: "error", message, kind: "error", status: statusIn(message), fatal: false });
        }
        return undefined;
      }
      default:
        events.push({ type: "unknown", name: typeof line.type === "string" ? line.type : "(no type)" });
        return undefined;
    }
  };

  const handleItem = (line: Record<string, unknown>): string | undefined => {
    const parsed = itemLineSchema.safeParse(line);
    if (!parsed.success) return `${String(line.type)}: unexpected shape`;
    const item = parsed.data.item;
    const kind = item.type ?? "";
    if (TOOL_ITEMS.has(kind)) {
      toolItem(item.id ?? `${kind}-${toolItems.size}`, kind, item.server, item.tool);
      return undefined;
    }
    if (line.type !== "item.completed") return undefined;
    if (kind === "agent_message" && item.text) events.push({ type: "text", text: item.text });
    // An `error` item is a warning (e.g. "Model metadata for … not found"), not a failure.
    if (kind === "error" && item.message) events.push({ type: "error", message: item.message, kind: "warning", status: null, fatal: false });
    return undefined;
  };

  const toolItem = (id: string, kind: string, server: string | null, tool: string | null) => {
    if (toolItems.has(id)) return;
    toolItems.add(id);
    // One tool_call per item id (started, updated and completed lines repeat it).
    events.push({ type: "tool_call", id, name: kind === "mcp_tool_call" ? `${server ?? "mcp"}.${tool ?? "tool"}` : kind });
  };

  const result = (isError: boolean, message: string | null): BackendEvent => ({
    type: "result",
    isError,
    subtype: isError ? "turn.failed" : "turn.completed",
    text: message,
    numTurns: null,
    durationMs: null,
    sessionId: thread,
    costReportedUsd: null,
    apiErrorStatus: message ? statusIn(message) : null,
    errors: message ? [message] : [],
  });

  return createLineParser({ maxLineBytes: options.maxLineBytes, events, onLine });
}

/** An HTTP status named in an error message ("unexpected status 401 Unauthorized"). */
function statusIn(message: string): number | null {
  const match = /\bstatus (\d{3})\b|\b(\d{3}) (?:Unauthorized|Forbidden|Too Many Requests|Internal Server Error|Bad Gateway|Service Unavailable)\b/i.exec(message);
  const code = match ? Number(match[1] ?? match[2]) : null;
  return code !== null && code >= 400 && code < 600 ? code : null;
}
