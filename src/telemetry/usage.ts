/**
 * The normalised usage model. Five disjoint buckets that add up to the billed tokens, plus
 * reasoning, which is informational: it is already inside `output`.
 *
 *   total = input + output + cacheRead + cacheWrite5m + cacheWrite1h
 */
export interface TokenBuckets {
  /** Fresh (uncached) input tokens. */
  input: number;
  /** Output tokens, reasoning included. */
  output: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  /** Reasoning tokens; a part of `output`, never added to the total. */
  reasoning: number;
}

export const BUCKET_KEYS = ["input", "output", "cacheRead", "cacheWrite5m", "cacheWrite1h", "reasoning"] as const;

export function zeroBuckets(): TokenBuckets {
  return { input: 0, output: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, reasoning: 0 };
}

export function totalTokens(b: TokenBuckets): number {
  return b.input + b.output + b.cacheRead + b.cacheWrite5m + b.cacheWrite1h;
}

/** The prompt size of one request: what long-context price tiers are measured against. */
export function promptTokens(b: TokenBuckets): number {
  return b.input + b.cacheRead + b.cacheWrite5m + b.cacheWrite1h;
}

export function addInto(target: TokenBuckets, b: TokenBuckets): TokenBuckets {
  target.input += b.input;
  target.output += b.output;
  target.cacheRead += b.cacheRead;
  target.cacheWrite5m += b.cacheWrite5m;
  target.cacheWrite1h += b.cacheWrite1h;
  target.reasoning += b.reasoning;
  return target;
}

export function subtractFrom(target: TokenBuckets, b: TokenBuckets): TokenBuckets {
  target.input -= b.input;
  target.output -= b.output;
  target.cacheRead -= b.cacheRead;
  target.cacheWrite5m -= b.cacheWrite5m;
  target.cacheWrite1h -= b.cacheWrite1h;
  target.reasoning -= b.reasoning;
  return target;
}

export function sumBuckets(list: Iterable<TokenBuckets>): TokenBuckets {
  const sum = zeroBuckets();
  for (const b of list) addInto(sum, b);
  return sum;
}

/** Bucket-wise maximum: two snapshots of one model call merged without adding them. */
export function maxBuckets(a: TokenBuckets, b: TokenBuckets): TokenBuckets {
  return {
    input: Math.max(a.input, b.input),
    output: Math.max(a.output, b.output),
    cacheRead: Math.max(a.cacheRead, b.cacheRead),
    cacheWrite5m: Math.max(a.cacheWrite5m, b.cacheWrite5m),
    cacheWrite1h: Math.max(a.cacheWrite1h, b.cacheWrite1h),
    reasoning: Math.max(a.reasoning, b.reasoning),
  };
}

/** `a - b` per bucket, never below zero (a counter that went backwards is not negative usage). */
export function clampedDifference(a: TokenBuckets, b: TokenBuckets): TokenBuckets {
  return {
    input: Math.max(0, a.input - b.input),
    output: Math.max(0, a.output - b.output),
    cacheRead: Math.max(0, a.cacheRead - b.cacheRead),
    cacheWrite5m: Math.max(0, a.cacheWrite5m - b.cacheWrite5m),
    cacheWrite1h: Math.max(0, a.cacheWrite1h - b.cacheWrite1h),
    reasoning: Math.max(0, a.reasoning - b.reasoning),
  };
}

/** True when every bucket of `a` is at most the same bucket of `b`. */
export function fitsWithin(a: TokenBuckets, b: TokenBuckets): boolean {
  return (
    a.input <= b.input &&
    a.output <= b.output &&
    a.cacheRead <= b.cacheRead &&
    a.cacheWrite5m <= b.cacheWrite5m &&
    a.cacheWrite1h <= b.cacheWrite1h
  );
}

export function isZero(b: TokenBuckets): boolean {
  return totalTokens(b) === 0 && b.reasoning === 0;
}
