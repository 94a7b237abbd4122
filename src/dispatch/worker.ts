import { statSync } from "node:fs";
import { getBackend } from "../backends/registry.js";
import type { PilotPaths } from "../config/paths.js";
import type { PilotConfig } from "../config/schema.js";
import { runExecution, RUNNER, type RunExecutionResult } from "../executor/run-execution.js";
import type { Simulator } from "../sim/server.js";
import { retryWhileBusy, type Db } from "../store/db.js";
import { settleClaim, type Claim } from "../store/queue.js";
import { saveExecutionMetrics } from "../store/save-execution-metrics.js";
import type { ExecutionId, NewExecutionRow, QueueRow } from "../store/schema.js";
import { RunState } from "../executor/run-state.js";
import { loadPriceTable, PriceBook } from "../telemetry/pricing.js";
import type { Logger } from "../util/logger.js";
import { settlementFor } from "./settle.js";
import { taskPayloadSchema } from "./task-payload.js";

/** One claimed queue item, run to its settled end. */

export interface WorkerContext {
  db: Db;
  config: PilotConfig;
  paths: PilotPaths;
  logger: Logger;
  /** The lease owner id of this daemon. */
  owner: string;
  simulator: Simulator | null;
  env: NodeJS.ProcessEnv;
  now: () => number;
}

/** The execution row a claim inserts for its attempt (in the claim's transaction). */
export function executionRowFor(item: QueueRow, attempt: number, id: ExecutionId, config: PilotConfig, now: number): NewExecutionRow {
  const backendMode = (() => {
    try {
      return getBackend(item.backend).mode(config);
    } catch {
      return "unknown";
    }
  })();
  return {
    id,
    queue_item_id: item.id,
    attempt,
    task_ref: item.task_ref,
    task_source: item.task_source,
    task_title: item.task_title,
    project: item.project,
    backend: item.backend,
    mode: backendMode,
    sim: item.sim,
    status: "running",
    runner: RUNNER,
    created_at: now,
    started_at: now,
    updated_at: now,
    model_requested: item.model,
  };
}

export async function runClaim(ctx: WorkerContext, claim: Claim, signal: AbortSignal): Promise<RunExecutionResult | null> {
  const { item } = claim;
  const log = ctx.logger.child({ queueItemId: item.id, executionId: claim.executionId, taskRef: item.task_ref, backend: item.backend });
  const payload = taskPayloadSchema.safeParse(item.payload);
  if (!payload.success) return failClaim(ctx, claim, "bad_task", `queue item ${item.id} has an unreadable payload: ${payload.error.issues[0]?.message ?? "invalid"}`, log);
  if (!isDirectory(item.project)) return failClaim(ctx, claim, "bad_task", `project directory ${item.project} does not exist`, log);
  let backend;
  try {
    backend = getBackend(item.backend);
  } catch (error) {
    return failClaim(ctx, claim, "bad_task", (error as Error).message, log);
  }
  const p = payload.data;
  return runExecution({
    db: ctx.db,
    config: ctx.config,
    paths: ctx.paths,
    logger: ctx.logger.child({ queueItemId: item.id }),
    task: p.task,
    backend,
    projectDir: item.project,
    model: p.model,
    timeoutS: p.timeout_s ?? ctx.config.limits.task_timeout_s,
    inactivityTimeoutS: ctx.config.limits.inactivity_timeout_s,
    budget: p.budget,
    sim: ctx.simulator ? { scenario: p.sim_scenario ?? "ok", simulator: ctx.simulator } : null,
    signal,
    env: ctx.env,
    now: ctx.now,
    executionId: claim.executionId,
    finalize: (tx, end) => {
      const settlement = settlementFor(end.outcome, end.termination, item, ctx.config.dispatch, end.finishedAt);
      const held = settleClaim(tx, item.id, ctx.owner, settlement, { code: end.outcome.failure?.code ?? null, message: end.outcome.failure?.message ?? null }, end.finishedAt);
      if (!held) log.warn("the lease was no longer this daemon's; the queue item is left to its new owner");
      else log.info({ state: settlement.state, ...(settlement.state === "queued" ? { availableAt: new Date(settlement.availableAt).toISOString() } : {}) }, "queue item settled");
    },
  });
}

/** A claim that cannot run at all: its execution fails and the item is dead, in one transaction. */
async function failClaim(ctx: WorkerContext, claim: Claim, code: string, message: string, log: Logger): Promise<null> {
  await loadPriceTable();
  const now = ctx.now();
  const metrics = new RunState({ prices: new PriceBook(), requested: null, backendDefaultModel: null }).metrics();
  await retryWhileBusy(
    () =>
      saveExecutionMetrics(ctx.db, claim.executionId, metrics, { status: "failed", errorCode: code, error: message, exitCode: null, finishedAt: now, durationMs: 0 }, (tx) =>
        settleClaim(tx, claim.item.id, ctx.owner, { state: "dead" }, { code, message }, now),
      ),
    (attempt) => log.warn({ attempt }, "the database is busy; trying again to save the outcome"),
  );
  log.error({ code }, message);
  return null;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
