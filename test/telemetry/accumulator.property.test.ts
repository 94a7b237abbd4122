import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageAccumulator, type UsageSample } from "../../src/telemetry/accumulator.js";
import { PriceBook, roundUsd } from "../../src/telemetry/pricing.js";
import { BUCKET_KEYS, totalTokens, type TokenBuckets } from "../../src/telemetry/usage.js";

const prices = new PriceBook({ at: new Date("2026-12-01T00:00:00Z") });
const count = fc.integer({ min: 0, max: 300_000 });
const buckets: fc.Arbitrary<TokenBuckets> = fc.record({ input: count, output: count, cacheRead: count, cacheWrite5m: count, cacheWrite1h: count, reasoning: count }).map((b) => ({ ...b, reasoning: Math.min(b.reasoning, b.output) }));
const model = fc.constantFrom("claude-opus-4-8", "claude-opus-4-8[1m]", "claude-sonnet-4-5", "claude-haiku-4-5", "gpt-5", "my-unpriced-model", null);
const CALL_MODELS: Record<string, string | null> = { a: "claude-opus-4-8", b: "claude-opus-4-8[1m]", c: "claude-haiku-4-5", d: "my-unpriced-model" };
const sample: fc.Arbitrary<UsageSample> = fc.oneof(
  // One call (id) is answered by one model.
  fc.record({ scope: fc.constant("call" as const), id: fc.constantFrom("a", "b", "c", "d"), buckets }).map((s) => ({ ...s, model: CALL_MODELS[s.id]! })),
  fc.record({ scope: fc.constant("call" as const), id: fc.constant(null), model, buckets }),
  fc.record({ scope: fc.constant("final" as const), id: fc.constant(null), model, buckets }),
  // A cumulative counter belongs to one thread, and a thread to one model.
  fc.record({ scope: fc.constant("cumulative" as const), id: fc.constant(null), buckets, thread: fc.constantFrom("t1", "t2") }).map((s) => ({ ...s, model: s.thread === "t1" ? "gpt-5" : null })),
);
const samples = fc.array(sample, { maxLength: 40 });
const baselines = fc.record({ t1: buckets, t2: buckets });

function summarise(list: UsageSample[], base: Record<string, TokenBuckets>) {
  const acc = new UsageAccumulator(prices, base);
  for (const s of list) acc.add(s);
  return acc.summary("claude-opus-4-8");
}

describe("accumulator properties", () => {
  it("totals equal the sum of the per-model rows, bucket by bucket, and nothing is negative", () => {
    fc.assert(
      fc.property(samples, baselines, (list, base) => {
        const s = summarise(list, base);
        for (const key of BUCKET_KEYS) {
          expect(s.tokens[key]).toBe(s.perModel.reduce((sum, m) => sum + m.tokens[key], 0));
          expect(s.tokens[key]).toBeGreaterThanOrEqual(0);
          for (const m of s.perModel) expect(m.tokens[key]).toBeGreaterThanOrEqual(0);
        }
        expect(s.total).toBe(totalTokens(s.tokens));
      }),
      { numRuns: 500 },
    );
  });

  it("the cost is the sum of the per-model costs, or null when any model with usage is unpriced", () => {
    fc.assert(
      fc.property(samples, baselines, (list, base) => {
        const s = summarise(list, base);
        const unpriced = s.perModel.filter((m) => m.costUsd === null);
        if (unpriced.length > 0) {
          expect(s.costUsd).toBeNull();
          expect(s.costSource).toBe("unpriced");
        } else {
          expect(s.costUsd).toBe(roundUsd(s.perModel.reduce((sum, m) => sum + m.costUsd!, 0)));
          expect(s.costUsd!).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("repeating samples adds nothing, and their order does not matter", () => {
    fc.assert(
      fc.property(samples.filter((l) => l.every((s) => s.id !== null || s.scope !== "call")), baselines, fc.integer(), (list, base, seed) => {
        const once = summarise(list, base);
        expect(summarise([...list, ...list], base)).toEqual(once);
        const shuffled = [...list].sort((a, b) => ((JSON.stringify(a).length * 31 + seed) % 7) - ((JSON.stringify(b).length * 31 + seed) % 7));
        const reordered = summarise(shuffled, base);
        expect(reordered.tokens).toEqual(once.tokens);
        expect(reordered.costUsd).toBe(once.costUsd);
      }),
      { numRuns: 300 },
    );
  });
});
