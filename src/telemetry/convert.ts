import { zeroBuckets, type TokenBuckets } from "./usage.js";

/**
 * Usage as each provider family counts it, with the numbers a parser read off the wire.
 * This file is the only place that knows which counts are subsets of which (the cause of
 * "cached input billed twice" and "reasoning added on top" bugs).
 */
export type RawUsage = AnthropicUsage | OpenAIUsage | OpenCodeUsage | GeminiUsage;

/** Anthropic Messages / Claude Code: cache tokens are ADDED on top of fresh input. */
export interface AnthropicUsage {
  convention: "anthropic";
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  /** `cache_creation.ephemeral_5m_input_tokens` / `ephemeral_1h_input_tokens`, when given. */
  cache_creation_5m?: number;
  cache_creation_1h?: number;
  /** Thinking tokens, when reported; already inside `output_tokens`. */
  thinking_tokens?: number;
}

/** OpenAI Responses / Codex: `input_tokens` is the WHOLE prompt; cached and cache-write are subsets. */
export interface OpenAIUsage {
  convention: "openai";
  input_tokens: number;
  cached_input_tokens: number;
  cache_write_input_tokens: number;
  /** Includes reasoning. */
  output_tokens: number;
  reasoning_output_tokens: number;
}

/** OpenCode `tokens`: fresh input; cache added on top; reasoning OUTSIDE output but billed as output. */
export interface OpenCodeUsage {
  convention: "opencode";
  input: number;
  output: number;
  reasoning: number;
  cache_read: number;
  cache_write: number;
}

/** Gemini / Qwen `usageMetadata`: prompt includes cached; thoughts outside candidates, billed as output. */
export interface GeminiUsage {
  convention: "gemini";
  prompt: number;
  candidates: number;
  cached: number;
  thoughts: number;
  /** Tool-use prompt tokens, input on top of the prompt. */
  tool: number;
}

export function toBuckets(raw: RawUsage): TokenBuckets {
  switch (raw.convention) {
    case "anthropic":
      return fromAnthropic(raw);
    case "openai":
      return fromOpenAI(raw);
    case "opencode":
      return fromOpenCode(raw);
    case "gemini":
      return fromGemini(raw);
  }
}

function fromAnthropic(raw: AnthropicUsage): TokenBuckets {
  const b = zeroBuckets();
  b.input = raw.input_tokens;
  b.output = raw.output_tokens;
  b.cacheRead = raw.cache_read_input_tokens;
  // Without a 5m/1h split (or with an all-zero one, as Claude Code's result line has),
  // cache writes count as 5m, the default TTL.
  const split1h = raw.cache_creation_1h ?? 0;
  const split5m = raw.cache_creation_5m ?? 0;
  const written = Math.max(raw.cache_creation_input_tokens, split1h + split5m);
  b.cacheWrite1h = Math.min(split1h, written);
  b.cacheWrite5m = written - b.cacheWrite1h;
  b.reasoning = Math.min(raw.thinking_tokens ?? 0, raw.output_tokens);
  return b;
}

function fromOpenAI(raw: OpenAIUsage): TokenBuckets {
  const b = zeroBuckets();
  b.cacheRead = Math.min(raw.cached_input_tokens, raw.input_tokens);
  b.cacheWrite5m = Math.min(raw.cache_write_input_tokens, raw.input_tokens - b.cacheRead);
  b.input = raw.input_tokens - b.cacheRead - b.cacheWrite5m;
  b.output = raw.output_tokens;
  b.reasoning = Math.min(raw.reasoning_output_tokens, raw.output_tokens);
  return b;
}

function fromOpenCode(raw: OpenCodeUsage): TokenBuckets {
  const b = zeroBuckets();
  b.input = raw.input;
  b.cacheRead = raw.cache_read;
  b.cacheWrite5m = raw.cache_write;
  b.output = raw.output + raw.reasoning;
  b.reasoning = raw.reasoning;
  return b;
}

function fromGemini(raw: GeminiUsage): TokenBuckets {
  const b = zeroBuckets();
  b.cacheRead = Math.min(raw.cached, raw.prompt);
  b.input = raw.prompt - b.cacheRead + raw.tool;
  b.output = raw.candidates + raw.thoughts;
  b.reasoning = raw.thoughts;
  return b;
}
