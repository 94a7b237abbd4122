import { calcPrice } from "@pydantic/genai-prices";
import { describe, expect, it } from "vitest";
import { PriceBook, roundUsd } from "../../src/telemetry/pricing.js";
import { zeroBuckets, type TokenBuckets } from "../../src/telemetry/usage.js";

const AT = new Date("2026-12-01T00:00:00Z");
const book = () => new PriceBook({ at: AT });
const usage = (b: Partial<TokenBuckets>): TokenBuckets => ({ ...zeroBuckets(), ...b });
const SIM_CALL = usage({ input: 1234, output: 89, cacheRead: 8901, cacheWrite5m: 567 });

describe("pricing from @pydantic/genai-prices", () => {
  it("prices a call exactly as the library does (its input = the whole prompt)", () => {
    const expected = calcPrice({ input_tokens: 1234 + 8901 + 567, cache_read_tokens: 8901, cache_write_tokens: 567, output_tokens: 89 }, "claude-opus-4-8", { timestamp: AT })!.total_price;
    expect(roundUsd(book().priceCall("claude-opus-4-8", SIM_CALL)!)).toBe(roundUsd(expected));
    expect(roundUsd(expected)).toBe(0.01638925);
  });

  it("prices `[1m]`-tagged and provider-prefixed names as the plain model", () => {
    const b = book();
    expect(b.card("claude-opus-4-8[1m]")?.pricedAs).toBe("claude-opus-4-8");
    expect(b.card("anthropic/claude-sonnet-4.5")?.pricedAs).toBe("claude-sonnet-4-5");
    expect(b.card("us.anthropic.claude-sonnet-4-5-20250929-v1:0")?.pricedAs).toBe("claude-sonnet-4-5");
    expect(b.card("claude-sonnet-4-5@20250929")?.pricedAs).toBe("claude-sonnet-4-5");
  });

  it("returns null for unknown models, never 0 or another model's price", () => {
    const b = book();
    expect(b.priceCall("gpt-6.2-sol", SIM_CALL)).toBeNull();
    expect(b.priceCall("glm-4.6", SIM_CALL)).toBeNull();
    // The library would match this to claude-opus-4-1 by prefix: a different model.
    expect(calcPrice({ input_tokens: 1 }, "claude-opus-4-10")?.model.id).toBe("claude-opus-4-1");
    expect(b.card("claude-opus-4-10")).toBeNull();
  });

  it("does not price a newer version at an older version's rates (failure kind 9)", () => {
    const b = book();
    const million = usage({ input: 1_000_000 });
    expect(b.card("claude-opus-4-6")?.pricedAs).toBe("claude-opus-4-6");
    expect(roundUsd(b.priceAggregate("claude-opus-4-6", million)!)).toBe(5);
    expect(roundUsd(b.priceAggregate("claude-opus-4", million)!)).toBe(15);
  });

  it("prices 1h cache writes at their own rate, not the 5m one (failure kind 8)", () => {
    const b = book();
    expect(roundUsd(b.priceCall("claude-opus-4-8", usage({ cacheWrite1h: 1000 }))!)).toBe(0.01);
    expect(roundUsd(b.priceCall("claude-opus-4-8", usage({ cacheWrite5m: 1000 }))!)).toBe(0.00625);
  });

  it("applies a long-context tier to the whole request that crossed it, and never to a sum (failure kind 8)", () => {
    const b = book();
    // One 250k-token request: every bucket at the >200k rates (input 6, output 22.5 per M).
    expect(roundUsd(b.priceCall("claude-sonnet-4-5", usage({ input: 250_000, output: 1000 }))!)).toBe(1.5225);
    // Two 150k requests: base rates (3 / 15 per M) even though they sum to 300k.
    const each = usage({ input: 150_000, output: 500 });
    expect(roundUsd(b.priceCall("claude-sonnet-4-5", each)! * 2)).toBe(0.915);
    expect(roundUsd(b.priceAggregate("claude-sonnet-4-5", usage({ input: 300_000, output: 1000 }))!)).toBe(0.915);
    // The tier is decided by the prompt (input + cache), not by each bucket.
    expect(roundUsd(b.priceCall("claude-sonnet-4-5", usage({ input: 1000, cacheRead: 250_000 }))!)).toBe(roundUsd(1000 * 6e-6 + 250_000 * 0.6e-6));
  });

  it("uses config overrides first, for custom and local models", () => {
    const b = new PriceBook({ at: AT, overrides: { "my-model": { input: 1, output: 2, cache_read: 0.1 }, "claude-opus-4-8": { input: 100, output: 100 } } });
    expect(b.card("my-model")?.source).toBe("override");
    expect(roundUsd(b.priceCall("my-model", usage({ input: 1_000_000, output: 1_000_000, cacheRead: 1_000_000, cacheWrite5m: 1_000_000 }))!)).toBe(1 + 2 + 0.1 + 1);
    expect(roundUsd(b.priceCall("claude-opus-4-8", usage({ input: 1_000_000 }))!)).toBe(100);
  });
});
