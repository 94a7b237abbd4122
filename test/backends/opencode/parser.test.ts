import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { opencodeBackend } from "../../../src/backends/opencode/backend.js";
import { classifyOpenCodeFailure } from "../../../src/backends/opencode/failures.js";
import { eventsFromMessages } from "../../../src/backends/opencode/serve-parser.js";
import { stepTokens } from "../../../src/backends/opencode/wire.js";
import { FIXTURES } from "../../helpers/paths.js";
import { fixture, ofType, parseWith, replayWith } from "../../helpers/parse.js";

const serve = (input: Buffer | string, chunk?: number, max?: number) => parseWith(opencodeBackend, "serve", input, chunk, max);
const config = (model: string) => ({ model, source: "config" as const });
const sse = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
const SESSION = "ses_test";

describe("OpenCode serve /event parser on captured SSE (1.18.33)", () => {
  it("anthropic: usage from the step-finish part, the served model, and the end at idle", async () => {
    const events = serve(fixture("opencode/serve-anthropic-async/event.sse"));
    expect(ofType(events, "session")).toEqual([{ type: "session", sessionId: "ses_dc34a870dffeETklyXmurBZDqk", cliVersion: "1.18.33" }]);
    expect(ofType(events, "usage")).toHaveLength(1);
    expect(ofType(events, "usage")[0]).toMatchObject({ scope: "call", id: "prt_23cb5871b001BQvSLfGF66edT5", model: "claude-sonnet-4-5", costReportedUsd: 0.00983355 });
    expect(ofType(events, "result")).toEqual([expect.objectContaining({ isError: false, subtype: "session.idle" })]);
    expect(ofType(events, "parse_error")).toEqual([]);
    expect(ofType(events, "unknown")).toEqual([]);

    const { metrics } = await replayWith(opencodeBackend, "serve", fixture("opencode/serve-anthropic-async/event.sse"), { requested: config("claude-sonnet-4-5") });
    expect(metrics.usage.tokens).toEqual({ input: 1234, output: 89, cacheRead: 8901, cacheWrite5m: 567, cacheWrite1h: 0, reasoning: 0 });
    expect([metrics.modelName, metrics.modelSource, metrics.telemetryStatus]).toEqual(["claude-sonnet-4-5", "served", "reported"]);
    expect(metrics.usage.costUsd).toBe(0.00983355);
    expect(metrics.costReportedUsd).toBe(0.00983355);
  });

  it("openai: reasoning outside output is billed as output (55 + 34)", async () => {
    const { metrics } = await replayWith(opencodeBackend, "serve", fixture("opencode/serve-openai-async/event.sse"), { requested: config("gpt-5") });
    expect(metrics.usage.tokens).toEqual({ input: 1234, output: 89, cacheRead: 8901, cacheWrite5m: 0, cacheWrite1h: 0, reasoning: 34 });
    expect(metrics.modelName).toBe("gpt-5");
  });

  it("401: session.error then idle is a failed run with the model recorded", async () => {
    const { state, metrics } = await replayWith(opencodeBackend, "serve", fixture("opencode/serve-anthropic-http401/event.sse"), { requested: config("claude-sonnet-4-5") });
    expect(state.result).toMatchObject({ isError: true, apiErrorStatus: 401, text: "invalid x-api-key (mock)" });
    expect(classifyOpenCodeFailure({ result: state.result, errors: state.errors, retries: [], stderr: "", exitCode: null, signal: "SIGTERM" })).toEqual({ code: "auth", message: "invalid x-api-key (mock)" });
    // The call failed: the model is what it was sent to, not one that answered.
    expect([metrics.usage.total, metrics.modelName, metrics.modelSource]).toEqual([0, "claude-sonnet-4-5", "config"]);
  });

  it("an aborted session (pilot's timeout) goes idle without the stopped step's usage: a failed result, telemetry partial", async () => {
    // Captured from opencode 1.18.33 serve in a git project, simulator scenario `stall`, --timeout 8.
    const { state, metrics } = await replayWith(opencodeBackend, "serve", fixture("opencode/serve-anthropic-aborted/event.sse"), { requested: config("claude-sonnet-4-5") });
    expect(state.result).toMatchObject({ isError: true, subtype: "MessageAbortedError", usageIncomplete: true });
    expect([metrics.usage.total, metrics.usage.calls, metrics.telemetryStatus, metrics.modelName]).toEqual([10791, 1, "partial", "claude-sonnet-4-5"]);
  });

  it("gives the same events whatever the chunk size (events split across chunks)", () => {
    for (const dir of readdirSync(join(FIXTURES, "opencode")).filter((d) => d.startsWith("serve-"))) {
      const bytes = fixture(`opencode/${dir}/event.sse`);
      expect(serve(bytes, 1), dir).toEqual(serve(bytes, bytes.length + 1));
      expect(serve(bytes, 13), dir).toEqual(serve(bytes, bytes.length + 1));
    }
  });

  it("reads the same numbers from a session's messages (the quiet-stream fallback)", async () => {
    const messages = JSON.parse(fixture("opencode/serve-anthropic-async/session-messages.json").toString("utf8"));
    const events = eventsFromMessages("ses_dc34a870dffeETklyXmurBZDqk", messages);
    expect(ofType(events, "usage").map((u) => [u.id, u.usage])).toEqual([["prt_23cb5871b001BQvSLfGF66edT5", { convention: "opencode", input: 1234, output: 89, reasoning: 0, cache_read: 8901, cache_write: 567 }]]);
    expect(ofType(events, "result")).toEqual([expect.objectContaining({ isError: false })]);
    // The message names its model; the step's usage under that name is what makes it served.
    expect(ofType(events, "model")).toEqual([{ type: "model", model: "claude-sonnet-4-5", role: "configured" }]);
    expect(ofType(events, "usage").map((u) => u.model)).toEqual(["claude-sonnet-4-5"]);
  });
});

describe("OpenCode serve parser on bad input", () => {
  const created = sse({ type: "session.created", properties: { sessionID: SESSION, info: { id: SESSION, version: "1.18.33" } } });
  const busy = sse({ type: "session.status", properties: { sessionID: SESSION, status: { type: "busy" } } });
  const assistant = sse({ type: "message.updated", properties: { sessionID: SESSION, info: { id: "msg_1", sessionID: SESSION, role: "assistant", modelID: "claude-sonnet-4-5", providerID: "anthropic" } } });
  const step = (id: string) => sse({ type: "message.part.updated", properties: { sessionID: SESSION, part: { id, messageID: "msg_1", sessionID: SESSION, type: "step-finish", tokens: { input: 100, output: 10, reasoning: 0, cache: { read: 50, write: 5 } }, cost: 0.001 } } });
  const idle = sse({ type: "session.idle", properties: { sessionID: SESSION } });

  it("drops a frame truncated by the end of the stream and counts a frame with broken JSON", () => {
    const events = serve(created + busy + assistant + step("p1") + 'data: {"type":"message.part.upd\n\n' + 'data: {"type":"session.idle","properties":{"sessio');
    expect(ofType(events, "parse_error").map((e) => e.reason)).toEqual(["invalid_json"]);
    expect(ofType(events, "usage")).toHaveLength(1);
    expect(ofType(events, "result")).toEqual([]);
  });

  it("reports unknown event types without failing", () => {
    const events = serve(created + sse({ type: "workspace.teleported", properties: {} }) + busy + idle);
    expect(ofType(events, "unknown")).toEqual([{ type: "unknown", name: "workspace.teleported" }]);
    expect(ofType(events, "result")).toHaveLength(1);
  });

  it("a server that closes the stream early leaves partial usage, no result", async () => {
    const { metrics } = await replayWith(opencodeBackend, "serve", created + busy + assistant + step("p1") + step("p2"), { requested: config("claude-sonnet-4-5") });
    expect(metrics.telemetryStatus).toBe("partial");
    expect(metrics.usage.tokens).toMatchObject({ input: 200, output: 20, cacheRead: 100, cacheWrite5m: 10 });
  });

  it("dedupes a step-finish part sent twice, ignores other sessions, counts child sessions", async () => {
    const other = sse({ type: "message.part.updated", properties: { sessionID: "ses_other", part: { id: "x", sessionID: "ses_other", type: "step-finish", tokens: { input: 999999, output: 1 } } } });
    const child = sse({ type: "session.created", properties: { sessionID: "ses_child", info: { id: "ses_child", parentID: SESSION } } });
    const childStep = sse({ type: "message.part.updated", properties: { sessionID: "ses_child", part: { id: "c1", sessionID: "ses_child", type: "step-finish", tokens: { input: 1, output: 1 } } } });
    const { metrics } = await replayWith(opencodeBackend, "serve", created + busy + assistant + step("p1") + step("p1") + other + child + childStep + idle, { requested: config("claude-sonnet-4-5") });
    expect(metrics.usage.tokens.input).toBe(101);
    expect(metrics.telemetryStatus).toBe("reported");
  });

  it("skips an SSE line over max_line_bytes and counts it", () => {
    const huge = sse({ type: "message.part.updated", properties: { sessionID: SESSION, part: { id: "t", sessionID: SESSION, type: "text", text: "y".repeat(5000), time: { end: 1 } } } });
    const events = serve(created + huge + busy + idle, 4096, 2000);
    expect(ofType(events, "parse_error").map((e) => e.reason)).toEqual(["line_too_long"]);
    expect(ofType(events, "result")).toHaveLength(1);
  });
});

describe("OpenCode usage layouts", () => {
  it("accepts the nested and the flat token forms", () => {
    expect(stepTokens({ input: 1234, output: 55, reasoning: 34, cache: { read: 8901, write: 567 } })).toEqual({ convention: "opencode", input: 1234, output: 55, reasoning: 34, cache_read: 8901, cache_write: 567 });
    expect(stepTokens({ input: 1234, output: 55, reasoning: 34, cache_read_input_tokens: 8901, cache_creation_input_tokens: 567 })).toEqual({ convention: "opencode", input: 1234, output: 55, reasoning: 34, cache_read: 8901, cache_write: 567 });
  });
});

describe("OpenCode run --format json parser on captured output", () => {
  it("anthropic: step_finish usage, configured model, end at the stop step", async () => {
    const { metrics, state } = await replayWith(opencodeBackend, "run", fixture("opencode/run-json-anthropic.jsonl"), { requested: config("claude-sonnet-4-5") });
    expect(metrics.usage.tokens).toEqual({ input: 1234, output: 89, cacheRead: 8901, cacheWrite5m: 567, cacheWrite1h: 0, reasoning: 0 });
    expect([metrics.modelName, metrics.modelSource, metrics.telemetryStatus]).toEqual(["claude-sonnet-4-5", "config", "reported"]);
    expect(state.result?.isError).toBe(false);
    expect(metrics.costReportedUsd).toBe(0.00983355);
  });

  it("openai: 55 output + 34 reasoning", async () => {
    const { metrics } = await replayWith(opencodeBackend, "run", fixture("opencode/run-json-openai.jsonl"), { requested: config("gpt-5") });
    expect(metrics.usage.tokens).toMatchObject({ input: 1234, output: 89, reasoning: 34, cacheRead: 8901 });
  });

  it("error lines end the run as failures with their status", async () => {
    for (const [file, code] of [
      ["run-json-anthropic-http401.jsonl", "auth"],
      ["run-json-openai-http401.jsonl", "auth"],
      ["run-json-compat-http401.jsonl", "auth"],
      ["run-json-anthropic-http429.jsonl", "rate_limited"],
      ["run-json-anthropic-http500.jsonl", "api_error"],
    ] as const) {
      const { state } = await replayWith(opencodeBackend, "run", fixture(`opencode/${file}`), { requested: config("claude-sonnet-4-5") });
      expect([file, classifyOpenCodeFailure({ result: state.result, errors: state.errors, retries: [], stderr: "", exitCode: 1, signal: null })?.code]).toEqual([file, code]);
    }
  });
});
