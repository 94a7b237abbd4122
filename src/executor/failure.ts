/**
 * Why a run did not complete, as a small tagged set. Backends sort their own failures into
 * it (see `src/backends/<name>/failures.ts`); `retryable` drives the daemon's retries.
 */
export const FAILURE_CODES = [
  "auth",
  "rate_limited",
  "overloaded",
  "api_error",
  "network",
  "context_overflow",
  "max_turns",
  "budget",
  "permission_refused",
  "backend_missing",
  "backend_error",
  "no_result",
  "timeout",
  "inactivity_timeout",
  "cancelled",
  "internal",
] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];

export interface Failure {
  code: FailureCode;
  message: string;
}

const RETRYABLE: ReadonlySet<FailureCode> = new Set(["rate_limited", "overloaded", "api_error", "network"]);

export function isRetryable(code: FailureCode | string | null): boolean {
  return code !== null && RETRYABLE.has(code as FailureCode);
}
