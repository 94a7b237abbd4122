import { describe, expect, it } from "vitest";
import { toBuckets } from "../../src/telemetry/convert.js";
import { UsageAccumulator } from "../../src/telemetry/accumulator.js";
import { PriceBook, roundUsd } from "../../src/telemetry/pricing.js";
import { claudeFixture, line, replayClaude } from "../helpers/claude.js";

/**
 * One test per kind of failure in TELEMETRY-FACTS.md ("Kinds of failure seen in the wild"),
 * each from a small input in the shape the CLI really prints, with the right number asserted.
 */

const SESSION = { session_id: "s-1" };
const init = (model = "claude-opus-4-8[1m]") => line({ type: "system", subtype: "init", model, claude_code_version: "2.1.197", ...SESSION });
const usage = (input: number, output: number, read: number, write: number, extra: Record<string, unknown> = {}) => ({
  input_tokens: input,
  output_tokens: output,
  cache_read_input_tokens: read,
  cache_creation_input_tokens: write,
  ...extra,
});
const start = (id: string, model: string, u: Record<string, unknown>, parent: string | null = null) =>
  line({ type: "stream_event", event: { type: "message_start", message: { id, model, usage: u } }, parent_tool_use_id: parent, ...SESSION });
const delta = (output: number, parent: string | null = null) =>
  line({ type: "stream_event", event: { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: output } }, parent_tool_use_id: parent, ...SESSION });
const assistant = (id: string, model: string, content: unknown[], u?: Record<string, unknown>) =>
  line({ type: "assistant", message: { id, model, content, ...(u ? { usage: u } : {}) }, parent_tool_use_id: null, ...SESSION });
const result = (modelUsage: Record<string, Record<string, number>>, extra: Record<string, unknown> = {}) =>
  line({ type: "result", subtype: "success", is_error: false, result: "done", num_turns: 1, total_cost_usd: 0.01638925, modelUsage, ...SESSION, ...extra });
const mu = (input: number, output: number, read: number, write: number, costUSD = 0) => ({ inputTokens: input, outputTokens: output, cacheReadInputTokens: read, cacheCreationInputTokens: write, costUSD });
const AT = new Date("2026-12-01T00:00:00Z");

describe("1. the same usage counted once per content block", () => {
  it("three content blocks of one message, each line repeating its usage: counted once", async () => {
    const u = usage(1000, 1, 5000, 200);
    const stream = init() + assistant("msg_1", "claude-opus-4-8", [{ type: "text", text: "Plan" }], u) + assistant("msg_1", "claude-opus-4-8", [{ type: "tool_use", id: "t1", name: "Read", input: {} }], u) + assistant("msg_1", "claude-opus-4-8", [{ type: "text", text: "More" }], u);
    const { metrics } = await replayClaude(stream);
    expect(metrics.usage.tokens).toMatchObject({ input: 1000, cacheRead: 5000, cacheWrite5m: 200, output: 1 });
    expect(metrics.usage.total).toBe(6201);
  });
});

describe("2. zero tokens because the parser read a field the CLI never writes", () => {
  it("result.usage all zero, no cost_usd, no top-level tokens: modelUsage has the numbers", async () => {
    const { metrics } = await replayClaude(init() + result({ "claude-opus-4-8[1m]": mu(1234, 89, 8901, 567, 0.01638925) }, { usage: usage(0, 0, 0, 0) }));
    expect(metrics.usage.total).toBe(10791);
    expect(metrics.usage.costUsd).toBe(0.01638925);
  });
});

describe("3. zero tokens because a strict schema rejected a new nested field", () => {
  it("unknown nested objects and arrays next to the counts do not cost the numbers", async () => {
    const stream =
      init() +
      start("msg_1", "claude-opus-4-8", usage(1234, 1, 8901, 567, { cache_creation: { ephemeral_5m_input_tokens: 567, ephemeral_1h_input_tokens: 0, ephemeral_24h_input_tokens: 0 }, server_tool_use: { web_search_requests: 0 }, iterations: [{ n: 1 }], speed: "standard" })) +
      delta(89) +
      result({ "claude-opus-4-8[1m]": { ...mu(1234, 89, 8901, 567, 0.01638925), contextWindow: 1000000, tiers: { above_200k: 0 } as unknown as number } }, { usage: { ...usage(1234, 89, 8901, 567), brand_new: { nested: [1, 2] } } });
    const { metrics, state } = await replayClaude(stream);
    expect(metrics.usage.total).toBe(10791);
    expect(state.parseErrorCount).toBe(0);
  });
});

describe("4. usage counted twice from two sources", () => {
  it("partial stream events, assistant lines and the final report describe the same call: 10791 once", async () => {
    const u = usage(1234, 1, 8901, 567);
    const stream = init() + start("msg_1", "claude-opus-4-8", u) + assistant("msg_1", "claude-opus-4-8", [{ type: "text", text: "done" }], u) + delta(89) + result({ "claude-opus-4-8[1m]": mu(1234, 89, 8901, 567, 0.01638925) });
    const { metrics } = await replayClaude(stream);
    expect(metrics.usage.total).toBe(10791);
    expect(metrics.usage.perModel).toHaveLength(1);
    expect(metrics.usage.perModel[0]!.source).toBe("final");
  });
});

describe("5. cached input billed twice", () => {
  it("OpenAI counts cached tokens inside input, Anthropic on top: both give fresh input 1234", () => {
    const openai = toBuckets({ convention: "openai", input_tokens: 10135, cached_input_tokens: 8901, cache_write_input_tokens: 0, output_tokens: 89, reasoning_output_tokens: 34 });
    const anthropic = toBuckets({ convention: "anthropic", input_tokens: 1234, output_tokens: 89, cache_read_input_tokens: 8901, cache_creation_input_tokens: 0 });
    expect([openai.input, openai.cacheRead]).toEqual([1234, 8901]);
    expect([anthropic.input, anthropic.cacheRead]).toEqual([1234, 8901]);
    // gpt-5: 1234 x 1.25 + 8901 x 0.125 + 89 x 10 per M, not 10135 x 1.25 + ...
    expect(roundUsd(new PriceBook({ at: AT }).priceCall("gpt-5", openai)!)).toBe(0.003545125);
  });
});

describe("6. reasoning added on top of an output that already includes it, or left out", () => {
  it("OpenAI output 89 includes 34 reasoning; OpenCode output 55 excludes its 34: both bill 89", () => {
    const openai = toBuckets({ convention: "openai", input_tokens: 10135, cached_input_tokens: 8901, cache_write_input_tokens: 0, output_tokens: 89, reasoning_output_tokens: 34 });
    const opencode = toBuckets({ convention: "opencode", input: 1234, output: 55, reasoning: 34, cache_read: 8901, cache_write: 0 });
    expect([openai.output, openai.reasoning]).toEqual([89, 34]);
    expect([opencode.output, opencode.reasoning]).toEqual([89, 34]);
  });
});

describe("7. cumulative counters summed instead of differenced", () => {
  it("a resumed thread reports its whole total; this run's usage is the difference", () => {
    const acc = new UsageAccumulator(new PriceBook({ at: AT }));
    const previous = toBuckets({ convention: "openai", input_tokens: 10135, cached_input_tokens: 8901, cache_write_input_tokens: 0, output_tokens: 89, reasoning_output_tokens: 34 });
    acc.setBaseline("thread-1", previous);
    for (const [input, cached, output, reasoning] of [
      [15000, 12000, 120, 40],
      [20270, 17802, 178, 68],
    ] as const) {
      acc.add({ scope: "cumulative", id: null, model: "gpt-5", thread: "thread-1", buckets: toBuckets({ convention: "openai", input_tokens: input, cached_input_tokens: cached, cache_write_input_tokens: 0, output_tokens: output, reasoning_output_tokens: reasoning }) });
    }
    expect(acc.summary().tokens).toEqual({ input: 1234, output: 89, cacheRead: 8901, cacheWrite5m: 0, cacheWrite1h: 0, reasoning: 34 });
  });
});

describe("8. 1h cache writes at the 5m rate; long-context tier applied per bucket", () => {
  it("a call writing 1000 tokens to the 1h cache is priced at 2x input, not 1.25x", async () => {
    const stream = init() + start("msg_1", "claude-opus-4-8", usage(100, 1, 0, 1000, { cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 1000 } })) + delta(10);
    const { metrics } = await replayClaude(stream);
    expect(metrics.usage.tokens).toMatchObject({ cacheWrite1h: 1000, cacheWrite5m: 0 });
    expect(metrics.usage.costUsd).toBe(roundUsd(100 * 5e-6 + 1000 * 10e-6 + 10 * 25e-6));
  });

  it("one request over 200k is priced at the long-context rates as a whole; two below it are not, whatever their sum", async () => {
    const over = await replayClaude(init("claude-sonnet-4-5") + start("m1", "claude-sonnet-4-5", usage(1000, 1, 240_000, 0)) + delta(1000));
    expect(over.metrics.usage.costUsd).toBe(roundUsd(1000 * 6e-6 + 240_000 * 0.6e-6 + 1000 * 22.5e-6));
    const under = await replayClaude(init("claude-sonnet-4-5") + start("m1", "claude-sonnet-4-5", usage(1000, 1, 120_000, 0)) + delta(500) + start("m2", "claude-sonnet-4-5", usage(1000, 1, 120_000, 0)) + delta(500));
    expect(under.metrics.usage.tokens.cacheRead).toBe(240_000);
    expect(under.metrics.usage.costUsd).toBe(roundUsd(2000 * 3e-6 + 240_000 * 0.3e-6 + 1000 * 15e-6));
  });
});

describe("9. a stale hard-coded model or price", () => {
  it("claude-opus-4-6 is priced as itself ($5/M input), not as Opus 4.0 ($15/M)", async () => {
    const { metrics } = await replayClaude(init("claude-opus-4-6") + result({ "claude-opus-4-6": mu(1_000_000, 0, 0, 0) }));
    expect(metrics.usage.costUsd).toBe(5);
  });

  it("an unknown model keeps its tokens, cost null and source unpriced: never 0, never a neighbour's price", async () => {
    const { metrics } = await replayClaude(init("claude-opus-4-10") + result({ "claude-opus-4-10": mu(1234, 89, 0, 0, 0.5) }));
    expect(metrics.usage.total).toBe(1323);
    expect(metrics.usage.costUsd).toBeNull();
    expect(metrics.usage.costSource).toBe("unpriced");
    expect(metrics.usage.unpricedModels).toEqual(["claude-opus-4-10"]);
    expect(metrics.modelName).toBe("claude-opus-4-10");
    expect(metrics.costReportedUsd).toBe(0.01638925);
  });

  it("the served model is recorded, not the one requested", async () => {
    const { metrics } = await replayClaude(claudeFixture("stream-json-model-sonnet.jsonl"), { model: "sonnet", source: "requested" });
    expect([metrics.modelName, metrics.modelSource]).toEqual(["claude-sonnet-5", "served"]);
  });
});

describe("10. a backend whose events are not parsed at all", () => {
  it("output but no usage anywhere: estimated tokens and a model name, never a silent 0", async () => {
    const { state } = await replayClaude(init() + assistant("msg_1", "claude-opus-4-8", [{ type: "text", text: "Here is the fix for the login form. ".repeat(20) }]));
    expect(state.needsEstimate()).toBe(true);
    const { estimateUsage } = await import("../../src/telemetry/estimate.js");
    const metrics = state.metrics(await estimateUsage(12, state.output));
    expect(metrics.telemetryStatus).toBe("estimated");
    expect(metrics.usage.tokens.input).toBe(12);
    // o200k_base: 9 tokens per sentence ("Here", " is", … "."), 20 sentences, 1 for the trailing space
    expect(metrics.usage.tokens.output).toBe(181);
    expect([metrics.modelName, metrics.modelSource]).toEqual(["claude-opus-4-8", "served"]);
    expect(metrics.usage.costUsd).toBe(roundUsd(12 * 5e-6 + 181 * 25e-6));
  });

  it("neither output nor usage: missing, not an estimate", async () => {
    const { state, metrics } = await replayClaude(init());
    expect(state.needsEstimate()).toBe(false);
    expect(metrics.telemetryStatus).toBe("missing");
    expect(metrics.modelName).toBe("claude-opus-4-8");
  });
});

describe("11. usage of failed, timed-out or cancelled runs thrown away", () => {
  it("a run killed mid-way keeps every completed call and the started one, as partial", async () => {
    const stream = init() + start("m1", "claude-opus-4-8", usage(1234, 1, 8901, 567)) + delta(89) + start("m2", "claude-opus-4-8", usage(55, 1, 9999, 66));
    const { metrics } = await replayClaude(stream);
    expect(metrics.telemetryStatus).toBe("partial");
    expect(metrics.usage.tokens).toMatchObject({ input: 1289, output: 90, cacheRead: 18900, cacheWrite5m: 633 });
  });

  it("a failed result keeps the usage it reports", async () => {
    const { metrics } = await replayClaude(claudeFixture("stream-json-tooluse-maxturns1.jsonl"));
    expect(metrics.usage.total).toBe(10791);
    expect(metrics.telemetryStatus).toBe("reported");
  });
});

describe("side calls and subagents present only in modelUsage", () => {
  it("the main model from the stream, a subagent on haiku, and a side call only the final report knows", async () => {
    const stream =
      init() +
      start("m1", "claude-opus-4-8", usage(1234, 1, 8901, 567)) +
      delta(89) +
      start("sub1", "claude-haiku-4-5", usage(321, 1, 0, 0), "toolu_task_1") +
      delta(21, "toolu_task_1") +
      result({ "claude-opus-4-8[1m]": mu(1234, 89, 8901, 567), "claude-haiku-4-5": mu(642, 42, 0, 0) }, { usage: usage(1234, 89, 8901, 567) });
    const { metrics } = await replayClaude(stream);
    expect(metrics.usage.perModel.map((m) => [m.model, m.tokens.input, m.tokens.output, m.calls])).toEqual([
      ["claude-opus-4-8", 1234, 89, 1],
      ["claude-haiku-4-5", 642, 42, 1],
    ]);
    expect(metrics.usage.total).toBe(10791 + 684);
    expect(metrics.modelName).toBe("claude-opus-4-8");
    // The haiku call seen in the stream is priced per call, the one only in the report at base rates.
    expect(metrics.usage.costUsd).toBe(roundUsd(0.01638925 + 642e-6 + 42 * 5e-6));
  });
});

describe("a reported cost far from the token math", () => {
  it("both are kept: ours from the price table, the CLI's as reported (~100x here)", async () => {
    const { metrics } = await replayClaude(init("claude-haiku-4-5") + result({ "claude-haiku-4-5": mu(321, 21, 0, 0, 0.0426) }, { total_cost_usd: 0.0426 }));
    expect(metrics.usage.costUsd).toBe(0.000426);
    expect(metrics.costReportedUsd).toBe(0.0426);
  });
});
