import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { BackendEvent } from "../../../src/backends/events.js";
import { CLAUDE_FIXTURES } from "../../helpers/paths.js";
import { claudeFixture, line, parseClaude } from "../../helpers/claude.js";

const of = <T extends BackendEvent["type"]>(events: BackendEvent[], type: T) => events.filter((e): e is Extract<BackendEvent, { type: T }> => e.type === type);

describe("Claude Code stream-json parser on captured output (CLI 2.1.197)", () => {
  it("reads session, models, per-call usage and the final report of a --include-partial-messages run", () => {
    const events = parseClaude(claudeFixture("stream-json-partial.jsonl"));
    expect(of(events, "session")).toEqual([{ type: "session", sessionId: "2917a2dd-dd6a-478b-bad1-e0ca3fe42efd", cliVersion: "2.1.197" }]);
    expect(of(events, "model")).toContainEqual({ type: "model", model: "claude-opus-4-8[1m]", role: "configured" });
    expect(of(events, "model")).toContainEqual({ type: "model", model: "claude-opus-4-8", role: "served" });

    const calls = of(events, "usage").filter((u) => u.scope === "call");
    // message_start (output 1), the assistant line (same snapshot), message_delta (final output 89)
    expect(calls.map((c) => [c.id, c.usage.convention === "anthropic" ? c.usage.output_tokens : -1, c.complete])).toEqual([
      ["msg_mock_7d1bdaec3e880fe5", 1, false],
      ["msg_mock_7d1bdaec3e880fe5", 1, false],
      ["msg_mock_7d1bdaec3e880fe5", 89, true],
    ]);
    expect(calls[2]!.usage).toEqual({ convention: "anthropic", input_tokens: 1234, output_tokens: 89, cache_read_input_tokens: 8901, cache_creation_input_tokens: 567 });

    const finals = of(events, "usage").filter((u) => u.scope === "final");
    expect(finals).toHaveLength(1);
    expect(finals[0]).toMatchObject({ model: "claude-opus-4-8[1m]", costReportedUsd: 0.01638925, usage: { input_tokens: 1234, output_tokens: 89, cache_read_input_tokens: 8901, cache_creation_input_tokens: 567 } });
    expect(of(events, "result")).toEqual([
      { type: "result", isError: false, subtype: "success", text: "done", numTurns: 1, durationMs: 346, sessionId: "2917a2dd-dd6a-478b-bad1-e0ca3fe42efd", costReportedUsd: 0.01638925, apiErrorStatus: null, errors: [] },
    ]);
    expect(of(events, "parse_error")).toEqual([]);
  });

  it("gives the same events whatever the chunk size, on every captured file", () => {
    const files = readdirSync(CLAUDE_FIXTURES).filter((f) => f.endsWith(".jsonl") || f.endsWith(".json"));
    expect(files.length).toBeGreaterThanOrEqual(14);
    for (const file of files) {
      const bytes = claudeFixture(file);
      const whole = parseClaude(bytes, bytes.length + 1);
      expect(parseClaude(bytes, 1), file).toEqual(whole);
      expect(parseClaude(bytes, 97), file).toEqual(whole);
      expect(of(whole, "parse_error"), file).toEqual([]);
      expect(of(whole, "result"), file).toHaveLength(1);
    }
  });

  it("sees both calls and the tool call of a tool-use run", () => {
    const events = parseClaude(claudeFixture("stream-json-tooluse.jsonl"));
    expect(of(events, "tool_call")).toEqual([{ type: "tool_call", id: "toolu_mock_7efc3f41883c7b54", name: "Read" }]);
    expect(new Set(of(events, "usage").filter((u) => u.scope === "call").map((u) => u.id))).toEqual(new Set(["msg_mock_3858782851c6395c", "msg_mock_94a44a5673fe3e6a"]));
    expect(of(events, "usage").find((u) => u.scope === "final")?.usage).toMatchObject({ input_tokens: 1289, output_tokens: 96, cache_read_input_tokens: 18900, cache_creation_input_tokens: 633 });
  });

  it("reports retries, the synthetic error message and is_error of an always-500 run", () => {
    const events = parseClaude(claudeFixture("stream-json-http500-retries2.jsonl"));
    expect(of(events, "retry").map((r) => [r.attempt, r.status])).toEqual([
      [1, 500],
      [2, 500],
    ]);
    expect(of(events, "error")[0]).toMatchObject({ kind: "server_error", fatal: false });
    // The synthetic assistant message is not a served model and carries no usage.
    expect(of(events, "model").filter((m) => m.role === "served")).toEqual([]);
    expect(of(events, "usage")).toEqual([]);
    expect(of(events, "result")[0]).toMatchObject({ isError: true, subtype: "success", apiErrorStatus: 500 });
  });

  it("reads max-turns exhaustion (subtype error_max_turns, no result text)", () => {
    const result = of(parseClaude(claudeFixture("stream-json-tooluse-maxturns1.jsonl")), "result")[0]!;
    expect(result).toMatchObject({ isError: true, subtype: "error_max_turns", text: null, numTurns: 2, errors: ["Reached maximum number of turns (1)"] });
  });
});

describe("Claude Code parser on bad input", () => {
  const result = line({ type: "result", subtype: "success", is_error: false, result: "ok", num_turns: 1, total_cost_usd: 0, modelUsage: {} });

  it("parses a 50 MB line", () => {
    const text = "y".repeat(50 * 1024 * 1024);
    const events = parseClaude(line({ type: "assistant", message: { id: "m1", model: "claude-opus-4-8", content: [{ type: "text", text }], usage: { input_tokens: 3, output_tokens: 1 } } }) + result, 1 << 20);
    expect(of(events, "text")[0]!.text.length).toBe(50 * 1024 * 1024);
    expect(of(events, "parse_error")).toEqual([]);
    expect(of(events, "result")).toHaveLength(1);
  });

  it("skips a line over max_line_bytes, counts it, and goes on", () => {
    const long = line({ type: "assistant", message: { id: "m1", content: [{ type: "text", text: "z".repeat(2_000_000) }] } });
    const events = parseClaude(long + result, 65536, 1_000_000);
    expect(of(events, "parse_error")).toEqual([{ type: "parse_error", reason: "line_too_long", line: 1, bytes: long.length - 1, detail: `line of ${long.length - 1} bytes skipped` }]);
    expect(of(events, "result")).toHaveLength(1);
  });

  it("counts invalid UTF-8 but still uses the line", () => {
    const bad = Buffer.concat([Buffer.from('{"type":"assistant","message":{"id":"m1","model":"claude-opus-4-8","content":[{"type":"text","text":"a'), Buffer.from([0xc3, 0x28]), Buffer.from('"}]}}\n')]);
    const events = parseClaude(Buffer.concat([bad, Buffer.from(result)]));
    expect(of(events, "parse_error").map((e) => e.reason)).toEqual(["invalid_utf8"]);
    expect(of(events, "text")[0]!.text).toBe("a\uFFFD(");
  });

  it("counts truncated JSON, including a truncated line of a type it otherwise skips", () => {
    const events = parseClaude('{"type":"result","subtype":"succ\n{"type":"stream_event","event":{"type":"content_block_delta","index":0,"delta":{"type":"text_del\n' + result);
    expect(of(events, "parse_error").map((e) => [e.reason, e.line])).toEqual([
      ["invalid_json", 1],
      ["invalid_json", 2],
    ]);
    expect(of(events, "result")).toHaveLength(1);
  });

  it("ignores unknown line types without calling them errors", () => {
    const events = parseClaude(line({ type: "telemetry_v9", payload: { x: 1 } }) + line({ type: "system", subtype: "brand_new" }) + result);
    expect(of(events, "unknown")).toEqual([{ type: "unknown", name: "telemetry_v9" }]);
    expect(of(events, "parse_error")).toEqual([]);
  });

  it("counts lines that are JSON but not objects", () => {
    expect(of(parseClaude('[1,2]\n"text"\n42\n'), "parse_error").map((e) => e.reason)).toEqual(["unexpected_shape", "unexpected_shape", "unexpected_shape"]);
  });

  it("produces nothing from an empty stream", () => {
    expect(parseClaude("")).toEqual([]);
  });

  it("tolerates new nested fields and odd types next to the token counts (failure kind 3)", () => {
    const events = parseClaude(
      line({
        type: "result",
        subtype: "success",
        is_error: false,
        modelUsage: {
          "claude-opus-4-8": { inputTokens: 10, outputTokens: 5, cacheReadInputTokens: null, cacheCreationInputTokens: "7", costUSD: 0.1, tiers: { above200k: { inputTokens: 0 } }, newThing: [1, 2] },
        },
        usage: { input_tokens: 10, output_tokens: 5, cache_creation: { ephemeral_5m_input_tokens: 7, ephemeral_1h_input_tokens: 0, ephemeral_24h_input_tokens: 3 }, iterations: [{}] },
      }),
    );
    expect(of(events, "usage")[0]!.usage).toEqual({ convention: "anthropic", input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 0, cache_creation_input_tokens: 7, cache_creation_5m: 7, cache_creation_1h: 0 });
    expect(of(events, "parse_error")).toEqual([]);
  });
});
