import type { Logger } from "../util/logger.js";
import type { ExecutionMetrics, RunState } from "./run-state.js";

/**
 * Log lines that make telemetry gaps visible the moment they happen: unpriced models,
 * a backend cost that disagrees with ours, sources that contradict each other, lines that
 * could not be parsed, line types this version does not know.
 */
export function reportTelemetry(log: Logger, state: RunState, metrics: ExecutionMetrics, disagreementThreshold: number): void {
  for (const model of metrics.usage.unpricedModels) {
    log.warn({ model }, `no price for model ${model}: cost_usd stays null (add it under pricing.models in the config)`);
  }
  for (const warning of metrics.usage.warnings) log.warn({ telemetry: "conflict" }, warning);
  const ours = metrics.usage.costUsd;
  const theirs = metrics.costReportedUsd;
  if (ours !== null && theirs !== null && Math.max(ours, theirs) > 0) {
    const difference = Math.abs(ours - theirs) / Math.max(ours, theirs);
    if (difference > disagreementThreshold) {
      log.warn({ costUsd: ours, costReportedUsd: theirs, difference: Number(difference.toFixed(4)) }, "the backend's reported cost and pilot's computed cost disagree");
    }
  }
  if (state.parseErrorCount > 0) {
    log.warn({ parseErrors: state.parseErrorCount, first: state.parseErrors.slice(0, 3).map((e) => `${e.reason} at line ${e.line}`) }, "stream lines could not be used");
  }
  if (state.unknownTypes.size > 0) log.debug({ types: Object.fromEntries(state.unknownTypes) }, "stream line types this version ignores");
  if (metrics.telemetryStatus === "missing") log.warn("the backend produced no usage at all: telemetry missing");
  if (metrics.telemetryStatus === "estimated") {
    log.warn({ tokens: metrics.usage.total, model: metrics.modelName }, "the backend produced output but no usage: tokens estimated locally (a floor)");
  }
  if (metrics.telemetryStatus === "partial") log.warn({ tokens: metrics.usage.total }, "the run ended before the backend's final report: usage is per-call (partial)");
}
