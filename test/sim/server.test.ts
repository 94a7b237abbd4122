import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../src/sim/server.js";
import { CLAUDE_FIXTURES } from "../helpers/paths.js";

let sim: Simulator | null = null;
afterEach(async () => {
  await sim?.close();
  sim = null;
});

const post = (base: string, body: Record<string, unknown>) =>
  fetch(`${base}/v1/messages?beta=true`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ max_tokens: 100, messages: [{ role: "user", content: "say done" }], ...body }) });

/** `event: x` / `data: {...}` frames, with ids blanked so two streams can be compared. */
function frames(text: string): { event: string; data: unknown }[] {
  return text
    .split("\n\n")
    .map((f) => f.trim())
    .filter((f) => f.startsWith("event:"))
    .map((f) => {
      const [eventLine, dataLine] = f.split("\n");
      const data = JSON.parse(dataLine!.slice("data: ".length).replace(/"(msg|toolu)_(mock|sim)_[0-9a-f]+"/g, '"$1_ID"'));
      return { event: eventLine!.slice("event: ".length), data };
    })
    .filter((f) => f.event !== "ping");
}

function capturedBody(file: string): string {
  const text = readFileSync(join(CLAUDE_FIXTURES, file), "utf8");
  return text.slice(text.indexOf("\n\n") + 2);
}

describe("loopback model simulator (Anthropic Messages API)", () => {
  it("binds 127.0.0.1 on a free port and answers HEAD /", async () => {
    sim = await startSimulator();
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(sim.url, { method: "HEAD" })).status).toBe(200);
  });

  it("streams the same events and usage as the captured mock, text reply", async () => {
    sim = await startSimulator();
    const res = await post(sim.url, { model: "claude-opus-4-8", stream: true });
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(frames(await res.text())).toEqual(frames(capturedBody("anthropic-messages-stream-ok.txt")));
  });

  it("streams a tool call like the captured mock, then answers the tool result with the follow-up usage", async () => {
    sim = await startSimulator();
    const base = sim.registerRun("run1", { scenario: "tooluse", cwd: "/home/dev/cc-proj" });
    const first = frames(await (await post(base, { model: "claude-opus-4-8", stream: true, tools: [{ name: "Read", input_schema: {} }] })).text());
    const captured = frames(capturedBody("anthropic-messages-stream-tooluse.txt"));
    expect(first.map((f) => f.event)).toEqual(captured.map((f) => f.event));
    expect(first[0]!.data).toEqual(captured[0]!.data);
    expect(first.find((f) => f.event === "content_block_start" && JSON.stringify(f.data).includes("tool_use"))!.data).toMatchObject({ content_block: { type: "tool_use", name: "Read" } });

    const followUp = await post(base, { model: "claude-opus-4-8", stream: false, messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: "x" }] }] });
    expect(((await followUp.json()) as { usage: unknown }).usage).toEqual({ input_tokens: 55, cache_creation_input_tokens: 66, cache_read_input_tokens: 9999, output_tokens: 7, service_tier: "standard" });
  });

  it("answers non-streaming calls with the final usage, and haiku with its own numbers", async () => {
    sim = await startSimulator();
    const opus = (await (await post(sim.url, { model: "claude-opus-4-8" })).json()) as { usage: unknown; content: unknown };
    expect(opus.usage).toEqual({ input_tokens: 1234, cache_creation_input_tokens: 567, cache_read_input_tokens: 8901, output_tokens: 89, service_tier: "standard" });
    expect(opus.content).toEqual([{ type: "text", text: "done" }]);
    const haiku = (await (await post(sim.url, { model: "claude-haiku-4-5" })).json()) as { usage: unknown };
    expect(haiku.usage).toMatchObject({ input_tokens: 321, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 21 });
  });

  it("fails with the API's own error shapes; 429 carries retry-after", async () => {
    sim = await startSimulator();
    for (const [status, type] of [
      [500, "api_error"],
      [401, "authentication_error"],
      [529, "overloaded_error"],
      [429, "rate_limit_error"],
    ] as const) {
      const res = await post(`${sim.url}/s/http${status}`, { model: "claude-opus-4-8", stream: true });
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: { type: string } }).error.type).toBe(type);
      expect(res.headers.get("retry-after")).toBe(status === 429 ? "1" : null);
    }
  });

  it("counts 'first N calls' per model, so a side call on another model does not use them up", async () => {
    sim = await startSimulator();
    const base = sim.registerRun("r", { scenario: "http500x1" });
    expect((await post(base, { model: "claude-haiku-4-5" })).status).toBe(500);
    expect((await post(base, { model: "claude-opus-4-8" })).status).toBe(500);
    expect((await post(base, { model: "claude-opus-4-8" })).status).toBe(200);
    expect((await post(base, { model: "claude-haiku-4-5" })).status).toBe(200);
  });

  it("drops the stream after the first text delta", async () => {
    sim = await startSimulator();
    const res = await post(`${sim.url}/s/drop`, { model: "claude-opus-4-8", stream: true });
    await expect(res.text()).rejects.toThrow();
  });

  it("rejects unknown scenarios and runs with 404", async () => {
    sim = await startSimulator();
    expect((await post(`${sim.url}/s/nonsense`, { model: "m" })).status).toBe(404);
    expect((await post(`${sim.url}/r/unregistered`, { model: "m" })).status).toBe(404);
    expect(sim.requests.map((r) => r.status)).toEqual([404, 404]);
  });
});
