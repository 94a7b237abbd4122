import { and, asc, desc, eq, inArray, isNull, lte, sql } from "drizzle-orm";
import type { Db } from "./db.js";
import type { Writer } from "./save-execution-metrics.js";
import { executions, queue, type ExecutionId, type NewExecutionRow, type QueueItemId, type QueueRow, type QueueState } from "./schema.js";

/**
 * The durable queue's reads and writes. Every write is one IMMEDIATE transaction; a claim
 * sets the lease, counts the attempt and inserts the attempt's execution row together.
 */

export const idempotencyKey = (taskRef: string, project: string) => `${taskRef}\u0000${project}`;

export interface NewQueueItem {
  id: QueueItemId;
  taskRef: string;
  taskSource: QueueRow["task_source"];
  taskTitle: string | null;
  project: string;
  backend: string;
  model: string | null;
  payload: Record<string, unknown>;
  /** For the loopback simulator: only a `pilot start --sim` claims it. */
  sim: boolean;
  priority: number;
  maxAttempts: number;
  now: number;
}

/** Adds a task unless the same task (ref + project) is already queued or running: then returns that one. */
export async function enqueue(db: Db, item: NewQueueItem): Promise<{ item: QueueRow; created: boolean }> {
  const key = idempotencyKey(item.taskRef, item.project);
  return db.transaction(
    (tx) => {
      const active = tx.select().from(queue).where(and(eq(queue.idempotency_key, key), inArray(queue.state, ["queued", "leased"]))).get();
      if (active) return { item: active, created: false };
      const row = {
        id: item.id,
        task_ref: item.taskRef,
        task_source: item.taskSource,
        task_title: item.taskTitle,
        project: item.project,
        backend: item.backend,
        model: item.model,
        payload: item.payload,
        sim: item.sim,
        state: "queued" as const,
        priority: item.priority,
        max_attempts: item.maxAttempts,
        available_at: item.now,
        idempotency_key: key,
        created_at: item.now,
        updated_at: item.now,
      };
      tx.insert(queue).values(row).run();
      return { item: tx.select().from(queue).where(eq(queue.id, item.id)).get()!, created: true };
    },
    { behavior: "immediate" },
  );
}

/** Whether a task was ever queued (any state): the GitHub intake takes each issue once. */
export async function everQueued(db: Db, taskRef: string, project: string): Promise<boolean> {
  return db.select({ id: queue.id }).from(queue).where(eq(queue.idempotency_key, idempotencyKey(taskRef, project))).limit(1).get() !== undefined;
}

export interface Claim {
  item: QueueRow;
  executionId: ExecutionId;
  attempt: number;
}

/**
 * Claims the next due task of the daemon's kind (sim or real) whose project has nothing
 * running (by priority, then age), and creates the execution row of this attempt, in one
 * transaction. A real daemon never takes a task queued for the simulator, nor the reverse.
 */
export async function claimNext(
  db: Db,
  options: { owner: string; sim: boolean; leaseMs: number; clock: () => number; executionId: ExecutionId; execution: (item: QueueRow, attempt: number, now: number) => NewExecutionRow },
): Promise<Claim | null> {
  return db.transaction(
    (tx) => {
      // Read the clock once the write lock is held: a claim never predates the settlement it waited for.
      const now = options.clock();
      const busy = tx.select({ project: queue.project }).from(queue).where(eq(queue.state, "leased"));
      const item = tx
        .select()
        .from(queue)
        .where(and(eq(queue.state, "queued"), eq(queue.sim, options.sim), isNull(queue.cancel_requested_at), lte(queue.available_at, now), sql`${queue.project} not in ${busy}`))
        .orderBy(desc(queue.priority), asc(queue.created_at), asc(queue.id))
        .limit(1)
        .get();
      if (!item) return null;
      const attempt = item.runs + 1;
      tx.update(queue)
        .set({
          state: "leased",
          lease_owner: options.owner,
          lease_expires_at: now + options.leaseMs,
          attempts: item.attempts + 1,
          runs: attempt,
          last_execution_id: options.executionId,
          updated_at: now,
        })
        .where(and(eq(queue.id, item.id), eq(queue.state, "queued")))
        .run();
      tx.insert(executions).values(options.execution(item, attempt, now)).run();
      const claimed = tx.select().from(queue).where(eq(queue.id, item.id)).get()!;
      return { item: claimed, executionId: options.executionId, attempt };
    },
    { behavior: "immediate" },
  );
}

/** Extends the leases this owner holds; returns the ids it no longer holds. */
export async function renewLeases(db: Db, owner: string, ids: QueueItemId[], leaseMs: number, now: number): Promise<QueueItemId[]> {
  if (ids.length === 0) return [];
  return db.transaction(
    (tx) => {
      tx.update(queue)
        .set({ lease_expires_at: now + leaseMs, updated_at: now })
        .where(and(inArray(queue.id, ids), eq(queue.state, "leased"), eq(queue.lease_owner, owner)))
        .run();
      const held = new Set(
        tx
          .select({ id: queue.id })
          .from(queue)
          .where(and(inArray(queue.id, ids), eq(queue.state, "leased"), eq(queue.lease_owner, owner)))
          .all()
          .map((r) => r.id),
      );
      return ids.filter((id) => !held.has(id));
    },
    { behavior: "immediate" },
  );
}

export type Settlement =
  | { state: "done" | "dead" | "cancelled" }
  | { state: "queued"; availableAt: number; uncount?: boolean };

/**
 * Settles a claimed item inside the transaction that stores its execution's outcome. Only
 * the lease holder may: an item whose lease was recovered elsewhere is left alone.
 */
export function settleClaim(tx: Writer, id: QueueItemId, owner: string, settlement: Settlement, error: { code: string | null; message: string | null }, now: number): boolean {
  // A cancel asked for while it ran wins over going back to the queue (a shutdown, a retry).
  const held = tx.select({ cancel: queue.cancel_requested_at }).from(queue).where(and(eq(queue.id, id), eq(queue.state, "leased"), eq(queue.lease_owner, owner))).get();
  if (!held) return false;
  if (held.cancel !== null && settlement.state === "queued") settlement = { state: "cancelled" };
  const set: Partial<QueueRow> = {
    state: settlement.state,
    lease_owner: null,
    lease_expires_at: null,
    last_error_code: error.code,
    last_error: error.message,
    cancel_requested_at: null,
    updated_at: now,
  };
  if (settlement.state === "queued") set.available_at = settlement.availableAt;
  const result = tx
    .update(queue)
    // A run stopped by a daemon's shutdown does not use up an attempt.
    .set(settlement.state === "queued" && settlement.uncount ? { ...set, attempts: sql`${queue.attempts} - 1` } : set)
    .where(and(eq(queue.id, id), eq(queue.state, "leased"), eq(queue.lease_owner, owner)))
    .run();
  return result.changes > 0;
}

export async function getQueueItem(db: Db, id: string): Promise<QueueRow | undefined> {
  return db.select().from(queue).where(eq(queue.id, id as QueueItemId)).get();
}

/**
 * Queue items: `dispatch` order (running first, then the order the daemon claims in: priority,
 * then age) for the live view, `newest` first for the history.
 */
export async function listQueue(db: Db, options: { states?: QueueState[]; limit: number; order: "dispatch" | "newest" }): Promise<QueueRow[]> {
  const where = options.states ? inArray(queue.state, options.states) : undefined;
  const order = options.order === "dispatch" ? [sql`${queue.state} = 'leased' desc`, desc(queue.priority), asc(queue.created_at), asc(queue.id)] : [desc(queue.created_at), desc(queue.id)];
  return db.select().from(queue).where(where).orderBy(...order).limit(options.limit).all();
}

export async function countQueue(db: Db, states?: QueueState[]): Promise<number> {
  return db.select({ n: sql<number>`count(*)` }).from(queue).where(states ? inArray(queue.state, states) : undefined).get()?.n ?? 0;
}

/** Leased items: per lease, who holds it and until when (recovery reads these). */
export async function leasedItems(db: Db): Promise<QueueRow[]> {
  return db.select().from(queue).where(eq(queue.state, "leased")).all();
}

/**
 * `pilot cancel` on a queue item: a queued one is cancelled at once; a leased one gets a
 * cancel request that its daemon sees within a second or two.
 */
export type CancelResult = { action: "cancelled" } | { action: "requested" } | { action: "none"; state: QueueState | null };

export async function cancelQueueItem(db: Db, id: QueueItemId, now: number): Promise<CancelResult> {
  return db.transaction(
    (tx): CancelResult => {
      const item = tx.select().from(queue).where(eq(queue.id, id)).get();
      if (!item) return { action: "none", state: null };
      if (item.state === "queued") {
        tx.update(queue).set({ state: "cancelled", last_error_code: "cancelled", last_error: "cancelled by pilot cancel", updated_at: now }).where(eq(queue.id, id)).run();
        return { action: "cancelled" };
      }
      if (item.state === "leased") {
        // Seen by its daemon within a second or two; if that daemon is gone, recovery cancels the item.
        tx.update(queue).set({ cancel_requested_at: now, updated_at: now }).where(eq(queue.id, id)).run();
        if (item.last_execution_id) {
          tx.update(executions).set({ cancel_requested_at: now }).where(and(eq(executions.id, item.last_execution_id), eq(executions.status, "running"))).run();
        }
        return { action: "requested" };
      }
      return { action: "none", state: item.state };
    },
    { behavior: "immediate" },
  );
}

/** Puts a leased item back (its worker is gone), or ends it when its attempts are used up. */
export function releaseAbandoned(tx: Writer, item: QueueRow, now: number, retryAt: number): QueueState {
  // A cancel asked for while its worker was gone is carried out now, not lost.
  const state: QueueState = item.cancel_requested_at !== null ? "cancelled" : item.attempts < item.max_attempts ? "queued" : "dead";
  tx
    .update(queue)
    .set({
      state,
      lease_owner: null,
      lease_expires_at: null,
      available_at: state === "queued" ? retryAt : item.available_at,
      last_error_code: state === "cancelled" ? "cancelled" : "interrupted",
      last_error: state === "cancelled" ? "cancelled by pilot cancel (its pilot had gone away)" : "the pilot process running it went away",
      updated_at: now,
    })
    .where(and(eq(queue.id, item.id), eq(queue.state, "leased"), eq(queue.lease_owner, item.lease_owner ?? "")))
    .run();
  return state;
}
