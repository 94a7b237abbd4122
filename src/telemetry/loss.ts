import type { ExecutionMetrics } from "../executor/run-state.js";
import type { TelemetryStatus } from "../store/schema.js";

/** Worst first; `none_expected` (no model call by design) loses nothing. */
const STATUS_RANK: Record<TelemetryStatus, number> = { missing: 0, estimated: 1, partial: 2, reported: 3, none_expected: 3 };

export interface StoredTelemetry {
  tokens: number;
  status: TelemetryStatus;
  model: string | null;
}

/**
 * What stored telemetry knows that newly computed metrics would not: fewer tokens, a worse
 * status, a model no longer known. Whoever replaces stored telemetry (`pilot reparse`, the
 * recovery of an abandoned run from its recording) checks this first: a cut-down or lost
 * recording must not wipe numbers the row already holds.
 */
export function telemetryLosses(before: StoredTelemetry, after: ExecutionMetrics): string[] {
  const losses: string[] = [];
  if (after.usage.total < before.tokens) losses.push(`tokens ${before.tokens} -> ${after.usage.total}`);
  if (STATUS_RANK[after.telemetryStatus] < STATUS_RANK[before.status]) losses.push(`telemetry ${before.status} -> ${after.telemetryStatus}`);
  if (before.model !== null && after.modelName === null) losses.push(`model ${before.model} -> unknown`);
  return losses;
}
