import type { BackendEvent, ResultEvent } from "../backends/events.js";
import type { ModelSource, TelemetryStatus } from "../store/schema.js";
import { UsageAccumulator, type UsageSummary } from "../telemetry/accumulator.js";
import { toBuckets } from "../telemetry/convert.js";
import { OUTPUT_SAMPLE_CHARS, type OutputText } from "../telemetry/estimate.js";
import { resolveModel } from "../telemetry/model-resolution.js";
import type { PriceBook } from "../telemetry/pricing.js";
import { telemetryStatus } from "../telemetry/status.js";
import { totalTokens, type TokenBuckets } from "../telemetry/usage.js";

/**
 * Folds a run's normalised events into what the execution row needs. Used live by the
 * executor and offline by `pilot parse` / `pilot reparse`, so both see the same numbers.
 * Usage goes straight into the telemetry accumulator; nothing here adds tokens.
 */

export interface RunStateOptions {
  prices: PriceBook;
  requested: { model: string; source: "requested" | "config" } | null;
  backendDefaultModel: string | null;
  /** Cumulative counters before this run, by thread (see the accumulator). */
  baselines?: Record<string, TokenBuckets>;
  /** The CLI's version as known before the stream says (its npm package). */
  cliVersion?: string | null;
  noneExpected?: boolean;
}

/** Everything SaveExecutionMetrics writes about telemetry. */
export interface ExecutionMetrics {
  usage: UsageSummary;
  modelName: string | null;
  modelSource: ModelSource | null;
  telemetryStatus: TelemetryStatus;
  costReportedUsd: number | null;
  numTurns: number | null;
  sessionId: string | null;
  cliVersion: string | null;
  resultText: string | null;
  parseErrors: number;
}

export interface LiveProgress {
  calls: number;
  tokens: number;
  costUsd: number | null;
  model: string | null;
}

export class RunState {
  readonly accumulator: UsageAccumulator;
  readonly #options: RunStateOptions;
  sessionId: string | null = null;
  cliVersion: string | null = null;
  /** What the CLI said it would use (Claude's init line). */
  cliConfiguredModel: string | null = null;
  /** Served model names in order of first appearance. */
  readonly servedModels: string[] = [];
  result: ResultEvent | null = null;
  readonly errors: Extract<BackendEvent, { type: "error" }>[] = [];
  readonly retries: Extract<BackendEvent, { type: "retry" }>[] = [];
  readonly parseErrors: Extract<BackendEvent, { type: "parse_error" }>[] = [];
  parseErrorCount = 0;
  readonly unknownTypes = new Map<string, number>();
  toolCalls = 0;
  lastText: string | null = null;
  /** Output text, kept (up to a cap) only for estimating a run that reports no usage. */
  readonly output: OutputText = { chars: 0, sample: "" };
  /** Completed model calls (a call's final output count is known). */
  completedCalls = 0;

  constructor(options: RunStateOptions) {
    this.#options = options;
    this.cliVersion = options.cliVersion ?? null;
    this.accumulator = new UsageAccumulator(options.prices, options.baselines ?? {});
  }

  apply(event: BackendEvent): void {
    switch (event.type) {
      case "usage":
        this.accumulator.add({
          scope: event.scope,
          id: event.id,
          model: event.model,
          buckets: toBuckets(event.usage),
          thread: event.thread ?? null,
          costReportedUsd: event.costReportedUsd ?? null,
        });
        if (event.scope === "call" && event.complete) this.completedCalls += 1;
        return;
      case "model":
        if (event.role === "configured") this.cliConfiguredModel = event.model;
        else if (!this.servedModels.includes(event.model)) this.servedModels.push(event.model);
        return;
      case "session":
        this.sessionId = event.sessionId;
        this.cliVersion = event.cliVersion ?? this.cliVersion;
        return;
      case "text":
        this.lastText = event.text;
        this.output.chars += event.text.length;
        if (this.output.sample.length < OUTPUT_SAMPLE_CHARS) this.output.sample += event.text.slice(0, OUTPUT_SAMPLE_CHARS - this.output.sample.length);
        return;
      case "tool_call":
        this.toolCalls += 1;
        return;
      case "retry":
        this.retries.push(event);
        return;
      case "error":
        this.errors.push(event);
        return;
      case "result":
        this.result = event;
        if (event.sessionId) this.sessionId = event.sessionId;
        return;
      case "parse_error":
        this.parseErrorCount += 1;
        // Keep the first few for the log; the count is what is stored.
        if (this.parseErrors.length < 20) this.parseErrors.push(event);
        return;
      case "unknown":
        this.unknownTypes.set(event.name, (this.unknownTypes.get(event.name) ?? 0) + 1);
        return;
    }
  }

  /** The model usage is attributed to when samples do not say (and the fallback for the name). */
  #intendedModel(): string | null {
    return this.cliConfiguredModel ?? this.#options.requested?.model ?? this.#options.backendDefaultModel;
  }

  live(): LiveProgress {
    const summary = this.accumulator.summary(this.#intendedModel());
    return { calls: Math.max(this.completedCalls, summary.calls), tokens: summary.total, costUsd: summary.costUsd, model: summary.perModel[0]?.model ?? null };
  }

  /** True when the run produced output but no usage at all: its tokens must be estimated. */
  needsEstimate(): boolean {
    return !this.#options.noneExpected && !this.accumulator.hasUsage && this.result === null && this.output.chars > 0;
  }

  /**
   * The telemetry to store. `estimate` (see telemetry/estimate.ts) is used only when
   * `needsEstimate()`; such a run is `estimated`, never `reported`.
   */
  metrics(estimate: TokenBuckets | null = null): ExecutionMetrics {
    const estimated = estimate !== null && this.needsEstimate();
    let usage = this.accumulator.summary(this.#intendedModel());
    if (estimated) {
      const local = new UsageAccumulator(this.#options.prices);
      local.add({ scope: "call", id: "estimate", model: this.servedModels[0] ?? this.#intendedModel(), buckets: estimate });
      usage = local.summary(this.#intendedModel());
    }
    // An estimate is not a served model.
    const served = estimated ? [] : usage.perModel.filter((m) => m.named).map((m) => ({ model: m.model, tokens: totalTokens(m.tokens) }));
    for (const name of this.servedModels) if (!served.some((s) => s.model === name)) served.push({ model: name, tokens: 0 });
    const model = resolveModel({
      served,
      requested: this.#options.requested,
      cliConfigured: this.cliConfiguredModel,
      backendDefault: this.#options.backendDefaultModel,
    });
    const status = telemetryStatus({
      noneExpected: this.#options.noneExpected ?? false,
      finalReport: this.result !== null && this.result.usageIncomplete !== true,
      hasUsage: this.accumulator.hasUsage,
      estimated,
    });
    return {
      usage,
      modelName: model.model,
      modelSource: model.source,
      telemetryStatus: status,
      costReportedUsd: this.result?.costReportedUsd ?? usage.costReportedUsd,
      numTurns: this.result?.numTurns ?? (usage.calls > 0 ? usage.calls : null),
      sessionId: this.sessionId,
      cliVersion: this.cliVersion,
      resultText: this.result?.text ?? this.lastText,
      parseErrors: this.parseErrorCount,
    };
  }
}
