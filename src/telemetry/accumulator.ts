import { displayModelName } from "./model-name.js";
import { roundUsd, type PriceBook } from "./pricing.js";
import {
  addInto,
  clampedDifference,
  fitsWithin,
  maxBuckets,
  sumBuckets,
  totalTokens,
  zeroBuckets,
  type TokenBuckets,
} from "./usage.js";

/**
 * The one place where usage samples become an execution's tokens and cost.
 *
 * Sources, by scope:
 * - `call`: one model call (Claude `message_start`/`message_delta`/`assistant` lines, an
 *   OpenCode step). Samples with the same identity are snapshots of one call: merged by
 *   bucket-wise maximum, never added.
 * - `cumulative`: a running counter (Codex `turn.completed`): the run's usage is the latest
 *   value minus the baseline (the thread's total before this run).
 * - `final`: the backend's own end-of-run report per model (Claude `result.modelUsage`).
 *
 * Precedence, per model: `final` > `cumulative` > `call`. The sources are never added
 * together. A model the higher source leaves out, or reports lower than its own per-call
 * samples (a known CLI failure: `result.usage` all zero), keeps its per-call numbers and a
 * warning is recorded, so usage can never silently drop to zero.
 */

export type UsageScope = "call" | "final" | "cumulative";

export interface UsageSample {
  scope: UsageScope;
  /** Identity of the call (message id, part id, request id); null: a call of its own. */
  id: string | null;
  /** Model as the backend printed it; null: not said (attributed to the execution's model). */
  model: string | null;
  buckets: TokenBuckets;
  /** For `cumulative`: which counter (e.g. a Codex thread id). */
  thread?: string | null;
  /** The backend's own cost estimate for this sample, if it gives one. */
  costReportedUsd?: number | null;
}

export type CostSource = "computed" | "override" | "unpriced";

export interface ModelUsage {
  model: string;
  tokens: TokenBuckets;
  costUsd: number | null;
  costSource: CostSource;
  /** The price-table entry the model was priced as. */
  pricedAs: string | null;
  source: UsageScope;
  calls: number;
}

export interface UsageSummary {
  perModel: ModelUsage[];
  tokens: TokenBuckets;
  total: number;
  /** Null when any model with usage could not be priced (never a guess, never 0). */
  costUsd: number | null;
  costSource: CostSource;
  costReportedUsd: number | null;
  /** The highest-precedence source that contributed; `none` when there was no usage at all. */
  source: UsageScope | "none";
  unpricedModels: string[];
  /** Number of distinct model calls seen. */
  calls: number;
  warnings: string[];
}

interface CallRecord {
  model: string | null;
  buckets: TokenBuckets;
  cost: number | null;
}

interface Reported {
  buckets: TokenBuckets;
  cost: number | null;
}

const NULL_MODEL = "\u0000unattributed";

export class UsageAccumulator {
  readonly #prices: PriceBook;
  readonly #calls = new Map<string, CallRecord>();
  readonly #finals = new Map<string, Reported>();
  readonly #cumulative = new Map<string, { model: string | null; latest: TokenBuckets }>();
  readonly #baselines = new Map<string, TokenBuckets>();
  #anonymous = 0;

  constructor(prices: PriceBook, baselines: Record<string, TokenBuckets> = {}) {
    this.#prices = prices;
    for (const [thread, buckets] of Object.entries(baselines)) this.#baselines.set(thread, { ...buckets });
  }

  add(sample: UsageSample): void {
    switch (sample.scope) {
      case "call":
        return this.#addCall(sample);
      case "final":
        return this.#addFinal(sample);
      case "cumulative":
        return this.#addCumulative(sample);
    }
  }

  /** The counter value a `cumulative` thread had before this run (e.g. a resumed Codex thread). */
  setBaseline(thread: string, buckets: TokenBuckets): void {
    this.#baselines.set(thread, { ...buckets });
  }

  /** The latest cumulative value per thread, to be stored as the next run's baseline. */
  cumulativeTotals(): Record<string, TokenBuckets> {
    const out: Record<string, TokenBuckets> = {};
    for (const [thread, entry] of this.#cumulative) out[thread] = { ...entry.latest };
    return out;
  }

  get hasUsage(): boolean {
    return this.#calls.size > 0 || this.#finals.size > 0 || this.#cumulative.size > 0;
  }

  #addCall(sample: UsageSample): void {
    const id = sample.id ?? `\u0000call-${++this.#anonymous}`;
    const model = sample.model === null ? null : displayModelName(sample.model);
    const previous = this.#calls.get(id);
    if (previous) {
      const merged = maxBuckets(previous.buckets, sample.buckets);
      const sameModel = model === null || model === previous.model;
      if (sameModel && totalTokens(merged) === totalTokens(previous.buckets) && merged.reasoning === previous.buckets.reasoning) return;
      this.#recordCall(id, previous.model ?? model, merged);
      return;
    }
    this.#recordCall(id, model, { ...sample.buckets });
  }

  #recordCall(id: string, model: string | null, buckets: TokenBuckets): void {
    // Priced once per snapshot of the call, in the tier of its own prompt.
    const cost = model === null ? null : this.#prices.priceCall(model, buckets);
    this.#calls.set(id, { model, buckets, cost });
  }

  #addFinal(sample: UsageSample): void {
    const key = sample.model === null ? NULL_MODEL : displayModelName(sample.model);
    const previous = this.#finals.get(key);
    // One report per model and run; a repeated one is the same report again, not more usage.
    const buckets = previous ? maxBuckets(previous.buckets, sample.buckets) : { ...sample.buckets };
    const cost = sample.costReportedUsd ?? previous?.cost ?? null;
    this.#finals.set(key, { buckets, cost });
  }

  #addCumulative(sample: UsageSample): void {
    const thread = sample.thread ?? "";
    const previous = this.#cumulative.get(thread);
    const latest = previous ? maxBuckets(previous.latest, sample.buckets) : { ...sample.buckets };
    const model = sample.model === null ? previous?.model ?? null : displayModelName(sample.model);
    this.#cumulative.set(thread, { model, latest });
  }

  /**
   * Totals, per-model rows and cost. `fallbackModel` names usage whose samples carried no
   * model (for example Codex, whose stream never says).
   */
  summary(fallbackModel: string | null = null): UsageSummary {
    const warnings: string[] = [];
    const fallbackKey = fallbackModel === null ? NULL_MODEL : displayModelName(fallbackModel);
    const resolve = (key: string) => (key === NULL_MODEL ? fallbackKey : key);

    const calls = new Map<string, { sum: TokenBuckets; count: number; ids: CallRecord[] }>();
    for (const record of this.#calls.values()) {
      const key = resolve(record.model ?? NULL_MODEL);
      let entry = calls.get(key);
      if (!entry) calls.set(key, (entry = { sum: zeroBuckets(), count: 0, ids: [] }));
      addInto(entry.sum, record.buckets);
      entry.count += 1;
      entry.ids.push(record);
    }
    const finals = new Map<string, Reported>();
    for (const [key, reported] of this.#finals) finals.set(resolve(key), reported);
    const cumulative = new Map<string, TokenBuckets>();
    for (const [thread, entry] of this.#cumulative) {
      const key = resolve(entry.model ?? NULL_MODEL);
      const delta = clampedDifference(entry.latest, this.#baselines.get(thread) ?? zeroBuckets());
      cumulative.set(key, addInto(cumulative.get(key) ?? zeroBuckets(), delta));
    }

    const models = new Set([...finals.keys(), ...cumulative.keys(), ...calls.keys()]);
    const perModel: ModelUsage[] = [];
    let reportedCost: number | null = null;
    let bestSource: UsageScope | "none" = "none";
    for (const model of models) {
      const callEntry = calls.get(model);
      const callSum = callEntry?.sum ?? zeroBuckets();
      const reported = finals.get(model);
      const upper: { scope: UsageScope; buckets: TokenBuckets } | undefined = reported
        ? { scope: "final", buckets: refineCacheSplit(reported.buckets, callSum) }
        : cumulative.has(model)
          ? { scope: "cumulative", buckets: cumulative.get(model)! }
          : undefined;

      let chosen: { scope: UsageScope; buckets: TokenBuckets };
      if (upper && totalTokens(upper.buckets) >= totalTokens(callSum)) {
        chosen = upper;
      } else {
        if (upper) {
          warnings.push(
            `${model}: the ${upper.scope} report (${totalTokens(upper.buckets)} tokens) is lower than the per-call usage (${totalTokens(callSum)} tokens); keeping the per-call numbers`,
          );
        }
        chosen = { scope: "call", buckets: callSum };
      }
      if (chosen.scope === "final" && reported && reported.cost !== null) reportedCost = (reportedCost ?? 0) + reported.cost;
      bestSource = higherSource(bestSource, chosen.scope);

      const priced = this.#price(model, chosen.scope, chosen.buckets, callEntry);
      perModel.push({
        model: model === NULL_MODEL ? "unknown" : model,
        tokens: chosen.buckets,
        costUsd: priced.cost === null ? null : roundUsd(priced.cost),
        costSource: priced.source,
        pricedAs: priced.pricedAs,
        source: chosen.scope,
        calls: callEntry?.count ?? 0,
      });
    }

    perModel.sort((a, b) => totalTokens(b.tokens) - totalTokens(a.tokens) || a.model.localeCompare(b.model));
    const tokens = sumBuckets(perModel.map((m) => m.tokens));
    const unpricedModels = perModel.filter((m) => m.costSource === "unpriced").map((m) => m.model);
    const costUsd = unpricedModels.length > 0 ? null : roundUsd(perModel.reduce((sum, m) => sum + (m.costUsd ?? 0), 0));
    const costSource: CostSource =
      unpricedModels.length > 0 ? "unpriced" : perModel.some((m) => m.costSource === "override") ? "override" : "computed";
    return {
      perModel,
      tokens,
      total: totalTokens(tokens),
      costUsd,
      costSource,
      costReportedUsd: reportedCost === null ? null : roundUsd(reportedCost),
      source: bestSource,
      unpricedModels,
      calls: this.#calls.size,
      warnings,
    };
  }

  /**
   * Prices one model's chosen usage. Per-call numbers are priced call by call (each in its
   * own tier); what a higher source reports beyond them is priced at the base tier.
   */
  #price(
    model: string,
    scope: UsageScope,
    buckets: TokenBuckets,
    callEntry: { sum: TokenBuckets; ids: CallRecord[] } | undefined,
  ): { cost: number | null; source: CostSource; pricedAs: string | null } {
    if (totalTokens(buckets) === 0) return { cost: 0, source: "computed", pricedAs: null };
    const card = model === NULL_MODEL ? null : this.#prices.card(model);
    if (!card) return { cost: null, source: "unpriced", pricedAs: null };
    const source: CostSource = card.source;
    const callCosts = (records: CallRecord[]) =>
      records.reduce((sum, record) => sum + (record.model === model && record.cost !== null ? record.cost : (this.#prices.priceCall(model, record.buckets) ?? 0)), 0);

    if (scope === "call") return { cost: callCosts(callEntry?.ids ?? []), source, pricedAs: card.pricedAs };
    if (callEntry && fitsWithin(callEntry.sum, buckets)) {
      const rest = clampedDifference(buckets, callEntry.sum);
      return { cost: callCosts(callEntry.ids) + (this.#prices.priceAggregate(model, rest) ?? 0), source, pricedAs: card.pricedAs };
    }
    return { cost: this.#prices.priceAggregate(model, buckets), source, pricedAs: card.pricedAs };
  }
}

/**
 * A final report without a 5m/1h split (Claude's `modelUsage`) counts cache writes as 5m;
 * per-call samples of the same model may know better. Take their 1h share, bounded by the
 * report's total writes.
 */
function refineCacheSplit(reported: TokenBuckets, calls: TokenBuckets): TokenBuckets {
  if (calls.cacheWrite1h <= reported.cacheWrite1h) return reported;
  const written = reported.cacheWrite5m + reported.cacheWrite1h;
  const oneHour = Math.min(written, calls.cacheWrite1h);
  return { ...reported, cacheWrite1h: oneHour, cacheWrite5m: written - oneHour };
}

const SOURCE_RANK: Record<UsageScope | "none", number> = { none: 0, call: 1, cumulative: 2, final: 3 };

function higherSource(a: UsageScope | "none", b: UsageScope | "none"): UsageScope | "none" {
  return SOURCE_RANK[b] > SOURCE_RANK[a] ? b : a;
}
