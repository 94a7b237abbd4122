import type { PilotConfig } from "../config/schema.js";
import { isRetryable } from "../executor/failure.js";
import type { RunOutcome, TerminationReason } from "../executor/outcome.js";
import type { Settlement } from "../store/queue.js";
import type { QueueRow } from "../store/schema.js";

/**
 * What a finished attempt does to its queue item: done; retried later when the failure is
 * retryable (rate limit, overload, API error, network) and attempts remain; put back without
 * using up an attempt when the daemon's shutdown stopped it; otherwise dead (auth, budget,
 * bad task, timeouts) or cancelled.
 */
export function settlementFor(outcome: RunOutcome, termination: TerminationReason | undefined, item: QueueRow, dispatch: PilotConfig["dispatch"], now: number): Settlement {
  if (outcome.status === "completed") return { state: "done" };
  if (outcome.status === "cancelled") {
    if (termination === "SIGTERM" || termination === "SIGINT") return { state: "queued", availableAt: now, uncount: true };
    return { state: "cancelled" };
  }
  const code = outcome.failure?.code ?? null;
  if (outcome.status === "failed" && isRetryable(code) && item.attempts < item.max_attempts) {
    return { state: "queued", availableAt: now + retryDelayMs(item.attempts, dispatch) };
  }
  return { state: "dead" };
}

/** retry_base_s x 2^(attempts-1), at most retry_max_s. */
export function retryDelayMs(attempts: number, dispatch: PilotConfig["dispatch"]): number {
  const seconds = Math.min(dispatch.retry_base_s * 2 ** Math.max(0, attempts - 1), dispatch.retry_max_s);
  return Math.round(seconds * 1000);
}
