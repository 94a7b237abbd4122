import type { Db } from "../store/db.js";
import { executionHeartbeat } from "../store/executions.js";
import { saveExecutionSnapshot } from "../store/save-execution-metrics.js";
import type { ExecutionId } from "../store/schema.js";
import { coerceError } from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import type { TerminationReason } from "./outcome.js";
import type { RunState } from "./run-state.js";

/**
 * What watches a run while it goes: the total and inactivity timeouts, the per-task budget
 * (checked on every completed model call), `pilot cancel` requests (read from the row), the
 * heartbeat that tells a restarted daemon this run is alive, in-flight snapshots of usage
 * (each completed call, at most once a second) and the live progress line.
 */

export interface Budget {
  usd: number | null;
  tokens: number | null;
}

export interface WatchOptions {
  db: Db;
  id: ExecutionId;
  state: RunState;
  log: Logger;
  now: () => number;
  startedAt: number;
  timeoutS: number;
  inactivityTimeoutS: number;
  budget: Budget;
  stop: (reason: TerminationReason, message: string | null) => void;
  onProgress?: () => void;
}

const SNAPSHOT_INTERVAL_MS = 1_000;
const PROGRESS_INTERVAL_MS = 250;
const CANCEL_POLL_MS = 1_000;
const HEARTBEAT_MS = 10_000;

export interface RunWatch {
  /** Output arrived (inactivity is measured from the last byte). */
  activity(): void;
  /** A model call completed: snapshot the usage and check the budget. */
  callCompleted(): void;
  dispose(): void;
}

export function watchRun(o: WatchOptions): RunWatch {
  const timers: NodeJS.Timeout[] = [];
  let snapshotTimer: NodeJS.Timeout | null = null;
  let lastSnapshotAt = 0;
  let lastActivity = o.startedAt;
  let lastHeartbeat = o.startedAt;
  let warnedUnpriced = false;

  const writeSnapshot = () => {
    snapshotTimer = null;
    lastSnapshotAt = o.now();
    saveExecutionSnapshot(o.db, o.id, o.state.metrics(), lastSnapshotAt).catch((error: unknown) => o.log.error({ err: coerceError(error) }, "cannot write the in-flight snapshot"));
  };

  const checkBudget = () => {
    if (o.budget.usd === null && o.budget.tokens === null) return;
    const live = o.state.live();
    if (o.budget.tokens !== null && live.tokens > o.budget.tokens) {
      o.stop("budget", `token budget exceeded: ${live.tokens} tokens > ${o.budget.tokens}`);
      return;
    }
    if (o.budget.usd === null) return;
    if (live.costUsd === null) {
      if (!warnedUnpriced) o.log.warn({ budgetUsd: o.budget.usd }, "the USD budget cannot be enforced: a model of this run has no price");
      warnedUnpriced = true;
      return;
    }
    if (live.costUsd > o.budget.usd) o.stop("budget", `USD budget exceeded: $${live.costUsd.toFixed(6)} > $${o.budget.usd}`);
  };

  timers.push(setTimeout(() => o.stop("timeout", `total timeout of ${o.timeoutS}s reached`), o.timeoutS * 1000));
  const inactivityMs = o.inactivityTimeoutS * 1000;
  timers.push(
    setInterval(() => {
      if (o.now() - lastActivity >= inactivityMs) o.stop("inactivity", `no output from the backend for ${o.inactivityTimeoutS}s`);
    }, Math.min(1000, inactivityMs)),
  );
  timers.push(
    setInterval(() => {
      const beat = o.now() - lastHeartbeat >= HEARTBEAT_MS;
      if (beat) lastHeartbeat = o.now();
      executionHeartbeat(o.db, o.id, beat ? lastHeartbeat : null)
        .then((cancelRequested) => {
          if (cancelRequested) o.stop("cancel", "cancelled by pilot cancel");
        })
        .catch((error: unknown) => o.log.warn({ err: coerceError(error) }, "cannot check for a cancel request"));
    }, CANCEL_POLL_MS),
  );
  if (o.onProgress) timers.push(setInterval(o.onProgress, PROGRESS_INTERVAL_MS));
  for (const timer of timers) timer.unref();

  return {
    activity() {
      lastActivity = o.now();
    },
    callCompleted() {
      checkBudget();
      o.onProgress?.();
      // Every completed call is written to the row, at most once a second; the last is never dropped.
      if (snapshotTimer) return;
      const wait = lastSnapshotAt + SNAPSHOT_INTERVAL_MS - o.now();
      if (wait <= 0) writeSnapshot();
      else snapshotTimer = setTimeout(writeSnapshot, wait);
    },
    dispose() {
      for (const timer of timers) clearTimeout(timer);
      if (snapshotTimer) clearTimeout(snapshotTimer);
    },
  };
}
