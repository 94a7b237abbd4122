import type { Backend, FailureEvidence } from "../backends/backend.js";
import type { ExecutionStatus } from "../store/schema.js";
import type { Failure } from "./failure.js";
import type { ProcessExit } from "./process.js";
import { spawnErrorCode } from "./process.js";

/**
 * How a run ended, decided once from everything known: why pilot stopped it (first reason
 * wins), whether the process started, and what the backend itself reported.
 */
export type TerminationReason = "timeout" | "inactivity" | "SIGINT" | "SIGTERM" | "cancel" | "budget" | "internal";

export interface RunOutcome {
  status: Exclude<ExecutionStatus, "running" | "interrupted">;
  failure: Failure | null;
  /** `pilot run`'s exit code for this outcome (see DESIGN.md, Statuses and exit codes). */
  exitCode: number;
}

export interface OutcomeInput {
  backend: Backend;
  termination: TerminationReason | undefined;
  /** Message for pilot-side terminations (timeout length, budget crossed, internal error). */
  terminationMessage: string | null;
  exit: ProcessExit | null;
  /** The configured binary, and whether it was found before spawning. */
  binaryName: string;
  binaryFound: boolean;
  evidence: FailureEvidence;
}

export function decideOutcome(input: OutcomeInput): RunOutcome {
  const { termination } = input;
  const message = input.terminationMessage;
  if (termination === "timeout") return failedAs("timed_out", { code: "timeout", message: message ?? "total timeout reached" });
  if (termination === "inactivity") return failedAs("timed_out", { code: "inactivity_timeout", message: message ?? "no output from the backend" });
  if (termination === "SIGINT" || termination === "SIGTERM" || termination === "cancel") {
    return failedAs("cancelled", { code: "cancelled", message: message ?? `cancelled (${termination})` }, termination === "SIGTERM" ? 143 : 130);
  }
  if (termination === "budget") return failedAs("failed", { code: "budget", message: message ?? "budget exceeded" });
  if (termination === "internal") return failedAs("failed", { code: "internal", message: message ?? "internal error" });
  if (!input.binaryFound) {
    return failedAs("failed", {
      code: "backend_missing",
      message: `${input.backend.name}: binary ${JSON.stringify(input.binaryName)} not found (config key ${input.backend.binaryConfigKey})`,
    });
  }
  const spawnError = input.exit?.spawnError ?? null;
  if (spawnError) {
    const code = spawnErrorCode(spawnError);
    return failedAs("failed", {
      code: code === "ENOENT" ? "backend_missing" : "backend_error",
      message: `${input.backend.name}: cannot start ${JSON.stringify(input.binaryName)} (${code ?? spawnError.message}; config key ${input.backend.binaryConfigKey})`,
    });
  }
  const failure = input.backend.classifyFailure(input.evidence);
  if (!failure) return { status: "completed", failure: null, exitCode: 0 };
  return failedAs("failed", failure);
}

function failedAs(status: RunOutcome["status"], failure: Failure, exitCode?: number): RunOutcome {
  return { status, failure, exitCode: exitCode ?? exitCodeFor(status, failure.code) };
}

export function exitCodeFor(status: RunOutcome["status"], code: string | null): number {
  switch (status) {
    case "completed":
      return 0;
    case "timed_out":
      return 75;
    case "cancelled":
      return 130;
    case "failed":
      if (code === "budget" || code === "max_turns") return 3;
      if (code === "backend_missing") return 69;
      return 1;
  }
}
