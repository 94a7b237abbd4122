import { UsageAccumulator } from "../src/telemetry/accumulator.js";
import { toBuckets } from "../src/telemetry/convert.js";
import { loadPriceTable, PriceBook } from "../src/telemetry/pricing.js";

/**
 * Accumulator + pricing throughput: samples shaped like a Claude stream's (two snapshots per
 * call: message_start, then message_delta with the final output) across five models, each
 * call priced in its own tier, then the summary.
 */
export async function measureAccumulator(samples: number): Promise<{ samples: number; seconds: number; perSecond: number; total: number }> {
  await loadPriceTable();
  const models = ["claude-opus-4-8[1m]", "claude-sonnet-4-5", "claude-haiku-4-5", "gpt-5", "claude-opus-4-6"];
  const prices = new PriceBook({ at: new Date("2026-12-01T00:00:00Z") });
  for (const model of models) prices.card(model); // the one-time rate-card setup is not per sample
  const inputs = Array.from({ length: 1024 }, (_, i) =>
    toBuckets({ convention: "anthropic", input_tokens: 1000 + i, output_tokens: 1 + (i % 7), cache_read_input_tokens: 8000 + i * 300, cache_creation_input_tokens: i % 500 }),
  );
  const started = performance.now();
  const acc = new UsageAccumulator(prices);
  for (let i = 0; i < samples; i++) {
    const call = i >> 1;
    const buckets = inputs[call & 1023]!;
    acc.add({ scope: "call", id: `msg_${call}`, model: models[call % 5]!, buckets: i & 1 ? { ...buckets, output: buckets.output + 80 } : buckets });
  }
  const summary = acc.summary();
  const seconds = (performance.now() - started) / 1000;
  return { samples, seconds, perSecond: samples / seconds, total: summary.total };
}
