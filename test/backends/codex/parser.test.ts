import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { codexBackend } from "../../../src/backends/codex/backend.js";
import { readRollout } from "../../../src/backends/codex/rollout.js";
import { classifyCodexFailure } from "../../../src/backends/codex/failures.js";
import { FIXTURES } from "../../helpers/paths.js";
import { fixture, ofType, parseWith, replayWith } from "../../helpers/parse.js";

const parse = (input: Buffer | string, chunk?: number) => parseWith(codexBackend, "exec-json", input, chunk);
const config = { model: "gpt-5-codex", source: "config" as const };

describe("Codex exec --json parser on captured output (CLI 0.171.0)", () => {
  it("reads the thread, the agent's text and the turn's cumulative usage", () => {
    const events = parse(fixture("codex/exec-json-ok.jsonl"));
    expect(ofType(events, "session")).toEqual([{ type: "session", sessionId: "01a23caf-db51-7f01-b3d2-4c980b96bdb5", cliVersion: null }]);
    expect(ofType(events, "text")).toEqual([{ type: "text", text: "done" }]);
    expect(ofType(events, "usage")).toEqual([
      {
        type: "usage",
        scope: "cumulative",
        id: null,
        model: null,
        thread: "01a23caf-db51-7f01-b3d2-4c980b96bdb5",
        complete: true,
        usage: { convention: "openai", input_tokens: 10135, cached_input_tokens: 8901, cache_write_input_tokens: 0, output_tokens: 89, reasoning_output_tokens: 34 },
      },
    ]);
    expect(ofType(events, "result")[0]).toMatchObject({ isError: false, sessionId: "01a23caf-db51-7f01-b3d2-4c980b96bdb5" });
  });

  it("stores fresh input 1234, cache read 8901, output 89 with 34 reasoning, priced for the configured model", async () => {
    const { metrics } = await replayWith(codexBackend, "exec-json", fixture("codex/exec-json-ok.jsonl"), { requested: config });
    expect(metrics.usage.tokens).toEqual({ input: 1234, output: 89, cacheRead: 8901, cacheWrite5m: 0, cacheWrite1h: 0, reasoning: 34 });
    expect(metrics.usage.total).toBe(10224);
    expect([metrics.modelName, metrics.modelSource, metrics.telemetryStatus]).toEqual(["gpt-5-codex", "config", "reported"]);
    expect(metrics.usage.costUsd).toBe(0.003545125);
    expect(metrics.costReportedUsd).toBeNull();
  });

  it("treats the model-metadata error item as a warning, not a failure", async () => {
    const { state } = await replayWith(codexBackend, "exec-json", fixture("codex/exec-json-model.jsonl"), { requested: config });
    expect(state.errors.map((e) => [e.kind, e.fatal])).toEqual([["warning", false]]);
    expect(classifyCodexFailure({ result: state.result, errors: state.errors, retries: state.retries, stderr: "", exitCode: 0, signal: null })).toBeNull();
  });

  it("turns 'Reconnecting... n/5' into retries and turn.failed into the failure", async () => {
    const { state, metrics } = await replayWith(codexBackend, "exec-json", fixture("codex/exec-json-http401.jsonl"), { requested: config });
    expect(state.retries.map((r) => [r.attempt, r.maxRetries, r.status])).toEqual([
      [1, 5, 401],
      [2, 5, 401],
      [3, 5, 401],
      [4, 5, 401],
      [5, 5, 401],
    ]);
    const failure = classifyCodexFailure({ result: state.result, errors: state.errors, retries: state.retries, stderr: "", exitCode: 1, signal: null });
    expect(failure?.code).toBe("auth");
    expect(failure?.message).toMatch(/^unexpected status 401 Unauthorized: Incorrect API key provided: dummy \(mock\)/);
    expect([metrics.usage.total, metrics.modelName, metrics.telemetryStatus]).toEqual([0, "gpt-5-codex", "reported"]);
  });

  it("sorts the other captured failures", async () => {
    const code = async (file: string) => {
      const { state } = await replayWith(codexBackend, "exec-json", fixture(`codex/${file}`), { requested: config });
      return classifyCodexFailure({ result: state.result, errors: state.errors, retries: state.retries, stderr: "", exitCode: 1, signal: null })?.code;
    };
    // Codex words every 5xx as "high demand": a server error, not known to be an overload.
    expect(await code("exec-json-http500.jsonl")).toBe("api_error");
    expect(await code("exec-json-http429.jsonl")).toBe("rate_limited");
    expect(await code("exec-json-drop.jsonl")).toBe("network");
    expect(await code("exec-json-sseerror.jsonl")).toBe("network");
    expect(await code("exec-json-http500-once.jsonl")).toBeUndefined();
  });

  it("gives the same events whatever the chunk size", () => {
    for (const file of readdirSync(join(FIXTURES, "codex")).filter((f) => f.startsWith("exec-json"))) {
      const bytes = fixture(`codex/${file}`);
      expect(parse(bytes, 1), file).toEqual(parse(bytes, bytes.length + 1));
      expect(ofType(parse(bytes), "parse_error"), file).toEqual([]);
    }
  });

  it("reads the served model and each request's usage from the session's rollout file", async () => {
    const record = await readRollout(join(FIXTURES, "codex", "exec-json-ok.rollout-excerpt.jsonl"), null);
    expect(record).toMatchObject({ pilot_side: "codex_rollout", model: "gpt-6.2-sol", model_provider: "mock", cli_version: "0.171.0" });
    expect(codexBackend.sideEvents([record])).toEqual([
      { type: "model", model: "gpt-6.2-sol", role: "served" },
      {
        type: "usage",
        scope: "call",
        id: "resp_mock_2de322c45d612b7e",
        model: "gpt-6.2-sol",
        complete: true,
        usage: { convention: "openai", input_tokens: 10135, cached_input_tokens: 8901, cache_write_input_tokens: 0, output_tokens: 89, reasoning_output_tokens: 34 },
      },
    ]);
    // Lines from before the run (an earlier run of a resumed thread) are not this run's.
    expect((await readRollout(join(FIXTURES, "codex", "exec-json-ok.rollout-excerpt.jsonl"), Date.parse("2026-12-04T00:00:00Z"))).requests).toEqual([]);
  });

  it("keeps the requests a killed run completed, from the rollout, when its turn never completed", async () => {
    const stream = '{"type":"thread.started","thread_id":"t1"}\n{"type":"turn.started"}\n';
    const { state } = await replayWith(codexBackend, "exec-json", stream, { requested: config });
    const record = { pilot_side: "codex_rollout", model: "gpt-5-codex", requests: [{ response_id: "resp_1", usage: { input_tokens: 10135, cached_input_tokens: 8901, output_tokens: 89, reasoning_output_tokens: 34 } }] };
    for (const event of codexBackend.sideEvents([record])) state.apply(event);
    const metrics = state.metrics();
    expect([metrics.telemetryStatus, metrics.usage.total, metrics.modelName]).toEqual(["partial", 10224, "gpt-5-codex"]);
  });

  it("subtracts a resumed thread's previous total (cumulative counters)", async () => {
    const thread = "01a23cb6-7f2d-7522-9149-69d32c1b853c";
    const turn2 = [
      { type: "thread.started", thread_id: thread },
      { type: "turn.started" },
      { type: "turn.completed", usage: { input_tokens: 20270, cached_input_tokens: 17802, cache_write_input_tokens: 0, output_tokens: 178, reasoning_output_tokens: 68 } },
    ].map((l) => `${JSON.stringify(l)}\n`).join("");
    const baseline = { input: 1234, output: 89, cacheRead: 8901, cacheWrite5m: 0, cacheWrite1h: 0, reasoning: 34 };
    const { metrics } = await replayWith(codexBackend, "exec-json", turn2, { requested: config, baselines: { [thread]: baseline } });
    expect(metrics.usage.tokens).toEqual(baseline);
  });

  it("survives bad lines: truncated JSON, unknown types, a line over the limit", () => {
    const long = `{"type":"item.completed","item":{"id":"x","type":"agent_message","text":"${"z".repeat(5000)}"}}\n`;
    const events = parseWith(codexBackend, "exec-json", '{"type":"thread.started","thread_id":"t"}\n{"type":"turn.compl\n{"type":"brand.new.event"}\n' + long + '{"type":"turn.completed","usage":{"input_tokens":100,"output_tokens":5}}\n', 7, 1000);
    expect(ofType(events, "parse_error").map((e) => e.reason)).toEqual(["invalid_json", "line_too_long"]);
    expect(ofType(events, "unknown")).toEqual([{ type: "unknown", name: "brand.new.event" }]);
    expect(ofType(events, "usage")).toHaveLength(1);
  });
});
