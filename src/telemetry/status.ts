import type { TelemetryStatus } from "../store/schema.js";

/**
 * How much to trust an execution's usage numbers:
 * - `none_expected`: the execution by design called no model;
 * - `reported`: the backend's own end-of-run numbers (even when they are zero);
 * - `partial`: per-call numbers only: the run ended before the backend's final report;
 * - `estimated`: no usage from the backend, counted locally from prompt and output text;
 * - `missing`: nothing at all.
 */
export interface TelemetryEvidence {
  noneExpected: boolean;
  /** The backend delivered its terminal report (Claude's `result` line). */
  finalReport: boolean;
  hasUsage: boolean;
  estimated: boolean;
}

export function telemetryStatus(e: TelemetryEvidence): TelemetryStatus {
  if (e.noneExpected) return "none_expected";
  if (e.finalReport) return "reported";
  if (e.hasUsage) return "partial";
  if (e.estimated) return "estimated";
  return "missing";
}
