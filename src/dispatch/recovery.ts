import { createReadStream, existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { eq, lt, and } from "drizzle-orm";
import { getBackend } from "../backends/registry.js";
import type { PilotPaths } from "../config/paths.js";
import type { PilotConfig } from "../config/schema.js";
import { signalGroup } from "../executor/process.js";
import { RecordingWriter } from "../executor/recording.js";
import { replayInput } from "../executor/replay.js";
import { RunState, type ExecutionMetrics } from "../executor/run-state.js";
import type { Db } from "../store/db.js";
import { releaseAbandoned } from "../store/queue.js";
import { saveExecutionMetrics } from "../store/save-execution-metrics.js";
import { executions, queue, type ExecutionRow } from "../store/schema.js";
import { telemetryLosses } from "../telemetry/loss.js";
import { loadPriceTable, PriceBook } from "../telemetry/pricing.js";
import { coerceError } from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import { groupRuns, isAbandoned, runnerAlive } from "./runner-liveness.js";
import { retryDelayMs } from "./settle.js";

/**
 * Executions left `running` by a pilot that is gone (killed, crashed, its machine rebooted)
 * become `interrupted`: their leftover CLI processes are stopped, their usage is recovered
 * from their recording (`partial`, or `reported` if the CLI had finished), and their queue
 * item is put back while attempts remain. A run whose pilot is alive is never touched;
 * on another host only a heartbeat older than `dispatch.stale_after_s` makes a run abandoned.
 */

export interface RecoveryContext {
  db: Db;
  config: PilotConfig;
  paths: PilotPaths;
  logger: Logger;
  now: () => number;
  /** The daemon's environment (where a backend's own files are, e.g. CODEX_HOME). */
  env?: NodeJS.ProcessEnv;
}

export async function recoverAbandoned(ctx: RecoveryContext): Promise<string[]> {
  const now = ctx.now();
  const staleMs = ctx.config.dispatch.stale_after_s * 1000;
  const running = ctx.db.select().from(executions).where(eq(executions.status, "running")).all();
  const recovered: string[] = [];
  for (const row of running) {
    if (!isAbandoned(row, now, staleMs)) continue;
    try {
      await interrupt(ctx, row);
      recovered.push(row.id);
    } catch (error) {
      ctx.logger.error({ err: coerceError(error), executionId: row.id }, "cannot recover an abandoned execution");
    }
  }
  // Leases of a dead owner whose execution is already settled (nothing left running for them).
  for (const item of ctx.db.select().from(queue).where(and(eq(queue.state, "leased"), lt(queue.lease_expires_at, now))).all()) {
    if (runnerAlive(item.lease_owner) === true) continue;
    const execution = item.last_execution_id ? ctx.db.select({ status: executions.status }).from(executions).where(eq(executions.id, item.last_execution_id)).get() : undefined;
    if (execution?.status === "running") continue;
    ctx.db.transaction((tx) => releaseAbandoned(tx, item, now, now + retryDelayMs(item.attempts, ctx.config.dispatch)), { behavior: "immediate" });
    ctx.logger.warn({ queueItemId: item.id, owner: item.lease_owner }, "released the expired lease of a dead worker");
  }
  return recovered;
}

async function interrupt(ctx: RecoveryContext, row: ExecutionRow): Promise<void> {
  const now = ctx.now();
  const log = ctx.logger.child({ executionId: row.id, taskRef: row.task_ref, backend: row.backend });
  const backend = getBackendOrNull(row.backend);
  // The CLI may outlive the pilot that started it.
  const binary = backend?.binary(ctx.config) ?? null;
  if (row.pgid !== null && binary !== null && runnerAlive(row.runner) === false && groupRuns(row.pgid, binary)) {
    signalGroup(row.pgid, "SIGKILL");
    log.warn({ pgid: row.pgid }, "stopped the leftover processes of an abandoned run");
  }
  const recovered = await recoveredMetrics(ctx, row);
  // The row's in-flight snapshot may know more than a recording that is missing or cut short.
  const losses = telemetryLosses({ tokens: row.tokens_total, status: row.telemetry_status, model: row.model_name }, recovered);
  if (losses.length > 0) log.warn({ losses }, "the recording has less than the row's in-flight numbers; kept those");
  const metrics = losses.length > 0 ? null : recovered;
  await saveExecutionMetrics(
    ctx.db,
    row.id,
    metrics,
    {
      status: "interrupted",
      errorCode: "interrupted",
      error: `the pilot process running it (${row.runner ?? "unknown"}) went away`,
      exitCode: null,
      finishedAt: now,
      durationMs: now - (row.started_at ?? row.created_at),
    },
    (tx) => {
      if (!row.queue_item_id) return;
      const item = tx.select().from(queue).where(eq(queue.id, row.queue_item_id as never)).get();
      if (item?.state !== "leased") return;
      const state = releaseAbandoned(tx, item, now, now + retryDelayMs(item.attempts, ctx.config.dispatch));
      log.warn({ queueItemId: item.id, state }, state === "queued" ? "requeued the task of an interrupted run" : "the task of an interrupted run has no attempts left");
    },
  );
  rmSync(join(ctx.paths.simDir, row.id), { recursive: true, force: true });
  log.warn(
    { telemetry: metrics?.telemetryStatus ?? row.telemetry_status, tokens: metrics?.usage.total ?? row.tokens_total },
    "an execution left running by a pilot that went away is now interrupted",
  );
}

/**
 * The usage in an abandoned run's recording, parsed with today's code. The side sources its
 * pilot never read (Codex's rollout: the usage of the requests that finished) are read now
 * and appended to the recording first, so a later `pilot reparse` finds them too.
 */
async function recoveredMetrics(ctx: RecoveryContext, row: ExecutionRow): Promise<ExecutionMetrics> {
  const prices = () => new PriceBook({ overrides: ctx.config.pricing.models, at: new Date(row.started_at ?? row.created_at) });
  if (row.recording_path && existsSync(row.recording_path)) {
    const path = row.recording_path;
    const replay = () => replayInput(createReadStream(path) as AsyncIterable<Buffer>, path, { prices, maxLineBytes: ctx.config.limits.max_line_bytes });
    try {
      const first = await replay();
      const backend = first.backend;
      // A recording with its `exit` record was finished by its pilot, side sources included.
      if (!backend.recoverSide || first.side.some((r) => r.pilot_side === "exit")) return first.metrics;
      const records = await backend.recoverSide({
        sessionId: first.state.sessionId,
        startedAt: row.started_at ?? row.created_at,
        simHome: row.sim ? join(ctx.paths.simDir, row.id, "home") : null,
        config: ctx.config,
        env: ctx.env ?? process.env,
      });
      if (records.length === 0) return first.metrics;
      const writer = RecordingWriter.append(path);
      try {
        for (const record of records) writer.side(record.pilot_side, record);
      } finally {
        writer.close();
      }
      return (await replay()).metrics;
    } catch (error) {
      ctx.logger.warn({ err: coerceError(error), executionId: row.id }, "cannot re-parse the recording of an abandoned run");
    }
  }
  await loadPriceTable();
  const backend = getBackendOrNull(row.backend);
  return new RunState({ prices: prices(), requested: null, backendDefaultModel: backend?.defaultModel ?? null, noneExpected: backend ? !backend.callsModel : false }).metrics();
}

function getBackendOrNull(name: string) {
  try {
    return getBackend(name);
  } catch {
    return null;
  }
}
