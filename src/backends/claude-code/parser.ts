import type { AnthropicUsage } from "../../telemetry/convert.js";
import type { BackendEvent, StreamParser } from "../events.js";
import { createLineParser, jsonObject, shapeError } from "../line-parser.js";
import {
  apiRetrySchema,
  assistantSchema,
  messageDeltaSchema,
  messageStartSchema,
  resultSchema,
  streamEventSchema,
  systemInitSchema,
  SYNTHETIC_MODEL,
  type ApiUsage,
} from "./wire.js";

/**
 * Parses Claude Code's `stream-json` output (NDJSON). Pure and incremental: bytes in,
 * normalised events out.
 *
 * Usage comes from three places, and the parser only reports them, tagged:
 * - `stream_event` `message_start` + `message_delta` (with --include-partial-messages): the
 *   exact per-call numbers, as `call` samples keyed by message id;
 * - `assistant` lines: one PER CONTENT BLOCK, all repeating the start-of-message usage
 *   (output 1): `call` samples with the same message id, so they merge instead of adding;
 * - the `result` line's `modelUsage`: the CLI's final report per model (`final` samples).
 * Which one counts is decided in `src/telemetry/accumulator.ts`.
 */
export interface ClaudeParserOptions {
  maxLineBytes: number;
}

// Lines pilot needs nothing from, recognised without parsing them: the bulk of a stream.
const SKIPPED_PREFIXES = ['{"type":"stream_event","event":{"type":"content_block_', '{"type":"user"'];

interface InFlight {
  id: string | null;
  model: string | null;
  usage: AnthropicUsage;
}

export function createClaudeCodeParser(options: ClaudeParserOptions): StreamParser {
  // Calls still streaming, by the subagent they belong to (`parent_tool_use_id`).
  const inFlight = new Map<string, InFlight>();
  const events: BackendEvent[] = [];
  return createLineParser({
    maxLineBytes: options.maxLineBytes,
    events,
    onLine(line) {
      if (SKIPPED_PREFIXES.some((prefix) => line.text.startsWith(prefix)) && line.text.endsWith("}")) return;
      const value = jsonObject(line.text, line, events);
      if (!value) return;
      const problem = handleLine(value, inFlight, events);
      if (problem) events.push(shapeError(line, problem));
    },
  });
}

/** Returns a description when the line has a known type but not the expected shape. */
function handleLine(line: Record<string, unknown>, inFlight: Map<string, InFlight>, events: BackendEvent[]): string | undefined {
  const type = line.type;
  switch (type) {
    case "system":
      return handleSystem(line, events);
    case "stream_event":
      return handleStreamEvent(line, inFlight, events);
    case "assistant":
      return handleAssistant(line, events);
    case "result":
      return handleResult(line, events);
    case "user":
      return undefined;
    default:
      events.push({ type: "unknown", name: typeof type === "string" ? type : "(no type)" });
      return undefined;
  }
}

function handleSystem(line: Record<string, unknown>, events: BackendEvent[]): string | undefined {
  if (line.subtype === "init") {
    const init = systemInitSchema.safeParse(line);
    if (!init.success) return "system/init: unexpected shape";
    if (init.data.session_id) events.push({ type: "session", sessionId: init.data.session_id, cliVersion: init.data.claude_code_version });
    if (init.data.model) events.push({ type: "model", model: init.data.model, role: "configured" });
    return undefined;
  }
  if (line.subtype === "api_retry") {
    const retry = apiRetrySchema.safeParse(line);
    if (!retry.success) return "system/api_retry: unexpected shape";
    events.push({ type: "retry", attempt: retry.data.attempt, maxRetries: retry.data.max_retries, status: retry.data.error_status, error: retry.data.error });
  }
  return undefined;
}

function handleStreamEvent(line: Record<string, unknown>, inFlight: Map<string, InFlight>, events: BackendEvent[]): string | undefined {
  const parsed = streamEventSchema.safeParse(line);
  if (!parsed.success) return "stream_event: unexpected shape";
  const key = parsed.data.parent_tool_use_id ?? "";
  const event = parsed.data.event;
  if (event.type === "message_start") {
    const start = messageStartSchema.safeParse(event);
    if (!start.success) return "stream_event/message_start: unexpected shape";
    const { id, model, usage } = start.data.message;
    const call: InFlight = { id, model: model === SYNTHETIC_MODEL ? null : model, usage: toAnthropicUsage(usage) };
    inFlight.set(key, call);
    if (call.model) events.push({ type: "model", model: call.model, role: "served" });
    events.push(usageEvent(call, false));
    return undefined;
  }
  if (event.type === "message_delta") {
    const delta = messageDeltaSchema.safeParse(event);
    if (!delta.success) return "stream_event/message_delta: unexpected shape";
    const call = inFlight.get(key);
    const usage = delta.data.usage;
    if (!call || !usage) return undefined;
    // Delta counts are the call's running totals (not increments): they replace.
    if (usage.output_tokens !== undefined) call.usage.output_tokens = usage.output_tokens;
    if (usage.input_tokens !== undefined) call.usage.input_tokens = Math.max(call.usage.input_tokens, usage.input_tokens);
    if (usage.cache_read_input_tokens !== undefined)
      call.usage.cache_read_input_tokens = Math.max(call.usage.cache_read_input_tokens, usage.cache_read_input_tokens);
    if (usage.cache_creation_input_tokens !== undefined)
      call.usage.cache_creation_input_tokens = Math.max(call.usage.cache_creation_input_tokens, usage.cache_creation_input_tokens);
    events.push(usageEvent(call, true));
    return undefined;
  }
  if (event.type === "message_stop") inFlight.delete(key);
  return undefined;
}

function handleAssistant(line: Record<string, unknown>, events: BackendEvent[]): string | undefined {
  const parsed = assistantSchema.safeParse(line);
  if (!parsed.success) return "assistant: unexpected shape";
  const { message, error } = parsed.data;
  const synthetic = message.model === SYNTHETIC_MODEL;
  if (message.model && !synthetic) events.push({ type: "model", model: message.model, role: "served" });
  // The start-of-message snapshot, repeated on every content block line: merged by id.
  if (message.usage && !synthetic && message.id) {
    events.push({ type: "usage", scope: "call", id: message.id, model: message.model, usage: toAnthropicUsage(message.usage), complete: false });
  }
  for (const block of message.content) {
    if (block.type === "text" && block.text) {
      if (synthetic || error) events.push({ type: "error", message: block.text, kind: error, status: null, fatal: false });
      else events.push({ type: "text", text: block.text });
    } else if (block.type === "tool_use" && block.name) {
      events.push({ type: "tool_call", id: block.id ?? null, name: block.name });
    }
  }
  return undefined;
}

function handleResult(line: Record<string, unknown>, events: BackendEvent[]): string | undefined {
  const parsed = resultSchema.safeParse(line);
  if (!parsed.success) return "result: unexpected shape";
  const r = parsed.data;
  const models = Object.entries(r.modelUsage ?? {});
  for (const [model, m] of models) {
    const usage: AnthropicUsage = {
      convention: "anthropic",
      input_tokens: m.inputTokens,
      output_tokens: m.outputTokens,
      cache_read_input_tokens: m.cacheReadInputTokens,
      cache_creation_input_tokens: m.cacheCreationInputTokens,
    };
    // `modelUsage` has no 5m/1h split; `usage` has one but covers only the main model.
    if (models.length === 1 && r.usage?.cache_creation) {
      usage.cache_creation_5m = r.usage.cache_creation.ephemeral_5m_input_tokens;
      usage.cache_creation_1h = r.usage.cache_creation.ephemeral_1h_input_tokens;
    }
    events.push({ type: "usage", scope: "final", id: null, model, usage, complete: true, costReportedUsd: m.costUSD });
  }
  if (models.length === 0 && r.usage && hasTokens(r.usage)) {
    // Older CLIs: no per-model report; the summed usage is attributed to the run's model.
    events.push({ type: "usage", scope: "final", id: null, model: null, usage: toAnthropicUsage(r.usage), complete: true, costReportedUsd: r.total_cost_usd });
  }
  events.push({
    type: "result",
    isError: r.is_error,
    subtype: r.subtype,
    text: r.result,
    numTurns: r.num_turns,
    durationMs: r.duration_ms,
    sessionId: r.session_id,
    costReportedUsd: r.total_cost_usd,
    apiErrorStatus: r.api_error_status,
    errors: (r.errors ?? []).map((e) => (typeof e === "string" ? e : JSON.stringify(e))),
  });
  return undefined;
}

function toAnthropicUsage(usage: ApiUsage | null | undefined): AnthropicUsage {
  const out: AnthropicUsage = {
    convention: "anthropic",
    input_tokens: usage?.input_tokens ?? 0,
    output_tokens: usage?.output_tokens ?? 0,
    cache_read_input_tokens: usage?.cache_read_input_tokens ?? 0,
    cache_creation_input_tokens: usage?.cache_creation_input_tokens ?? 0,
  };
  if (usage?.cache_creation) {
    out.cache_creation_5m = usage.cache_creation.ephemeral_5m_input_tokens;
    out.cache_creation_1h = usage.cache_creation.ephemeral_1h_input_tokens;
  }
  return out;
}

function usageEvent(call: InFlight, complete: boolean): BackendEvent {
  return { type: "usage", scope: "call", id: call.id, model: call.model, usage: { ...call.usage }, complete };
}

function hasTokens(usage: ApiUsage): boolean {
  // Whether the report has any numbers at all (summing them is the accumulator's job).
  return [usage.input_tokens, usage.output_tokens, usage.cache_read_input_tokens, usage.cache_creation_input_tokens].some((n) => n > 0);
}
