import { eq, and } from "drizzle-orm";
import { isAbandoned, runnerAlive } from "../../dispatch/runner-liveness.js";
import { closeDb } from "../../store/db.js";
import { getExecution } from "../../store/executions.js";
import { cancelQueueItem } from "../../store/queue.js";
import { executions, queue, type QueueItemId } from "../../store/schema.js";
import { PilotError } from "../../util/errors.js";
import { loadContext, openStore, type GlobalOptions } from "../context.js";

/**
 * `pilot cancel ID`: a queued task is cancelled at once; a running one (queue item or
 * execution id) gets a cancel request in the database, which the process running it reads
 * every second: it stops the CLI and saves the row as `cancelled` with its usage.
 */
export async function cancelCommand(id: string, options: GlobalOptions): Promise<number> {
  const ctx = await loadContext(options);
  const db = openStore(ctx);
  try {
    const now = Date.now();
    if (!id.startsWith("q_") && !id.startsWith("ex_")) throw new PilotError("usage", `expected a queue item id (q_…) or an execution id (ex_…), got ${JSON.stringify(id)}`);
    if (id.startsWith("q_")) {
      const item = db.select().from(queue).where(eq(queue.id, id as QueueItemId)).get() ?? prefixMatch(db, id);
      if (!item) throw new PilotError("not_found", `no queue item ${id}`);
      const result = await cancelQueueItem(db, item.id, now);
      if (result.action === "cancelled") process.stdout.write(`cancelled ${item.id} (${item.task_ref}): it was queued and will not run\n`);
      else if (result.action === "requested" && runnerAlive(item.lease_owner) === false) {
        process.stdout.write(`cancel requested for ${item.id} (${item.task_ref}), but the daemon running it (${item.lease_owner}) is gone: the next pilot start cancels it\n`);
      } else if (result.action === "requested") process.stdout.write(`cancel requested for ${item.id} (${item.task_ref}): the daemon stops it within a second or two\n`);
      else throw new PilotError("usage", `${item.id} is already ${result.state ?? "gone"}: nothing to cancel`);
      return 0;
    }
    const { row } = await getExecution(db, id);
    if (row.status !== "running") throw new PilotError("usage", `execution ${row.id} is ${row.status}, not running: nothing to cancel`);
    db.transaction(
      (tx) => {
        tx.update(executions).set({ cancel_requested_at: now }).where(and(eq(executions.id, row.id), eq(executions.status, "running"))).run();
        // Its queue item too: if its daemon is gone, the recovery cancels the item instead of requeueing it.
        if (row.queue_item_id) tx.update(queue).set({ cancel_requested_at: now, updated_at: now }).where(and(eq(queue.id, row.queue_item_id as QueueItemId), eq(queue.state, "leased"))).run();
      },
      { behavior: "immediate" },
    );
    if (isAbandoned(row, now, ctx.config.dispatch.stale_after_s * 1000)) {
      process.stdout.write(`cancel requested for ${row.id} (${row.task_ref}), but the pilot running it (${row.runner}) is gone: pilot start recovers the run as interrupted${row.queue_item_id ? " and cancels its queue item" : ""}\n`);
    } else {
      process.stdout.write(`cancel requested for ${row.id} (${row.task_ref}): the pilot running it stops it within a second or two\n`);
    }
    return 0;
  } finally {
    closeDb(db);
  }
}

function prefixMatch(db: ReturnType<typeof openStore>, prefix: string) {
  if (prefix.length < 6) throw new PilotError("usage", `queue item id ${JSON.stringify(prefix)} is too short: give the id or at least its first 6 characters`);
  const rows = db.$client.prepare("SELECT id FROM queue WHERE id >= ? AND id < ? LIMIT 2").all(prefix, `${prefix}\u{10ffff}`) as { id: QueueItemId }[];
  if (rows.length > 1) throw new PilotError("usage", `queue item prefix ${prefix} is ambiguous; give more characters`);
  return rows[0] ? db.select().from(queue).where(eq(queue.id, rows[0].id)).get() : undefined;
}
