import type { Backend } from "../backends/backend.js";
import { loadPriceTable, type PriceBook } from "../telemetry/pricing.js";
import type { TokenBuckets } from "../telemetry/usage.js";
import { RunState, type ExecutionMetrics } from "./run-state.js";

/**
 * Runs captured backend output through the backend's parser and the run state, exactly as a
 * live run would: what `pilot parse` and `pilot reparse` print and store.
 */
export interface ReplayOptions {
  backend: Backend;
  prices: PriceBook;
  maxLineBytes: number;
  requested?: { model: string; source: "requested" | "config" } | null;
  baselines?: Record<string, TokenBuckets>;
}

export async function replayStream(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array | string>, options: ReplayOptions): Promise<{ state: RunState; metrics: ExecutionMetrics }> {
  await loadPriceTable();
  const state = new RunState({
    prices: options.prices,
    requested: options.requested ?? null,
    backendDefaultModel: options.backend.defaultModel,
    ...(options.baselines ? { baselines: options.baselines } : {}),
  });
  const parser = options.backend.createParser({ maxLineBytes: options.maxLineBytes });
  for await (const chunk of chunks) for (const event of parser.push(chunk)) state.apply(event);
  for (const event of parser.end()) state.apply(event);
  return { state, metrics: state.metrics() };
}
