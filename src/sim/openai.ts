import type { IncomingMessage, ServerResponse } from "node:http";
import { frame, openEventStream, sendJson, writeThenDrop, type Handling } from "./http.js";
import { hex, planReply, toolNames, workingDirectoryFrom, type ModelCall, type Reply } from "./plan.js";
import { OPENAI_USAGE, type Scenario, type SimUsage } from "./scenarios.js";

/**
 * The OpenAI Responses API (`POST /v1/responses`) and Chat Completions
 * (`POST /v1/chat/completions`, usage in the last chunk with `stream_options.include_usage`),
 * streaming and not, shaped like fixtures/real-cli/mock-responses/{responses,chat}-*.
 */

/** Codex states its directory as `<cwd>…</cwd>`, OpenCode as "Working directory: …". */
function cwdIn(body: Record<string, unknown>): string | null {
  const text = JSON.stringify(body);
  const codex = /<cwd>(\/[^<]*)<\/cwd>/.exec(text);
  if (codex) return codex[1]!;
  return workingDirectoryFrom(text.replace(/\\n/g, "\n"));
}

export function readResponsesCall(body: Record<string, unknown>, knownCwd: string | null): ModelCall {
  const input = Array.isArray(body.input) ? (body.input as { type?: unknown }[]) : [];
  return {
    model: typeof body.model === "string" ? body.model : "gpt-sim",
    stream: body.stream === true,
    followUp: input[input.length - 1]?.type === "function_call_output",
    cwd: knownCwd ?? cwdIn(body),
    tools: toolNames(body.tools),
  };
}

export function readChatCall(body: Record<string, unknown>, knownCwd: string | null): ModelCall & { includeUsage: boolean } {
  const messages = Array.isArray(body.messages) ? (body.messages as { role?: unknown }[]) : [];
  const options = (body.stream_options ?? {}) as { include_usage?: unknown };
  return {
    model: typeof body.model === "string" ? body.model : "gpt-sim",
    stream: body.stream === true,
    followUp: messages[messages.length - 1]?.role === "tool",
    cwd: knownCwd ?? cwdIn(body),
    tools: toolNames(body.tools),
    includeUsage: options.include_usage === true,
  };
}

const ERRORS: Record<number, { type: string; code: string; message: string }> = {
  400: { type: "invalid_request_error", code: "invalid_request", message: "Invalid request (simulator)" },
  401: { type: "invalid_request_error", code: "invalid_api_key", message: "Incorrect API key provided (simulator)" },
  403: { type: "invalid_request_error", code: "forbidden", message: "Forbidden (simulator)" },
  429: { type: "requests", code: "rate_limit_exceeded", message: "Rate limit reached (simulator)" },
  500: { type: "server_error", code: "server_error", message: "The server had an error (simulator)" },
  529: { type: "server_error", code: "overloaded", message: "Overloaded (simulator)" },
};

function sendError(res: ServerResponse, status: number, requestId: string): void {
  const e = ERRORS[status] ?? { type: "server_error", code: "server_error", message: `HTTP ${status} (simulator)` };
  sendJson(res, status, { error: { message: e.message, type: e.type, param: null, code: e.code } }, { "x-request-id": requestId, ...(status === 429 ? { "retry-after": "1" } : {}) });
}

/** Early exits shared by both APIs; true when the response is already handled. */
function misbehaveAtOnce(req: IncomingMessage, res: ServerResponse, scenario: Scenario, call: ModelCall, how: Handling, requestId: string): boolean {
  if (scenario.kind === "http" && how.misbehave) {
    sendError(res, scenario.status ?? 500, requestId);
    return true;
  }
  if (scenario.kind === "drop" && how.misbehave && !call.stream) {
    req.socket.destroy();
    return true;
  }
  if (scenario.kind === "sseerror" && how.misbehave && !call.stream) {
    sendError(res, 500, requestId);
    return true;
  }
  return false;
}

function responsesUsage(u: SimUsage) {
  return {
    input_tokens: u.input + u.cacheRead + u.cacheWrite,
    input_tokens_details: { cached_tokens: u.cacheRead },
    output_tokens: u.output,
    output_tokens_details: { reasoning_tokens: u.reasoning },
    total_tokens: u.input + u.cacheRead + u.cacheWrite + u.output,
  };
}

function chatUsage(u: SimUsage) {
  return {
    prompt_tokens: u.input + u.cacheRead + u.cacheWrite,
    completion_tokens: u.output,
    total_tokens: u.input + u.cacheRead + u.cacheWrite + u.output,
    prompt_tokens_details: { cached_tokens: u.cacheRead, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: u.reasoning, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function outputItems(reply: Reply) {
  return reply.blocks.map((b) =>
    b.type === "text"
      ? { id: `msg_sim_${hex(8)}`, type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", annotations: [], logprobs: [], text: b.text }] }
      : { id: `fc_sim_${b.id}`, type: "function_call", status: "completed", call_id: `call_sim_${b.id}`, name: b.name, arguments: JSON.stringify(b.input) },
  );
}

export function answerResponses(req: IncomingMessage, res: ServerResponse, scenario: Scenario, call: ModelCall, how: Handling): void {
  const requestId = `req_sim_${hex(8)}`;
  if (misbehaveAtOnce(req, res, scenario, call, how, requestId)) return;
  const reply = planReply(scenario, call, OPENAI_USAGE);
  const id = `resp_sim_${hex(8)}`;
  const created = Math.floor(Date.now() / 1000);
  const response = (status: string, output: unknown[], usage: unknown, error: unknown = null) => ({
    id,
    object: "response",
    created_at: created,
    status,
    error,
    incomplete_details: null,
    model: call.model,
    output,
    parallel_tool_calls: false,
    previous_response_id: null,
    store: false,
    usage,
  });
  if (!call.stream) return sendJson(res, 200, response("completed", outputItems(reply), responsesUsage(reply.usage)), { "x-request-id": requestId });

  openEventStream(res, requestId);
  let sequence = 0;
  const send = (type: string, data: Record<string, unknown>) => res.write(frame(type, { type, sequence_number: sequence++, ...data }));
  send("response.created", { response: response("in_progress", [], null) });
  if (reply.hang) return how.onHang(res);
  send("response.in_progress", { response: response("in_progress", [], null) });

  const items = outputItems(reply);
  for (const [index, item] of items.entries()) {
    if (item.type === "function_call") {
      send("response.output_item.added", { output_index: index, item: { ...item, status: "in_progress", arguments: "" } });
      send("response.function_call_arguments.delta", { item_id: item.id, output_index: index, delta: item.arguments });
      send("response.function_call_arguments.done", { item_id: item.id, output_index: index, arguments: item.arguments });
      send("response.output_item.done", { output_index: index, item });
      continue;
    }
    const text = (item.content as { text: string }[])[0]!.text;
    send("response.output_item.added", { output_index: index, item: { ...item, status: "in_progress", content: [] } });
    send("response.content_part.added", { item_id: item.id, output_index: index, content_index: 0, part: { type: "output_text", annotations: [], logprobs: [], text: "" } });
    const half = items.length === 1 ? Math.ceil(text.length / 2) : text.length;
    const first = { type: "response.output_text.delta", sequence_number: sequence++, item_id: item.id, output_index: index, content_index: 0, delta: text.slice(0, half), logprobs: [] };
    if (index === 0 && how.misbehave && scenario.kind === "drop") return writeThenDrop(req, res, frame(first.type, first));
    res.write(frame(first.type, first));
    if (index === 0 && how.misbehave && scenario.kind === "sseerror") {
      send("response.failed", { response: response("failed", [], null, { code: "server_error", message: "The model failed (simulator, in-stream)" }) });
      return void res.end();
    }
    if (half < text.length) send("response.output_text.delta", { item_id: item.id, output_index: index, content_index: 0, delta: text.slice(half), logprobs: [] });
    send("response.output_text.done", { item_id: item.id, output_index: index, content_index: 0, text, logprobs: [] });
    send("response.content_part.done", { item_id: item.id, output_index: index, content_index: 0, part: { type: "output_text", annotations: [], logprobs: [], text } });
    send("response.output_item.done", { output_index: index, item });
  }
  send("response.completed", { response: response("completed", items, responsesUsage(reply.usage)) });
  res.end();
}

export function answerChat(req: IncomingMessage, res: ServerResponse, scenario: Scenario, call: ModelCall & { includeUsage: boolean }, how: Handling): void {
  const requestId = `req_sim_${hex(8)}`;
  if (misbehaveAtOnce(req, res, scenario, call, how, requestId)) return;
  const reply = planReply(scenario, call, OPENAI_USAGE);
  const id = `chatcmpl-sim${hex(8)}`;
  const created = Math.floor(Date.now() / 1000);
  const tools = reply.blocks.filter((b) => b.type === "tool");
  const text = reply.blocks.filter((b) => b.type === "text").map((b) => b.text).join("\n");
  const finish = tools.length > 0 ? "tool_calls" : "stop";
  const toolCalls = tools.map((t, index) => ({ index, id: `call_sim_${t.id}`, type: "function", function: { name: t.name, arguments: JSON.stringify(t.input) } }));
  if (!call.stream) {
    return sendJson(res, 200, {
      id,
      object: "chat.completion",
      created,
      model: call.model,
      choices: [{ index: 0, message: { role: "assistant", content: text, ...(toolCalls.length ? { tool_calls: toolCalls.map(({ index: _i, ...t }) => t) } : {}) }, finish_reason: finish }],
      usage: chatUsage(reply.usage),
    });
  }
  openEventStream(res, requestId);
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => frame(null, { id, object: "chat.completion.chunk", created, model: call.model, system_fingerprint: "fp_sim", choices, ...extra });
  res.write(chunk([{ index: 0, delta: { role: "assistant", content: "", refusal: null }, logprobs: null, finish_reason: null }]));
  if (reply.hang) return how.onHang(res);
  const half = tools.length === 0 ? Math.ceil(text.length / 2) : text.length;
  const first = chunk([{ index: 0, delta: { content: text.slice(0, half) }, logprobs: null, finish_reason: null }]);
  if (how.misbehave && scenario.kind === "drop") return writeThenDrop(req, res, first);
  res.write(first);
  if (how.misbehave && scenario.kind === "sseerror") {
    res.write(frame(null, { error: { message: "The model failed (simulator, in-stream)", type: "server_error", code: "server_error" } }));
    return void res.end();
  }
  if (half < text.length) res.write(chunk([{ index: 0, delta: { content: text.slice(half) }, logprobs: null, finish_reason: null }]));
  if (toolCalls.length > 0) res.write(chunk([{ index: 0, delta: { tool_calls: toolCalls }, logprobs: null, finish_reason: null }]));
  res.write(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: finish }]));
  if (call.includeUsage) res.write(chunk([], { usage: chatUsage(reply.usage) }));
  res.write(frame(null, "[DONE]"));
  res.end();
}
