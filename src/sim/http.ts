import type { IncomingMessage, ServerResponse } from "node:http";

/** Small helpers the simulator's API modules share. */

/**
 * Asks clients that honour it (OpenCode, the OpenAI and Anthropic SDKs) to retry after
 * 100 ms: a CLI's own retries of a failure scenario then take a second, not a minute of
 * exponential backoff. Sent with every response, since a stream cut mid-way is retried on the
 * headers of its 200.
 */
const RETRY_SOON = { "retry-after-ms": "100" };

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...RETRY_SOON, ...headers });
  res.end(JSON.stringify(body));
}

export function openEventStream(res: ServerResponse, requestId: string): void {
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", "x-request-id": requestId, "request-id": requestId, ...RETRY_SOON });
}

/** One SSE frame; `event` omitted for APIs that send only `data:` lines. */
export function frame(event: string | null, data: unknown): string {
  return `${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;
}

/** Writes the last frame, then cuts the connection once it is on the wire (a dropped stream). */
export function writeThenDrop(req: IncomingMessage, res: ServerResponse, text: string): void {
  res.write(text, () => req.socket.destroy());
}

export interface Handling {
  /** The call misbehaves as the scenario says (false: answer normally). */
  misbehave: boolean;
  /** Called when a hanging response is opened, so the server can end it on close. */
  onHang: (res: ServerResponse) => void;
}
