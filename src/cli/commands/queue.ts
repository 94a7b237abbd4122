import { toQueueItemObject } from "../../contracts/queue-item.js";
import { closeDb } from "../../store/db.js";
import { countQueue, listQueue } from "../../store/queue.js";
import { loadContext, openStore, type GlobalOptions } from "../context.js";
import { cleanLine } from "../format.js";

/** `pilot queue`: queued and running tasks in dispatch order (`--all`: finished ones too, newest first). */
export async function queueCommand(options: GlobalOptions & { all?: boolean; limit?: number; json?: boolean }): Promise<number> {
  const ctx = await loadContext(options);
  const db = openStore(ctx);
  try {
    const rows = await listQueue(db, { ...(options.all ? { order: "newest" } : { states: ["queued", "leased"], order: "dispatch" }), limit: options.limit ?? 50 });
    const items = rows.map(toQueueItemObject);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(items, null, 2)}\n`);
      return 0;
    }
    if (items.length === 0) {
      process.stdout.write(options.all ? "the queue is empty\n" : "nothing queued or running (pilot queue --all shows finished tasks)\n");
      return 0;
    }
    const now = Date.now();
    const header = ["ID", "STATE", "PRI", "ATTEMPTS", "BACKEND", "NEXT TRY (UTC)", "LAST ERROR", "TASK", "PROJECT"];
    const body = items.map((i) => [
      i.id,
      // leased: a daemon holds it and its execution is running
      i.state === "leased" && i.cancel_requested ? "leased (cancelling)" : i.state,
      String(i.priority),
      `${i.attempts}/${i.max_attempts}`,
      i.sim ? `${i.backend} (sim)` : i.backend,
      i.state !== "queued" ? "" : Date.parse(i.available_at) <= now ? "now" : i.available_at.replace("T", " ").slice(0, 19),
      i.last_error?.code ?? "",
      i.task_ref,
      i.project,
    ].map(cleanLine));
    const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => r[c]!.length)));
    process.stdout.write(`${[header, ...body].map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join("  ")).join("\n")}\n`);
    const total = await countQueue(db, options.all ? undefined : ["queued", "leased"]);
    if (total > items.length) process.stdout.write(`… ${total - items.length} more (pilot queue${options.all ? " --all" : ""} --limit ${total})\n`);
    return 0;
  } finally {
    closeDb(db);
  }
}
