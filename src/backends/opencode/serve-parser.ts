import { createParser as createSseParser } from "eventsource-parser";
import type { BackendEvent, StreamParser } from "../events.js";
import { createLineParser, jsonObject, shapeError } from "../line-parser.js";
import { errorOf, isObject, messageModel, stepTokens, str, type Json } from "./wire.js";

/**
 * Parses the SSE stream of `opencode serve`'s `GET /event` (frames of `data: {type,
 * properties}`), pure and incremental. One server runs one pilot execution, so the stream
 * holds this run's session (the first root session it announces) and its child sessions
 * (subagents); anything else is ignored.
 *
 * - Usage: `step-finish` parts, one `call` sample per part id (repeats merge). The
 *   assistant `message.updated` totals are not added: they can hold only the last step.
 * - Model: the assistant `message.updated` (`modelID`).
 * - End: the root session going idle after it was busy (`session.idle` or an idle
 *   `session.status`) is the `result`; a `session.error` before it makes the result a failure.
 */

// Text deltas are most of the stream and carry nothing pilot stores.
const SKIPPED_TYPES = ['"type":"message.part.delta"', '"type":"plugin.added"'];
const QUIET_TYPES = new Set(["server.connected", "server.heartbeat", "session.diff", "catalog.updated", "reference.updated", "integration.updated", "plugin.added", "file.edited", "file.watcher.updated", "lsp.updated", "lsp.client.diagnostics", "installation.updated", "todo.updated", "permission.updated", "message.part.delta", "message.removed", "message.part.removed", "session.compacted", "storage.write", "command.executed"]);

export function createOpenCodeServeParser(options: { maxLineBytes: number }): StreamParser {
  const state = newSessionState();
  const events: BackendEvent[] = [];
  let lineNo = 0;
  let frameBytes = 0;

  const sse = createSseParser({
    onEvent: (message) => {
      const bytes = frameBytes;
      frameBytes = 0;
      const data = message.data;
      if (SKIPPED_TYPES.some((type) => data.lastIndexOf(type, 120) !== -1)) return;
      const value = jsonObject(data, { line: lineNo, bytes }, events, "SSE data is not an event object");
      if (!value) return;
      if (typeof value.type !== "string") return void events.push(shapeError({ line: lineNo, bytes }, "SSE data is not an event object"));
      handleServerEvent(value.type, isObject(value.properties) ? value.properties : {}, state, events);
    },
  });

  return createLineParser({
    maxLineBytes: options.maxLineBytes,
    keepEmpty: true,
    events,
    onLine(line) {
      lineNo = line.line;
      frameBytes += line.bytes;
      sse.feed(`${line.text}\n`);
    },
    // A frame cut off by the end of the stream is not an event (SSE drops it too).
    onEnd: () => sse.reset(),
  });
}

export interface SessionState {
  root: string | null;
  sessions: Set<string>;
  /** Model of each assistant message, for its step-finish parts. */
  messageModels: Map<string, string>;
  /** Tool parts already reported. */
  toolParts: Set<string>;
  busy: boolean;
  error: { message: string; name: string | null; status: number | null } | null;
  finished: boolean;
}

export function newSessionState(): SessionState {
  return { root: null, sessions: new Set(), messageModels: new Map(), toolParts: new Set(), busy: false, error: null, finished: false };
}

function ours(state: SessionState, sessionId: string | null): boolean {
  return sessionId !== null && state.sessions.has(sessionId);
}

export function handleServerEvent(type: string, props: Json, state: SessionState, events: BackendEvent[]): void {
  switch (type) {
    case "session.created":
    case "session.updated": {
      const info = isObject(props.info) ? props.info : {};
      const id = str(info.id) ?? str(props.sessionID);
      if (!id) return;
      const parent = str(info.parentID);
      if (parent === null && state.root === null) {
        state.root = id;
        state.sessions.add(id);
        events.push({ type: "session", sessionId: id, cliVersion: str(info.version) });
      } else if (parent !== null && state.sessions.has(parent)) {
        state.sessions.add(id);
      }
      return;
    }
    case "message.updated": {
      const info = isObject(props.info) ? props.info : {};
      if (!ours(state, str(info.sessionID) ?? str(props.sessionID)) || info.role !== "assistant") return;
      const model = messageModel(info);
      const messageId = str(info.id);
      if (model) {
        if (messageId) state.messageModels.set(messageId, model);
        // The model the call went to; it counts as served once a step of it reports usage.
        events.push({ type: "model", model, role: "configured" });
      }
      if (info.error !== undefined && info.error !== null) {
        const error = errorOf(info.error);
        events.push({ type: "error", message: error.message, kind: error.name, status: error.status, fatal: false });
      }
      return;
    }
    case "message.part.updated":
      return handlePart(isObject(props.part) ? props.part : {}, state, events);
    case "session.status": {
      if (str(props.sessionID) !== state.root) return;
      const status = isObject(props.status) ? props.status : {};
      if (status.type === "busy") state.busy = true;
      else if (status.type === "retry") {
        events.push({ type: "retry", attempt: typeof status.attempt === "number" ? status.attempt : null, maxRetries: null, status: null, error: str(status.message) });
      } else if (status.type === "idle") finish(state, events);
      return;
    }
    case "session.idle":
      if (str(props.sessionID) === state.root) finish(state, events);
      return;
    case "session.error": {
      const sessionId = str(props.sessionID);
      if (sessionId !== null && !ours(state, sessionId)) return;
      const error = errorOf(props.error);
      state.error ??= error;
      events.push({ type: "error", message: error.message, kind: error.name, status: error.status, fatal: true });
      return;
    }
    default:
      if (!QUIET_TYPES.has(type)) events.push({ type: "unknown", name: type });
  }
}

export function handlePart(part: Json, state: SessionState, events: BackendEvent[]): void {
  if (!ours(state, str(part.sessionID))) return;
  const id = str(part.id);
  switch (part.type) {
    case "step-finish": {
      const usage = stepTokens(part.tokens);
      if (!usage) return;
      const messageId = str(part.messageID);
      const cost = typeof part.cost === "number" ? part.cost : null;
      events.push({ type: "usage", scope: "call", id, model: (messageId && state.messageModels.get(messageId)) ?? null, usage, complete: true, costReportedUsd: cost });
      return;
    }
    case "text": {
      // Reported once, when the part is finished.
      const time = isObject(part.time) ? part.time : {};
      const text = str(part.text);
      if (text && time.end !== undefined) events.push({ type: "text", text });
      return;
    }
    case "tool": {
      if (!id || state.toolParts.has(id)) return;
      state.toolParts.add(id);
      events.push({ type: "tool_call", id, name: str(part.tool) ?? "tool" });
      return;
    }
    default:
      return;
  }
}

function finish(state: SessionState, events: BackendEvent[]): void {
  // Idle before any work (a fresh session) is not the end of the run.
  if (state.finished || (!state.busy && state.error === null)) return;
  state.finished = true;
  const error = state.error;
  events.push({
    type: "result",
    isError: error !== null,
    subtype: error ? (error.name ?? "session.error") : "session.idle",
    text: error ? error.message : null,
    numTurns: null,
    durationMs: null,
    sessionId: state.root,
    costReportedUsd: null,
    apiErrorStatus: error?.status ?? null,
    errors: error ? [error.message] : [],
    // Aborted mid-step (pilot's timeout or cancel, or a user): that step never reports its usage.
    ...(error?.name === "MessageAbortedError" ? { usageIncomplete: true } : {}),
  });
}

/**
 * Events from a session's messages (`GET /session/:id/message`), read when the event stream
 * went quiet: the same step-finish parts (merged with any seen live, by part id), the model,
 * and the end of the run if the last assistant message is complete.
 */
export function eventsFromMessages(sessionId: string, messages: unknown): BackendEvent[] {
  const events: BackendEvent[] = [];
  if (!Array.isArray(messages)) return events;
  const state = newSessionState();
  state.root = sessionId;
  state.sessions.add(sessionId);
  let lastAssistant: Json | null = null;
  for (const message of messages) {
    if (!isObject(message) || !isObject(message.info)) continue;
    const info: Json = { sessionID: sessionId, ...message.info };
    handleServerEvent("message.updated", { info }, state, events);
    if (info.role === "assistant") lastAssistant = info;
    for (const part of Array.isArray(message.parts) ? message.parts : []) if (isObject(part)) handlePart({ sessionID: sessionId, ...part }, state, events);
  }
  const time = lastAssistant && isObject(lastAssistant.time) ? lastAssistant.time : {};
  if (lastAssistant && time.completed !== undefined) {
    if (lastAssistant.error !== undefined && lastAssistant.error !== null) state.error = errorOf(lastAssistant.error);
    state.busy = true;
    finish(state, events);
  }
  return events;
}
