import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { usageFor, type Scenario, type SimUsage } from "./scenarios.js";

/**
 * The Anthropic Messages API as the simulator speaks it (`POST /v1/messages`, streaming and
 * not), byte-shaped like the real API (see fixtures/real-cli/mock-responses/).
 */

export interface MessagesRequest {
  model: string;
  stream: boolean;
  /** The conversation so far answers a tool call: this is the follow-up call. */
  followUp: boolean;
  /** Working directory of the agent, when the request says (for tool paths). */
  cwd: string | null;
}

type Block = { type: "text"; text: string } | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

interface Reply {
  blocks: Block[];
  usage: SimUsage;
  /** Stop after message_start and keep the connection open (a call that never finishes). */
  hang?: boolean;
}

export const SIM_FILE_NAME = "PILOT_SIM.md";
export const SIM_FILE_CONTENT = "Written by the pilot model simulator.\n";

export function readMessagesRequest(body: unknown, fallbackCwd: string | null): MessagesRequest {
  const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const messages = Array.isArray(b.messages) ? (b.messages as unknown[]) : [];
  const last = messages[messages.length - 1] as { role?: unknown; content?: unknown } | undefined;
  const followUp =
    last?.role === "user" &&
    Array.isArray(last.content) &&
    last.content.some((block) => typeof block === "object" && block !== null && (block as { type?: unknown }).type === "tool_result");
  return {
    model: typeof b.model === "string" ? b.model : "claude-sim",
    stream: b.stream === true,
    followUp,
    cwd: fallbackCwd ?? workingDirectoryFrom(b.system),
  };
}

function workingDirectoryFrom(system: unknown): string | null {
  const text = typeof system === "string" ? system : Array.isArray(system) ? system.map((s) => (s as { text?: string }).text ?? "").join("\n") : "";
  const match = /working directory:\s*(\/[^\n]*)/i.exec(text);
  return match ? match[1]!.trim() : null;
}

function replyFor(scenario: Scenario, request: MessagesRequest): Reply {
  const usage = usageFor(request.model, request.followUp);
  const done: Reply = { blocks: [{ type: "text", text: "done" }], usage };
  const toolUse = (name: string, input: Record<string, unknown>, say: string): Reply => ({
    blocks: [
      { type: "text", text: say },
      { type: "tool_use", id: `toolu_sim_${hex(8)}`, name, input },
    ],
    usage,
  });
  const inProject = (file: string) => (request.cwd ? join(request.cwd, file) : file);
  switch (scenario.kind) {
    case "tooluse":
      return request.followUp ? done : toolUse("Read", { file_path: inProject("README.md") }, "Let me check.");
    case "write":
      return request.followUp ? done : toolUse("Write", { file_path: inProject(SIM_FILE_NAME), content: SIM_FILE_CONTENT }, "Writing the file.");
    case "stall":
      return request.followUp ? { ...done, hang: true } : toolUse("Read", { file_path: inProject("README.md") }, "Let me check.");
    default:
      return done;
  }
}

export interface AnthropicHandling {
  /** The call misbehaves as the scenario says (false: answer normally). */
  misbehave: boolean;
  /** Called when a hanging response is opened, so the server can end it on close. */
  onHang: (res: ServerResponse) => void;
}

export function answerMessages(req: IncomingMessage, res: ServerResponse, scenario: Scenario, request: MessagesRequest, how: AnthropicHandling): void {
  const requestId = `req_sim_${hex(8)}`;
  if (scenario.kind === "http" && how.misbehave) return sendError(res, scenario.status ?? 500, requestId);
  if (scenario.kind === "drop" && how.misbehave && !request.stream) {
    req.socket.destroy();
    return;
  }
  if (scenario.kind === "sseerror" && how.misbehave && !request.stream) return sendError(res, 529, requestId);

  const reply = replyFor(scenario, request);
  const id = `msg_sim_${hex(8)}`;
  if (!request.stream) {
    res.writeHead(200, { "content-type": "application/json", "request-id": requestId });
    res.end(JSON.stringify(messageObject(id, request.model, reply, true)));
    return;
  }

  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", "request-id": requestId });
  const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  send("message_start", { type: "message_start", message: messageObject(id, request.model, reply, false) });
  if (reply.hang) {
    how.onHang(res);
    return;
  }
  send("ping", { type: "ping" });

  for (const [index, block] of reply.blocks.entries()) {
    if (block.type === "tool_use") {
      send("content_block_start", { type: "content_block_start", index, content_block: { type: "tool_use", id: block.id, name: block.name, input: {} } });
      send("content_block_delta", { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) } });
      send("content_block_stop", { type: "content_block_stop", index });
      continue;
    }
    send("content_block_start", { type: "content_block_start", index, content_block: { type: "text", text: "" } });
    // A final answer comes in two deltas ("do", "ne") and a remark before a tool call in one,
    // as in the captures.
    const half = reply.blocks.length === 1 ? Math.ceil(block.text.length / 2) : block.text.length;
    const firstDelta = { type: "content_block_delta", index, delta: { type: "text_delta", text: block.text.slice(0, half) } };
    // Misbehaving streams break off after the first text delta, as the captures show.
    if (index === 0 && how.misbehave && scenario.kind === "drop") {
      res.write(`event: content_block_delta\ndata: ${JSON.stringify(firstDelta)}\n\n`, () => req.socket.destroy());
      return;
    }
    send("content_block_delta", firstDelta);
    if (index === 0 && how.misbehave && scenario.kind === "sseerror") {
      send("error", { type: "error", error: { type: "overloaded_error", message: "Overloaded (simulator, in-stream)" } });
      res.end();
      return;
    }
    if (half < block.text.length) {
      send("content_block_delta", { type: "content_block_delta", index, delta: { type: "text_delta", text: block.text.slice(half) } });
    }
    send("content_block_stop", { type: "content_block_stop", index });
  }
  const stopReason = reply.blocks.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn";
  send("message_delta", { type: "message_delta", delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: reply.usage.output } });
  send("message_stop", { type: "message_stop" });
  res.end();
}

function messageObject(id: string, model: string, reply: Reply, complete: boolean) {
  const stopReason = reply.blocks.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn";
  return {
    id,
    type: "message",
    role: "assistant",
    model,
    content: complete ? reply.blocks : [],
    stop_reason: complete ? stopReason : null,
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

function sendError(res: ServerResponse, status: number, requestId: string): void {
  const [type, message] = ERROR_TYPES[status] ?? ["api_error", `HTTP ${status} (simulator)`];
  const headers: Record<string, string> = { "content-type": "application/json", "request-id": requestId };
  if (status === 429) headers["retry-after"] = "1";
  res.writeHead(status, headers);
  res.end(JSON.stringify({ type: "error", error: { type, message }, request_id: requestId }));
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}
