import { calcPrice } from "@pydantic/genai-prices";
import { describe, expect, it } from "vitest";
import { roundUsd } from "../../src/telemetry/pricing.js";
import { claudeFixture, replayClaude } from "../helpers/claude.js";

/** What an execution would store for each captured Claude Code run. */
describe("Claude Code telemetry from captured runs", () => {
  const simCost = roundUsd(calcPrice({ input_tokens: 10702, cache_read_tokens: 8901, cache_write_tokens: 567, output_tokens: 89 }, "claude-opus-4-8", { timestamp: new Date("2026-12-01") })!.total_price);

  it("text reply with partial messages: exact buckets, served model, computed and reported cost", async () => {
    const { metrics } = await replayClaude(claudeFixture("stream-json-partial.jsonl"));
    expect(metrics.usage.tokens).toEqual({ input: 1234, output: 89, cacheRead: 8901, cacheWrite5m: 567, cacheWrite1h: 0, reasoning: 0 });
    expect(metrics.usage.total).toBe(10791);
    expect(metrics.modelName).toBe("claude-opus-4-8");
    expect(metrics.modelSource).toBe("served");
    expect(metrics.usage.costUsd).toBe(simCost);
    expect(metrics.costReportedUsd).toBe(0.01638925);
    expect(metrics.telemetryStatus).toBe("reported");
    expect(metrics.numTurns).toBe(1);
    expect(metrics.resultText).toBe("done");
    expect(metrics.parseErrors).toBe(0);
  });

  it("text reply without partial messages: the assistant line says output 1, the final report 89", async () => {
    const { metrics } = await replayClaude(claudeFixture("stream-json-ok.jsonl"));
    expect(metrics.usage.tokens.output).toBe(89);
    expect(metrics.usage.total).toBe(10791);
  });

  it("tool call then text: both calls summed (1234+55, 89+7, 567+66, 8901+9999)", async () => {
    const { metrics } = await replayClaude(claudeFixture("stream-json-tooluse.jsonl"));
    expect(metrics.usage.tokens).toEqual({ input: 1289, output: 96, cacheRead: 18900, cacheWrite5m: 633, cacheWrite1h: 0, reasoning: 0 });
    expect(metrics.numTurns).toBe(2);
    expect(metrics.usage.costUsd).toBe(0.02225125);
  });

  it("records the served model when it differs from the requested alias", async () => {
    const { metrics } = await replayClaude(claudeFixture("stream-json-model-sonnet.jsonl"), { model: "sonnet", source: "requested" });
    expect(metrics.modelName).toBe("claude-sonnet-5");
    expect(metrics.modelSource).toBe("served");
  });

  it("haiku usage and cost", async () => {
    const { metrics } = await replayClaude(claudeFixture("stream-json-model-haiku.jsonl"));
    expect(metrics.usage.tokens).toMatchObject({ input: 321, output: 21, cacheRead: 0, cacheWrite5m: 0 });
    expect(metrics.usage.costUsd).toBe(0.000426);
    expect(metrics.modelName).toBe("claude-haiku-4-5");
  });

  it("always-500: zero usage, reported, and still a model name (the CLI's configured one)", async () => {
    const { metrics } = await replayClaude(claudeFixture("stream-json-http500-retries2.jsonl"));
    expect(metrics.usage.total).toBe(0);
    expect(metrics.telemetryStatus).toBe("reported");
    expect(metrics.modelName).toBe("claude-opus-4-8");
    expect(metrics.modelSource).toBe("backend_default");
    expect(metrics.usage.costUsd).toBe(0);
  });

  it("a stream with nothing in it is telemetry missing", async () => {
    const { metrics } = await replayClaude("");
    expect(metrics.telemetryStatus).toBe("missing");
    expect(metrics.modelName).toBeNull();
  });
});
