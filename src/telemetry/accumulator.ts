import { displayModelName } from "./model-name.js";
import { roundUsd, type PriceBook } from "./pricing.js";
import {
  addInto,
  clampedDifference,
  fitsWithin,
  maxBuckets,
  subtractFrom,
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
  /** A sample named this model (false: the usage was attributed to the fallback model). */
  named: boolean;
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
  /** Owned by the record and updated in place as snapshots of the call arrive. */
  buckets: TokenBuckets;
  /** This call priced in the tier of its own prompt; null when its model is unknown or unpriced. */
  cost: number | null;
  /** The backend's own cost for the call (OpenCode's step cost), if it gives one. */
  reported: number | null;
}

/** Running per-model sums of the calls, so a summary costs O(models), not O(calls). */
interface ModelCalls {
  sum: TokenBuckets;
  count: number;
  /** Sum of the priced calls' costs, and how many calls could not be priced. */
  cost: number;
  unpriced: number;
  /** Sum of the backend's reported costs, and how many calls had one. */
  reported: number;
  reportedCalls: number;
  /** Calls without a model name: priced at summary time, as the fallback model. */
  unattributed: CallRecord[];
}

interface Reported {
  buckets: TokenBuckets;
  cost: number | null;
}

const NULL_MODEL = "\u0000unattributed";

export class UsageAccumulator {
  readonly #prices: PriceBook;
  readonly #calls = new Map<string, CallRecord>();
  readonly #callsByModel = new Map<string, ModelCalls>();
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
    const record = this.#calls.get(id);
    if (!record) {
      const fresh: CallRecord = { model, buckets: { ...sample.buckets }, cost: null, reported: sample.costReportedUsd ?? null };
      this.#calls.set(id, fresh);
      this.#count(fresh, +1);
      return;
    }
    // Another snapshot of the same call: merge by maximum, never add.
    const b = record.buckets;
    const n = sample.buckets;
    const grows =
      n.input > b.input || n.output > b.output || n.cacheRead > b.cacheRead || n.cacheWrite5m > b.cacheWrite5m || n.cacheWrite1h > b.cacheWrite1h || n.reasoning > b.reasoning;
    const named = record.model === null && model !== null;
    const reported = sample.costReportedUsd ?? null;
    const repriced = reported !== null && reported !== record.reported;
    if (!grows && !named && !repriced) return;
    this.#count(record, -1);
    if (repriced) record.reported = reported;
    if (grows) {
      b.input = Math.max(b.input, n.input);
      b.output = Math.max(b.output, n.output);
      b.cacheRead = Math.max(b.cacheRead, n.cacheRead);
      b.cacheWrite5m = Math.max(b.cacheWrite5m, n.cacheWrite5m);
      b.cacheWrite1h = Math.max(b.cacheWrite1h, n.cacheWrite1h);
      b.reasoning = Math.max(b.reasoning, n.reasoning);
    }
    if (named) record.model = model;
    this.#count(record, +1);
  }

  /** Adds (+1) or removes (-1) a call's contribution to its model's running sums. */
  #count(record: CallRecord, sign: 1 | -1): void {
    const key = record.model ?? NULL_MODEL;
    let entry = this.#callsByModel.get(key);
    if (!entry) {
      entry = { sum: zeroBuckets(), count: 0, cost: 0, unpriced: 0, reported: 0, reportedCalls: 0, unattributed: [] };
      this.#callsByModel.set(key, entry);
    }
    if (sign === 1) {
      // Priced per snapshot, in the tier of the call's own prompt.
      record.cost = record.model === null ? null : this.#prices.priceCall(record.model, record.buckets);
      addInto(entry.sum, record.buckets);
      if (record.model === null) entry.unattributed.push(record);
    } else {
      subtractFrom(entry.sum, record.buckets);
      if (record.model === null) entry.unattributed.splice(entry.unattributed.indexOf(record), 1);
    }
    entry.count += sign;
    if (record.cost === null) entry.unpriced += sign;
    else entry.cost += sign * record.cost;
    if (record.reported !== null) {
      entry.reported += sign * record.reported;
      entry.reportedCalls += sign;
    }
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
    // A counter only grows, so the sample with the largest total is the latest. (Not a
    // bucket-wise maximum: fresh input is derived, prompt minus cached, and can shrink.)
    const keepPrevious = previous !== undefined && totalTokens(previous.latest) >= totalTokens(sample.buckets);
    const latest = keepPrevious ? previous.latest : { ...sample.buckets };
    const sampleModel = sample.model === null ? null : displayModelName(sample.model);
    const model = keepPrevious ? (previous.model ?? sampleModel) : (sampleModel ?? previous?.model ?? null);
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

    // Per-model call sums; calls without a model join the fallback model's, priced as it.
    const calls = new Map<string, { sum: TokenBuckets; count: number; cost: number | null; reported: number | null; named: boolean }>();
    for (const [key, entry] of this.#callsByModel) {
      if (entry.count === 0) continue;
      const model = resolve(key);
      const known = calls.get(model) ?? { sum: zeroBuckets(), count: 0, cost: 0, reported: null, named: false };
      let cost = known.cost === null || entry.unpriced > entry.unattributed.length ? null : known.cost + entry.cost;
      for (const record of entry.unattributed) {
        const priced = model === NULL_MODEL ? null : this.#prices.priceCall(model, record.buckets);
        cost = cost === null || priced === null ? null : cost + priced;
      }
      const reported = entry.reportedCalls > 0 ? (known.reported ?? 0) + entry.reported : known.reported;
      calls.set(model, { sum: addInto({ ...known.sum }, entry.sum), count: known.count + entry.count, cost, reported, named: known.named || key !== NULL_MODEL });
    }
    // Models some sample named (the rest only got the fallback's name).
    const named = new Set<string>([...calls].filter(([, c]) => c.named).map(([model]) => model));
    const finals = new Map<string, Reported>();
    for (const [key, reported] of this.#finals) {
      if (key !== NULL_MODEL) named.add(key);
      // An unattributed report and one naming the fallback model are the same report.
      const known = finals.get(resolve(key));
      finals.set(resolve(key), known ? { buckets: maxBuckets(known.buckets, reported.buckets), cost: known.cost ?? reported.cost } : reported);
    }
    const cumulative = new Map<string, TokenBuckets>();
    for (const [thread, entry] of this.#cumulative) {
      const key = resolve(entry.model ?? NULL_MODEL);
      if (entry.model !== null) named.add(key);
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
      if (chosen.scope === "call" && callEntry && callEntry.reported !== null) reportedCost = (reportedCost ?? 0) + callEntry.reported;
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
        named: named.has(model),
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
    calls: { sum: TokenBuckets; cost: number | null } | undefined,
  ): { cost: number | null; source: CostSource; pricedAs: string | null } {
    if (totalTokens(buckets) === 0) return { cost: 0, source: "computed", pricedAs: null };
    const card = model === NULL_MODEL ? null : this.#prices.card(model);
    if (!card) return { cost: null, source: "unpriced", pricedAs: null };
    const priced = (cost: number | null) => ({ cost, source: card.source as CostSource, pricedAs: card.pricedAs });
    if (scope === "call") return priced(calls ? calls.cost : 0);
    // A higher source's report: its calls seen one by one keep their own tiers, the rest is
    // priced at the base tier.
    if (calls && calls.cost !== null && fitsWithin(calls.sum, buckets)) {
      return priced(calls.cost + (this.#prices.priceAggregate(model, clampedDifference(buckets, calls.sum)) ?? 0));
    }
    return priced(this.#prices.priceAggregate(model, buckets));
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
