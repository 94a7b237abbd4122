import { describe, expect, it } from "vitest";
import { UsageAccumulator } from "../../src/telemetry/accumulator.js";
import { PriceBook } from "../../src/telemetry/pricing.js";
import { zeroBuckets, type TokenBuckets } from "../../src/telemetry/usage.js";

const book = () => new PriceBook({ at: new Date("2026-12-01T00:00:00Z") });
const b = (x: Partial<TokenBuckets>): TokenBuckets => ({ ...zeroBuckets(), ...x });
const START = b({ input: 1234, output: 1, cacheRead: 8901, cacheWrite5m: 567 });
const DONE = b({ input: 1234, output: 89, cacheRead: 8901, cacheWrite5m: 567 });

describe("usage accumulator", () => {
  it("counts usage repeated on every content block of one message once (failure kind 1)", () => {
    const acc = new UsageAccumulator(book());
    for (let block = 0; block < 5; block++) acc.add({ scope: "call", id: "msg_1", model: "claude-opus-4-8", buckets: START });
    const s = acc.summary();
    expect(s.tokens).toEqual(START);
    expect(s.total).toBe(10703);
    expect(s.calls).toBe(1);
  });

  it("merges snapshots of a call by maximum: message_start output 1, message_delta output 89", () => {
    const acc = new UsageAccumulator(book());
    acc.add({ scope: "call", id: "msg_1", model: "claude-opus-4-8", buckets: START });
    acc.add({ scope: "call", id: "msg_1", model: "claude-opus-4-8", buckets: b({ output: 89 }) });
    expect(acc.summary().tokens).toEqual(DONE);
  });

  it("never adds per-call samples to the final report of the same calls (failure kind 4)", () => {
    const acc = new UsageAccumulator(book());
    acc.add({ scope: "call", id: "msg_1", model: "claude-opus-4-8", buckets: DONE });
    acc.add({ scope: "final", id: null, model: "claude-opus-4-8[1m]", buckets: DONE, costReportedUsd: 0.01638925 });
    const s = acc.summary();
    expect(s.total).toBe(10791);
    expect(s.source).toBe("final");
    expect(s.perModel).toEqual([
      { model: "claude-opus-4-8", tokens: DONE, costUsd: 0.01638925, costSource: "computed", pricedAs: "claude-opus-4-8", source: "final", calls: 1, named: true },
    ]);
    expect(s.costReportedUsd).toBe(0.01638925);
  });

  it("keeps side-call models that only the final report knows (a haiku call outside the stream)", () => {
    const acc = new UsageAccumulator(book());
    acc.add({ scope: "call", id: "msg_1", model: "claude-opus-4-8", buckets: DONE });
    acc.add({ scope: "final", id: null, model: "claude-opus-4-8[1m]", buckets: DONE });
    acc.add({ scope: "final", id: null, model: "claude-haiku-4-5", buckets: b({ input: 321, output: 21 }) });
    const s = acc.summary();
    expect(s.perModel.map((m) => [m.model, m.source, m.tokens.input, m.tokens.output])).toEqual([
      ["claude-opus-4-8", "final", 1234, 89],
      ["claude-haiku-4-5", "final", 321, 21],
    ]);
    expect(s.total).toBe(10791 + 342);
    expect(s.costUsd).toBe(0.01638925 + 0.000426);
  });

  it("keeps per-call numbers, with a warning, when a final report is lower than them", () => {
    const acc = new UsageAccumulator(book());
    acc.add({ scope: "call", id: "msg_1", model: "claude-opus-4-8", buckets: DONE });
    acc.add({ scope: "final", id: null, model: "claude-opus-4-8", buckets: zeroBuckets() });
    const s = acc.summary();
    expect(s.total).toBe(10791);
    expect(s.perModel[0]!.source).toBe("call");
    expect(s.warnings).toEqual(["claude-opus-4-8: the final report (0 tokens) is lower than the per-call usage (10791 tokens); keeping the per-call numbers"]);
  });

  it("turns cumulative counters into this run's delta over a baseline (failure kind 7)", () => {
    const acc = new UsageAccumulator(book(), { thread_a: b({ input: 5000, output: 100, cacheRead: 20000 }) });
    acc.add({ scope: "cumulative", id: null, model: null, thread: "thread_a", buckets: b({ input: 6000, output: 150, cacheRead: 30000 }) });
    acc.add({ scope: "cumulative", id: null, model: null, thread: "thread_a", buckets: b({ input: 6234, output: 189, cacheRead: 38901, reasoning: 34 }) });
    const s = acc.summary("gpt-5");
    expect(s.tokens).toEqual(b({ input: 1234, output: 89, cacheRead: 18901, reasoning: 34 }));
    expect(s.perModel[0]).toMatchObject({ model: "gpt-5", source: "cumulative" });
    expect(acc.cumulativeTotals()).toEqual({ thread_a: b({ input: 6234, output: 189, cacheRead: 38901, reasoning: 34 }) });
  });

  it("attributes samples without a model to the fallback model", () => {
    const acc = new UsageAccumulator(book());
    acc.add({ scope: "call", id: null, model: null, buckets: DONE });
    expect(acc.summary("claude-opus-4-8").perModel[0]).toMatchObject({ model: "claude-opus-4-8", costUsd: 0.01638925 });
    expect(acc.summary(null).perModel[0]).toMatchObject({ model: "unknown", costUsd: null, costSource: "unpriced" });
  });

  it("sets the execution cost to null (not 0) when any model with usage is unpriced", () => {
    const acc = new UsageAccumulator(book());
    acc.add({ scope: "call", id: "a", model: "claude-opus-4-8", buckets: DONE });
    acc.add({ scope: "call", id: "b", model: "my-local-model", buckets: b({ input: 10, output: 5 }) });
    const s = acc.summary();
    expect(s.costUsd).toBeNull();
    expect(s.costSource).toBe("unpriced");
    expect(s.unpricedModels).toEqual(["my-local-model"]);
    expect(s.perModel.find((m) => m.model === "claude-opus-4-8")!.costUsd).toBe(0.01638925);
  });

  it("takes the 1h share of cache writes from per-call samples when the final report has no split", () => {
    const acc = new UsageAccumulator(book());
    acc.add({ scope: "call", id: "m", model: "claude-opus-4-8", buckets: b({ input: 10, output: 5, cacheWrite1h: 1000 }) });
    acc.add({ scope: "final", id: null, model: "claude-opus-4-8", buckets: b({ input: 10, output: 5, cacheWrite5m: 1000 }) });
    const s = acc.summary();
    expect(s.tokens).toMatchObject({ cacheWrite5m: 0, cacheWrite1h: 1000 });
    expect(s.costUsd).toBe(0.01 + 10 * 5e-6 + 5 * 25e-6);
  });

  it("prices each call in its own tier and the unexplained rest of a final report at the base tier", () => {
    const acc = new UsageAccumulator(book());
    acc.add({ scope: "call", id: "big", model: "claude-sonnet-4-5", buckets: b({ input: 250_000, output: 1000 }) });
    acc.add({ scope: "final", id: null, model: "claude-sonnet-4-5", buckets: b({ input: 400_000, output: 2000 }) });
    // the call: 1.5225 at >200k rates; the other 150k in / 1000 out at base rates: 0.45 + 0.015
    expect(acc.summary().costUsd).toBe(1.9875);
  });
});
