import { describe, expect, it } from "vitest";
import { toBuckets } from "../../src/telemetry/convert.js";
import { totalTokens } from "../../src/telemetry/usage.js";

describe("provider usage -> five disjoint buckets", () => {
  it("Anthropic: cache reads and writes are added on top of fresh input", () => {
    const b = toBuckets({ convention: "anthropic", input_tokens: 1234, output_tokens: 89, cache_read_input_tokens: 8901, cache_creation_input_tokens: 567 });
    expect(b).toEqual({ input: 1234, output: 89, cacheRead: 8901, cacheWrite5m: 567, cacheWrite1h: 0, reasoning: 0 });
    expect(totalTokens(b)).toBe(10791);
  });

  it("Anthropic: the 5m/1h split is used when given; an all-zero split means 5m", () => {
    expect(toBuckets({ convention: "anthropic", input_tokens: 1, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 1000, cache_creation_5m: 400, cache_creation_1h: 600 })).toMatchObject({ cacheWrite5m: 400, cacheWrite1h: 600 });
    expect(toBuckets({ convention: "anthropic", input_tokens: 1, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 567, cache_creation_5m: 0, cache_creation_1h: 0 })).toMatchObject({ cacheWrite5m: 567, cacheWrite1h: 0 });
  });

  it("OpenAI/Codex: cached and cache-write tokens are subsets of input; reasoning is inside output (failure kinds 5, 6)", () => {
    const b = toBuckets({ convention: "openai", input_tokens: 10135, cached_input_tokens: 8901, cache_write_input_tokens: 0, output_tokens: 89, reasoning_output_tokens: 34 });
    expect(b).toEqual({ input: 1234, output: 89, cacheRead: 8901, cacheWrite5m: 0, cacheWrite1h: 0, reasoning: 34 });
    expect(totalTokens(b)).toBe(10224);
    expect(toBuckets({ convention: "openai", input_tokens: 2000, cached_input_tokens: 500, cache_write_input_tokens: 300, output_tokens: 10, reasoning_output_tokens: 0 })).toMatchObject({ input: 1200, cacheRead: 500, cacheWrite5m: 300 });
  });

  it("OpenCode: cache on top, reasoning outside output but billed as output (failure kind 6)", () => {
    const b = toBuckets({ convention: "opencode", input: 1234, output: 55, reasoning: 34, cache_read: 8901, cache_write: 0 });
    expect(b).toEqual({ input: 1234, output: 89, cacheRead: 8901, cacheWrite5m: 0, cacheWrite1h: 0, reasoning: 34 });
  });

  it("Gemini/Qwen: cached is a subset of the prompt; thoughts are billed as output", () => {
    expect(toBuckets({ convention: "gemini", prompt: 10135, candidates: 55, cached: 8901, thoughts: 34, tool: 0 })).toEqual({ input: 1234, output: 89, cacheRead: 8901, cacheWrite5m: 0, cacheWrite1h: 0, reasoning: 34 });
  });

  it("never produces negative buckets from inconsistent subset counts", () => {
    const b = toBuckets({ convention: "openai", input_tokens: 100, cached_input_tokens: 150, cache_write_input_tokens: 50, output_tokens: 5, reasoning_output_tokens: 9 });
    expect(Object.values(b).every((v) => v >= 0)).toBe(true);
    expect(b).toMatchObject({ input: 0, cacheRead: 100, cacheWrite5m: 0, reasoning: 5 });
  });
});
