import type { calcPrice as CalcPrice, MatchLogic, ModelInfo, Usage } from "@pydantic/genai-prices";
import type { ModelPriceOverride } from "../config/schema.js";
import { displayModelName, isSameModelRemainder, priceLookupCandidates } from "./model-name.js";
import { promptTokens, type TokenBuckets } from "./usage.js";

/**
 * Prices from `@pydantic/genai-prices` plus config overrides, adapted to pilot's buckets.
 *
 * The library wants `input_tokens` = the WHOLE prompt with cache reads and writes as parts
 * of it, and applies tiered prices to whatever totals it is given. Calling it per sample
 * would also cost ~20 µs. So for each model we derive a rate card once: per-token rates for
 * each bucket in each price segment (below the first tier, above each tier start), by asking
 * the library to price small probe usages. Prices are linear inside a segment, so a call is
 * then priced with a dot product, with exactly the library's semantics (1h cache rates,
 * fallbacks between units, date-dependent prices).
 *
 * A single call is priced in the segment its own prompt falls in. Aggregates (totals over
 * several calls, or a final report without per-call numbers) are priced in the base
 * segment: a sum must never cross a tier that no call crossed.
 */

export interface Rates {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
}

export interface RateCard {
  /** The table entry (or override key) the model was priced as. */
  pricedAs: string;
  source: "computed" | "override";
  /** Ascending; a segment applies to a request whose prompt is larger than `above`. */
  segments: { above: number; rates: Rates }[];
}

export interface PriceBookOptions {
  overrides?: Readonly<Record<string, ModelPriceOverride>>;
  /** When the usage happened (some prices depend on the date). */
  at?: Date;
}

const cardCache = new Map<string, RateCard | null>();

let calcPrice: typeof CalcPrice | undefined;

/**
 * Loads the price table (~1 MB of data). Separate from the first use so a run can start its
 * backend first and load prices while the CLI boots.
 */
export async function loadPriceTable(): Promise<void> {
  calcPrice ??= (await import("@pydantic/genai-prices")).calcPrice;
}

function priceTable(): typeof CalcPrice {
  if (!calcPrice) throw new Error("price table not loaded: await loadPriceTable() first");
  return calcPrice;
}

export class PriceBook {
  readonly #overrides: Map<string, [string, ModelPriceOverride]>;
  readonly #day: string;
  readonly #at: Date;
  readonly #cards = new Map<string, RateCard | null>();

  constructor(options: PriceBookOptions = {}) {
    this.#overrides = new Map();
    for (const [name, price] of Object.entries(options.overrides ?? {})) {
      for (const key of priceLookupCandidates(name)) if (!this.#overrides.has(key)) this.#overrides.set(key, [name, price]);
    }
    this.#at = options.at ?? new Date();
    this.#day = this.#at.toISOString().slice(0, 10);
  }

  /** The rate card for a model name as a backend printed it, or null when it cannot be priced. */
  card(model: string): RateCard | null {
    const known = this.#cards.get(model);
    if (known !== undefined) return known;
    const card = this.#overrideCard(model) ?? this.#tableCard(model);
    this.#cards.set(model, card);
    return card;
  }

  /** One model call, priced in the tier its own prompt falls in. */
  priceCall(model: string, usage: TokenBuckets): number | null {
    const card = this.card(model);
    if (!card) return null;
    return dot(segmentFor(card, promptTokens(usage)).rates, usage);
  }

  /** A sum over calls whose sizes are unknown: base tier only. */
  priceAggregate(model: string, usage: TokenBuckets): number | null {
    const card = this.card(model);
    if (!card) return null;
    return dot(card.segments[0]!.rates, usage);
  }

  #overrideCard(model: string): RateCard | null {
    for (const key of priceLookupCandidates(model)) {
      const hit = this.#overrides.get(key);
      if (!hit) continue;
      const [name, p] = hit;
      const perToken = (perMillion: number) => perMillion / 1_000_000;
      const cacheWrite = p.cache_write ?? p.input;
      return {
        pricedAs: name,
        source: "override",
        segments: [
          {
            above: -Infinity,
            rates: {
              input: perToken(p.input),
              output: perToken(p.output),
              cacheRead: perToken(p.cache_read ?? p.input),
              cacheWrite5m: perToken(cacheWrite),
              cacheWrite1h: perToken(p.cache_write_1h ?? cacheWrite),
            },
          },
        ],
      };
    }
    return null;
  }

  #tableCard(model: string): RateCard | null {
    const cacheKey = `${this.#day}\u0000${model}`;
    const cached = cardCache.get(cacheKey);
    if (cached !== undefined) return cached;
    const card = buildTableCard(model, this.#at);
    cardCache.set(cacheKey, card);
    return card;
  }
}

function buildTableCard(model: string, at: Date): RateCard | null {
  for (const candidate of priceLookupCandidates(model)) {
    const probe = safeCalc({ input_tokens: 1000 }, candidate, at);
    if (!probe || !acceptsMatch(probe.model, candidate)) continue;
    const providerId = probe.provider.id;
    const thresholds = tierStarts(probe.model_price);
    const segments: RateCard["segments"] = [];
    const probeSizes = [Math.min(1000, thresholds[0] ?? 1000), ...thresholds.map((start) => start + 1)];
    const lowerBounds = [-Infinity, ...thresholds];
    for (let i = 0; i < probeSizes.length; i++) {
      const rates = probeRates(candidate, providerId, probeSizes[i]!, at);
      if (!rates) return null;
      segments.push({ above: lowerBounds[i]!, rates });
    }
    return { pricedAs: probe.model.id, source: "computed", segments };
  }
  return null;
}

function probeRates(model: string, providerId: string, size: number, at: Date): Rates | null {
  const cost = (usage: Usage) => safeCalc(usage, model, at, providerId)?.total_price;
  const input = cost({ input_tokens: size });
  const withOutput = cost({ input_tokens: size, output_tokens: size });
  const cacheRead = cost({ input_tokens: size, cache_read_tokens: size });
  const write5m = cost({ input_tokens: size, cache_write_tokens: size });
  const write1h = cost({ input_tokens: size, cache_write_tokens: size, cache_write_1h_tokens: size });
  if (input === undefined || withOutput === undefined || cacheRead === undefined || write5m === undefined || write1h === undefined) {
    return null;
  }
  return {
    input: input / size,
    output: (withOutput - input) / size,
    cacheRead: cacheRead / size,
    cacheWrite5m: write5m / size,
    cacheWrite1h: write1h / size,
  };
}

function safeCalc(usage: Usage, model: string, at: Date, providerId?: string) {
  try {
    return priceTable()(usage, model, providerId ? { providerId, timestamp: at } : { timestamp: at }) ?? undefined;
  } catch {
    // The library throws on data it cannot price (e.g. inconsistent units): treat as unpriced.
    return undefined;
  }
}

function tierStarts(prices: Record<string, unknown>): number[] {
  const starts = new Set<number>();
  for (const value of Object.values(prices)) {
    if (typeof value !== "object" || value === null || !("tiers" in value)) continue;
    for (const tier of (value as { tiers: { start: number }[] }).tiers) starts.add(tier.start);
  }
  return [...starts].sort((a, b) => a - b);
}

/**
 * The library matches by prefix, so `claude-opus-4-10` would be priced as `claude-opus-4-1`.
 * Accept a match only when the rule that matched leaves nothing but a date or a variant word.
 */
function acceptsMatch(info: ModelInfo, candidate: string): boolean {
  if (info.id.toLowerCase() === candidate) return true;
  return clauseVerdict(info.match, candidate) === true;
}

function clauseVerdict(logic: MatchLogic, name: string): boolean | undefined {
  const lower = name.toLowerCase();
  if ("or" in logic) {
    let matched: boolean | undefined;
    for (const child of logic.or) {
      const verdict = clauseVerdict(child, name);
      if (verdict === true) return true;
      if (verdict === false) matched = false;
    }
    return matched;
  }
  if ("and" in logic) {
    const verdicts = logic.and.map((child) => clauseVerdict(child, name));
    if (verdicts.some((v) => v === undefined)) return undefined;
    return verdicts.every((v) => v === true);
  }
  if ("equals" in logic) return lower === logic.equals.toLowerCase() ? true : undefined;
  if ("starts_with" in logic) {
    const prefix = logic.starts_with.toLowerCase();
    if (!lower.startsWith(prefix)) return undefined;
    return isSameModelRemainder(lower.slice(prefix.length));
  }
  if ("ends_with" in logic) return lower.endsWith(logic.ends_with.toLowerCase()) ? true : undefined;
  if ("contains" in logic) {
    const needle = logic.contains.toLowerCase();
    const index = lower.indexOf(needle);
    if (index < 0) return undefined;
    return isSameModelRemainder(lower.slice(index + needle.length));
  }
  if ("regex" in logic) return new RegExp(logic.regex).test(name) ? true : undefined;
  return undefined;
}

function segmentFor(card: RateCard, prompt: number) {
  let chosen = card.segments[0]!;
  for (const segment of card.segments) if (prompt > segment.above) chosen = segment;
  return chosen;
}

function dot(rates: Rates, usage: TokenBuckets): number {
  return (
    rates.input * usage.input +
    rates.output * usage.output +
    rates.cacheRead * usage.cacheRead +
    rates.cacheWrite5m * usage.cacheWrite5m +
    rates.cacheWrite1h * usage.cacheWrite1h
  );
}

/** Costs are stored to a tenth of a nano-dollar, so float noise never shows. */
export function roundUsd(value: number): number {
  return Math.round(value * 1e10) / 1e10;
}

export { displayModelName };
