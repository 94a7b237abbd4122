import type { IncomingMessage, ServerResponse } from "node:http";
import { frame, openEventStream, sendJson, writeThenDrop, type Handling } from "./http.js";
import { hex, planReply, systemText, toolNames, workingDirectoryFrom, type ModelCall, type Reply } from "./plan.js";
import { ANTHROPIC_USAGE, type Scenario } from "./scenarios.js";

/**
 * The Anthropic Messages API (`POST /v1/messages`, streaming and not), byte-shaped like the
 * real API (see fixtures/real-cli/mock-responses/anthropic-*).
 */

export function readMessagesCall(body: Record<string, unknown>, knownCwd: string | null): ModelCall {
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  const last = messages[messages.length - 1] as { role?: unknown; content?: unknown } | undefined;
  const followUp =
    last?.role === "user" && Array.isArray(last.content) && last.content.some((b) => typeof b === "object" && b !== null && (b as { type?: unknown }).type === "tool_result");
  return {
    model: typeof body.model === "string" ? body.model : "claude-sim",
    stream: body.stream === true,
    followUp,
    cwd: knownCwd ?? workingDirectoryFrom(systemText(body.system)),
    tools: toolNames(body.tools),
  };
}

export function answerMessages(req: IncomingMessage, res: ServerResponse, scenario: Scenario, call: ModelCall, how: Handling): void {
  const requestId = `req_sim_${hex(8)}`;
  if (scenario.kind === "http" && how.misbehave) return sendError(res, scenario.status ?? 500, requestId);
  if (scenario.kind === "drop" && how.misbehave && !call.stream) return void req.socket.destroy();
  if (scenario.kind === "sseerror" && how.misbehave && !call.stream) return sendError(res, 529, requestId);

  const reply = planReply(scenario, call, ANTHROPIC_USAGE);
  const id = `msg_sim_${hex(8)}`;
  if (!call.stream) return sendJson(res, 200, message(id, call.model, reply, true), { "request-id": requestId });

  openEventStream(res, requestId);
  const send = (event: string, data: unknown) => res.write(frame(event, data));
  send("message_start", { type: "message_start", message: message(id, call.model, reply, false) });
  if (reply.hang) return how.onHang(res);
  send("ping", { type: "ping" });

  for (const [index, block] of reply.blocks.entries()) {
    if (block.type === "tool") {
      send("content_block_start", { type: "content_block_start", index, content_block: { type: "tool_use", id: `toolu_sim_${block.id}`, name: block.name, input: {} } });
      send("content_block_delta", { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) } });
      send("content_block_stop", { type: "content_block_stop", index });
      continue;
    }
    send("content_block_start", { type: "content_block_start", index, content_block: { type: "text", text: "" } });
    // A final answer comes in two deltas ("do", "ne"), a remark before a tool call in one, as captured.
    const half = reply.blocks.length === 1 ? Math.ceil(block.text.length / 2) : block.text.length;
    const first = { type: "content_block_delta", index, delta: { type: "text_delta", text: block.text.slice(0, half) } };
    // Misbehaving streams break off after the first text delta.
    if (index === 0 && how.misbehave && scenario.kind === "drop") return writeThenDrop(req, res, frame("content_block_delta", first));
    send("content_block_delta", first);
    if (index === 0 && how.misbehave && scenario.kind === "sseerror") {
      send("error", { type: "error", error: { type: "overloaded_error", message: "Overloaded (simulator, in-stream)" } });
      return void res.end();
    }
    if (half < block.text.length) send("content_block_delta", { type: "content_block_delta", index, delta: { type: "text_delta", text: block.text.slice(half) } });
    send("content_block_stop", { type: "content_block_stop", index });
  }
  send("message_delta", { type: "message_delta", delta: { stop_reason: stopReason(reply), stop_sequence: null }, usage: { output_tokens: reply.usage.output } });
  send("message_stop", { type: "message_stop" });
  res.end();
}

function stopReason(reply: Reply): string {
  return reply.blocks.some((b) => b.type === "tool") ? "tool_use" : "end_turn";
}

function message(id: string, model: string, reply: Reply, complete: boolean) {
  return {
    id,
    type: "message",
    role: "assistant",
    model,
    content: complete ? reply.blocks.map((b) => (b.type === "text" ? b : { type: "tool_use", id: `toolu_sim_${b.id}`, name: b.name, input: b.input })) : [],
    stop_reason: complete ? stopReason(reply) : null,
    stop_sequence: null,
    usage: {
      input_tokens: reply.usage.input,
      cache_creation_input_tokens: reply.usage.cacheWrite,
      cache_read_input_tokens: reply.usage.cacheRead,
      output_tokens: complete ? reply.usage.output : 1,
      service_tier: "standard",
    },
  };
}

const ERROR_TYPES: Record<number, [string, string]> = {
  400: ["invalid_request_error", "Invalid request (simulator)"],
  401: ["authentication_error", "invalid x-api-key (simulator)"],
  403: ["permission_error", "Permission denied (simulator)"],
  404: ["not_found_error", "Not found (simulator)"],
  429: ["rate_limit_error", "Rate limited (simulator)"],
  500: ["api_error", "Internal server error (simulator)"],
  529: ["overloaded_error", "Overloaded (simulator)"],
};

export function sendError(res: ServerResponse, status: number, requestId: string): void {
  const [type, message] = ERROR_TYPES[status] ?? ["api_error", `HTTP ${status} (simulator)`];
  sendJson(res, status, { type: "error", error: { type, message }, request_id: requestId }, { "request-id": requestId, ...(status === 429 ? { "retry-after": "1" } : {}) });
}
