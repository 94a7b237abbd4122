import { and, eq, ne } from "drizzle-orm";
import type { ExecutionMetrics } from "../executor/run-state.js";
import { totalTokens, type TokenBuckets } from "../telemetry/usage.js";
import type { Db } from "./db.js";
import { executionModelUsage, executions, modelsSeen, threadUsage, type ExecutionId, type ExecutionStatus, type ModelUsageRow } from "./schema.js";

/**
 * SaveExecutionMetrics: the only writer of an execution's telemetry.
 * - `saveExecutionSnapshot`: in-flight totals while the run goes (only while `running`).
 * - `saveExecutionMetrics`: final status and all telemetry in one IMMEDIATE transaction,
 *   per-model rows replaced in the same transaction.
 */

export interface FinalOutcome {
  /** Backend threads' latest cumulative totals (saved with the outcome, for a later resume). */
  threadTotals?: { backend: string; totals: Record<string, TokenBuckets> };
  status: Exclude<ExecutionStatus, "running">;
  errorCode: string | null;
  error: string | null;
  exitCode: number | null;
  finishedAt: number;
  durationMs: number;
}

function tokenColumns(b: TokenBuckets) {
  return {
    tokens_input: b.input,
    tokens_output: b.output,
    tokens_cache_write_5m: b.cacheWrite5m,
    tokens_cache_write_1h: b.cacheWrite1h,
    tokens_cache_read: b.cacheRead,
    tokens_reasoning: b.reasoning,
    tokens_total: totalTokens(b),
  };
}

/** The execution columns that hold telemetry, from the run's metrics. */
export function metricColumns(m: ExecutionMetrics) {
  return {
    ...tokenColumns(m.usage.tokens),
    cost_usd: m.telemetryStatus === "missing" ? null : m.usage.costUsd,
    cost_source: m.telemetryStatus === "missing" ? null : m.usage.costSource,
    cost_reported_usd: m.costReportedUsd,
    model_name: m.modelName,
    model_source: m.modelSource,
    telemetry_status: m.telemetryStatus,
    num_turns: m.numTurns,
    session_id: m.sessionId,
    cli_version: m.cliVersion,
    result_text: m.resultText,
    parse_errors: m.parseErrors,
  };
}

/** The database or a transaction on it. */
export type Writer = Pick<Db, "insert" | "delete" | "update" | "select">;

/** The per-model rows of an execution, from the run's metrics. */
export function modelUsageRows(id: ExecutionId, m: ExecutionMetrics): ModelUsageRow[] {
  return m.usage.perModel.map((model) => ({
    execution_id: id,
    model: model.model,
    ...tokenColumns(model.tokens),
    cost_usd: model.costUsd,
    cost_source: model.costSource,
    priced_as: model.pricedAs,
    usage_source: model.source,
    calls: model.calls,
  }));
}

function replaceModelRows(db: Writer, id: ExecutionId, m: ExecutionMetrics): void {
  db.delete(executionModelUsage).where(eq(executionModelUsage.execution_id, id)).run();
  for (const row of modelUsageRows(id, m)) db.insert(executionModelUsage).values(row).run();
}

/** In-flight totals; a no-op once the row has a final status. Returns whether it wrote. */
export async function saveExecutionSnapshot(db: Db, id: ExecutionId, m: ExecutionMetrics, now: number): Promise<boolean> {
  return db.transaction(
    (tx) => {
      const result = tx
        .update(executions)
        .set({ ...metricColumns(m), updated_at: now })
        .where(and(eq(executions.id, id), eq(executions.status, "running")))
        .run();
      if (result.changes === 0) return false;
      replaceModelRows(tx, id, m);
      return true;
    },
    { behavior: "immediate" },
  );
}

/**
 * Final status and telemetry together: a reader never sees one without the other. `also`
 * runs in the same transaction (the daemon settles the execution's queue item there).
 * `m` null keeps the telemetry the row holds (a recovered run whose recording has less than
 * its in-flight snapshot).
 */
export async function saveExecutionMetrics(db: Db, id: ExecutionId, m: ExecutionMetrics | null, outcome: FinalOutcome, also?: (tx: Writer) => void): Promise<void> {
  db.transaction(
    (tx) => {
      tx.update(executions)
        .set({
          ...(m ? metricColumns(m) : {}),
          status: outcome.status,
          error_code: outcome.errorCode,
          error: outcome.error,
          exit_code: outcome.exitCode,
          finished_at: outcome.finishedAt,
          duration_ms: outcome.durationMs,
          updated_at: outcome.finishedAt,
        })
        .where(eq(executions.id, id))
        .run();
      if (m) replaceModelRows(tx, id, m);
      for (const [thread, totals] of Object.entries(outcome.threadTotals?.totals ?? {})) {
        const values = { backend: outcome.threadTotals!.backend, thread_id: thread, ...tokenColumns(totals), execution_id: id, updated_at: outcome.finishedAt };
        tx.insert(threadUsage).values(values).onConflictDoUpdate({ target: [threadUsage.backend, threadUsage.thread_id], set: values }).run();
      }
      // Models seen, for the health check of unpriced models (O(models), not O(executions)).
      for (const model of m?.usage.perModel ?? []) {
        tx.insert(modelsSeen).values({ model: model.model, last_seen_at: outcome.finishedAt }).onConflictDoUpdate({ target: modelsSeen.model, set: { last_seen_at: outcome.finishedAt } }).run();
      }
      also?.(tx);
    },
    { behavior: "immediate" },
  );
}

/**
 * Replaces an execution's telemetry (`pilot reparse`), leaving its status, error and
 * timestamps as they were. Refuses a running execution: its run still owns the row.
 */
export async function replaceExecutionTelemetry(db: Db, id: ExecutionId, m: ExecutionMetrics, now: number): Promise<boolean> {
  return db.transaction(
    (tx) => {
      const result = tx
        .update(executions)
        .set({ ...metricColumns(m), updated_at: now })
        .where(and(eq(executions.id, id), ne(executions.status, "running")))
        .run();
      if (result.changes === 0) return false;
      replaceModelRows(tx, id, m);
      return true;
    },
    { behavior: "immediate" },
  );
}
