import { zeroBuckets, type TokenBuckets } from "./usage.js";

/**
 * A local token count for a run that produced output but no usage at all (a CLI whose usage
 * pilot cannot read). Stored with telemetry status `estimated`, never as reported. It is a
 * floor: the prompt pilot sent, not the system prompt and tools the CLI added.
 */

/** Output text kept for estimating: all of it up to this size, then only counted. */
export const OUTPUT_SAMPLE_CHARS = 1_000_000;

export interface OutputText {
  /** Characters of output text seen in the run. */
  chars: number;
  /** The first OUTPUT_SAMPLE_CHARS of it. */
  sample: string;
}

let counter: ((text: string) => number) | undefined;

/** o200k_base (gpt-tokenizer), loaded on first use: only runs without usage need it. */
async function countTokens(text: string): Promise<number> {
  counter ??= (await import("gpt-tokenizer/encoding/o200k_base")).countTokens;
  return counter(text);
}

export async function estimateUsage(promptTokens: number, output: OutputText): Promise<TokenBuckets> {
  const buckets = zeroBuckets();
  buckets.input = promptTokens;
  if (output.chars > 0 && output.sample.length > 0) {
    const sampled = await countTokens(output.sample);
    // Beyond the sample, scale by its tokens per character.
    buckets.output = Math.round((sampled * output.chars) / output.sample.length);
  }
  return buckets;
}

export async function estimatePromptTokens(prompt: string): Promise<number> {
  return countTokens(prompt);
}
