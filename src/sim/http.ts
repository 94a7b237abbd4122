import type { IncomingMessage, ServerResponse } from "node:http";

/** Small helpers the simulator's API modules share. */

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

export function openEventStream(res: ServerResponse, requestId: string): void {
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", "x-request-id": requestId, "request-id": requestId });
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
