import { randomBytes } from "node:crypto";
import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import type { PilotPaths } from "../config/paths.js";
import type { PilotConfig } from "../config/schema.js";
import { RUNNER } from "../executor/run-execution.js";
import { runHealthChecks } from "../health/checks.js";
import { startSimulator, type Simulator } from "../sim/server.js";
import type { Db } from "../store/db.js";
import { claimNext, renewLeases } from "../store/queue.js";
import type { ExecutionId, QueueItemId } from "../store/schema.js";
import { coerceError } from "../util/errors.js";
import { newId } from "../util/ids.js";
import type { Logger } from "../util/logger.js";
import { checkCaps } from "./caps.js";
import { takeInIssues } from "./intake.js";
import { recoverAbandoned } from "./recovery.js";
import { executionRowFor, runClaim, type WorkerContext } from "./worker.js";

/**
 * `pilot start`: the long-running dispatcher. At start it logs the health checks and
 * recovers runs a dead pilot left behind; then, until stopped, it claims due tasks (never two
 * in one project, at most `dispatch.concurrency` at once), renews the leases of its running
 * tasks, pauses while a daily or monthly USD cap is reached, takes in labelled GitHub issues,
 * and recovers abandoned runs of other daemons. Stopping (SIGTERM/SIGINT): no new claims;
 * running tasks get `dispatch.shutdown_grace_s`, then are stopped (their rows end
 * `cancelled` with their usage, their items go back to the queue without losing an attempt).
 */

export interface DaemonOptions {
  db: Db;
  config: PilotConfig;
  paths: PilotPaths;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  /** Run every task against one in-process loopback simulator. */
  sim: boolean;
  /** Project directory for GitHub intake (default: the daemon's working directory). */
  project: string;
  /** Aborted to stop the daemon gracefully. */
  stop: AbortSignal;
  /** Aborted to stop running tasks at once, without waiting for the grace period. */
  hurry?: AbortSignal;
  now?: () => number;
}

interface Running {
  controller: AbortController;
  done: Promise<void>;
  /** Every line about the run names its execution, task and backend. */
  log: Logger;
}

export async function runDaemon(o: DaemonOptions): Promise<void> {
  const now = o.now ?? Date.now;
  const { config, db } = o;
  const owner = `${RUNNER}:${randomBytes(3).toString("hex")}`;
  const log = o.logger.child({ module: "daemon", owner });
  log.info({ concurrency: config.dispatch.concurrency, sim: o.sim, database: o.paths.database }, "pilot daemon starting");

  for (const finding of await runHealthChecks({ db, config, paths: o.paths, env: o.env, now: now() })) {
    log[finding.level]({ check: finding.check, ...finding.fields }, finding.message);
  }
  const recoveryCtx = { db, config, paths: o.paths, logger: log, now, env: o.env };
  const recovered = await recoverAbandoned(recoveryCtx);
  if (recovered.length > 0) log.warn({ executions: recovered }, `recovered ${recovered.length} execution(s) left running by a pilot that went away`);

  const simulator: Simulator | null = o.sim ? await startSimulator() : null;
  const worker: WorkerContext = { db, config, paths: o.paths, logger: o.logger, owner, simulator, env: o.env, now };
  const running = new Map<QueueItemId, Running>();
  let wake: () => void = () => {};
  const leaseMs = config.dispatch.lease_s * 1000;
  let lastRenew = now();
  let lastIntake = 0;
  let lastRecovery = now();
  const pausedWindows = new Set<string>();
  let stopping = false;

  const start = (claim: Awaited<ReturnType<typeof claimNext>> & object) => {
    const controller = new AbortController();
    const runLog = log.child({ queueItemId: claim.item.id, executionId: claim.executionId, taskRef: claim.item.task_ref, backend: claim.item.backend });
    const done = runClaim(worker, claim, controller.signal)
      .then(() => undefined)
      .catch((error: unknown) => runLog.error({ err: coerceError(error) }, "a task ended inside pilot with an error"))
      .finally(() => {
        running.delete(claim.item.id);
        wake();
      });
    running.set(claim.item.id, { controller, done, log: runLog });
  };

  const tick = async () => {
    const t = now();
    if (running.size > 0 && t - lastRenew >= leaseMs / 3) {
      lastRenew = t;
      for (const lost of await renewLeases(db, owner, [...running.keys()], leaseMs, t)) {
        // Only a worker taken for dead loses its lease: stop the run, its item belongs to another now.
        const run = running.get(lost);
        (run?.log ?? log).error({ queueItemId: lost }, "lost the lease of a running task; stopping it");
        run?.controller.abort("cancel");
      }
    }
    if (stopping) return;
    while (running.size < config.dispatch.concurrency) {
      // Before every claim (an indexed sum): the spend of the runs just finished counts at once.
      const caps = await checkCaps(db, config.budgets, now());
      if (caps.reached) {
        const key = `${caps.reached.cap}:${caps.reached.windowStart}`;
        if (!pausedWindows.has(key)) {
          pausedWindows.add(key);
          const r = caps.reached;
          log.warn({ cap: r.cap, limitUsd: r.limitUsd, spentUsd: Number(r.spentUsd.toFixed(6)), until: new Date(r.until).toISOString() }, `${r.cap} budget reached: dispatch paused, queued tasks wait`);
        }
        break;
      }
      const executionId = newId("ex", t) as ExecutionId;
      const claim = await claimNext(db, { owner, sim: o.sim, leaseMs, clock: now, executionId, execution: (item, attempt, at) => executionRowFor(item, attempt, executionId, config, at) });
      if (!claim) break;
      log.info({ queueItemId: claim.item.id, executionId, taskRef: claim.item.task_ref, backend: claim.item.backend, attempt: claim.attempt, project: claim.item.project }, "claimed a task");
      start(claim);
    }
    if (config.github.intake && t - lastIntake >= config.github.poll_interval_s * 1000) {
      lastIntake = t;
      await takeInIssues({ db, config, logger: log, env: o.env, project: realProject(config.github.project ?? o.project), sim: o.sim, now }).catch((error: unknown) =>
        log.warn({ err: coerceError(error) }, "GitHub intake failed; trying again at the next interval"),
      );
    }
    if (t - lastRecovery >= (config.dispatch.stale_after_s * 1000) / 2) {
      lastRecovery = t;
      await recoverAbandoned(recoveryCtx);
    }
  };

  const stopAll = () => {
    for (const [id, run] of running) {
      run.log.warn({ queueItemId: id }, "stopping a running task for shutdown");
      run.controller.abort("SIGTERM");
    }
  };
  let graceTimer: NodeJS.Timeout | null = null;
  const onStop = () => {
    if (stopping) return;
    stopping = true;
    log.info({ running: running.size, graceSeconds: config.dispatch.shutdown_grace_s }, "stopping: no new claims; running tasks get their grace period");
    graceTimer = setTimeout(stopAll, config.dispatch.shutdown_grace_s * 1000);
    wake();
  };
  if (o.stop.aborted) onStop();
  o.stop.addEventListener("abort", onStop, { once: true });
  const onHurry = () => {
    onStop();
    stopAll();
  };
  o.hurry?.addEventListener("abort", onHurry, { once: true });

  try {
    while (!stopping || running.size > 0) {
      try {
        await tick();
      } catch (error) {
        log.error({ err: coerceError(error) }, "dispatch loop error; continuing");
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, config.dispatch.poll_interval_ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    if (graceTimer) clearTimeout(graceTimer);
    o.stop.removeEventListener("abort", onStop);
    o.hurry?.removeEventListener("abort", onHurry);
    await Promise.all([...running.values()].map((r) => r.done));
    await simulator?.close();
    log.info("pilot daemon stopped");
  }
}

/** A symlink and its target are one project; a path that does not exist stays as given (the run fails as a bad task). */
function realProject(dir: string): string {
  try {
    return realpathSync(resolve(dir));
  } catch {
    return resolve(dir);
  }
}
