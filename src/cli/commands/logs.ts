import { closeSync, openSync, readSync } from "node:fs";
import { eq } from "drizzle-orm";
import type { StreamParser } from "../../backends/events.js";
import { getBackend } from "../../backends/registry.js";
import { parseHeader, readRecordingFrom } from "../../executor/recording.js";
import { isAbandoned } from "../../dispatch/runner-liveness.js";
import { closeDb, type Db } from "../../store/db.js";
import { queue, type QueueItemId } from "../../store/schema.js";
import { getExecution } from "../../store/executions.js";
import { PilotError } from "../../util/errors.js";
import { loadContext, openStore, type GlobalOptions } from "../context.js";
import { createEventRenderer } from "../render-events.js";

/**
 * `pilot logs ID [--follow]`: an execution's recording as readable lines, through the same
 * parser a run uses. With --follow it keeps reading while the execution runs.
 */
export async function logsCommand(id: string, options: GlobalOptions & { follow?: boolean }): Promise<number> {
  const ctx = await loadContext(options);
  const db = openStore(ctx);
  try {
    const { row } = await getExecution(db, id.startsWith("q_") ? lastExecutionOf(db, id) : id);
    if (!row.recording_path) throw new PilotError("not_found", `execution ${row.id} has no recording`);
    const path = row.recording_path;
    const staleMs = ctx.config.dispatch.stale_after_s * 1000;
    const isRunning = async () => {
      const current = (await getExecution(db, row.id)).row;
      if (current.status !== "running") return false;
      // Its pilot was killed (kill -9, a crash): nothing will write to it until a daemon recovers it.
      if (isAbandoned(current, Date.now(), staleMs)) {
        process.stdout.write(`# the pilot running it (${current.runner ?? "unknown"}) is gone; pilot start recovers the run\n`);
        return false;
      }
      return true;
    };
    const render = createEventRenderer((line) => process.stdout.write(`${line}\n`));
    process.stdout.write(`# ${row.id} ${row.task_ref} on ${row.backend} (${row.status})\n`);

    const source = tail(path, options.follow === true ? isRunning : async () => false);
    // The header names the backend and mode, so it picks the parser; it comes before any bytes.
    let parser: StreamParser | null = null;
    let backendName: string | null = null;
    const { side } = await readRecordingFrom(
      source,
      path,
      (chunk) => {
        for (const event of parser?.push(chunk) ?? []) render.event(event);
      },
      (line) => {
        const header = parseHeader(line, path);
        backendName = header.backend;
        parser = getBackend(header.backend).createParser({ maxLineBytes: ctx.config.limits.max_line_bytes, mode: header.mode });
      },
    );
    for (const event of (parser as StreamParser | null)?.end() ?? []) render.event(event);
    render.end();
    for (const record of side) {
      render.side(record);
      // What a side source adds (a rollout's model and per-request usage, a session's messages).
      if (backendName) for (const event of getBackend(backendName).sideEvents([record])) render.event(event);
    }
    return 0;
  } finally {
    closeDb(db);
  }
}

/** `pilot logs q_…`: the queue item's latest execution. */
function lastExecutionOf(db: Db, id: string): string {
  const item = db.select({ id: queue.id, last: queue.last_execution_id }).from(queue).where(eq(queue.id, id as QueueItemId)).get();
  if (!item) throw new PilotError("not_found", `no queue item ${id}`);
  if (!item.last) throw new PilotError("not_found", `queue item ${id} has not run yet`);
  return item.last;
}

/** A file's bytes as they are written, until `more()` says the writer is done. */
async function* tail(path: string, more: () => Promise<boolean>): AsyncGenerator<Buffer> {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    throw new PilotError("not_found", `recording ${path} is gone`);
  }
  const buffer = Buffer.alloc(64 * 1024);
  let offset = 0;
  try {
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, offset);
      if (read > 0) {
        offset += read;
        yield Buffer.from(buffer.subarray(0, read));
        continue;
      }
      if (!(await more())) {
        // One last read: the writer may have finished between the two checks.
        const last = readSync(fd, buffer, 0, buffer.length, offset);
        if (last > 0) {
          offset += last;
          yield Buffer.from(buffer.subarray(0, last));
          continue;
        }
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    closeSync(fd);
  }
}
