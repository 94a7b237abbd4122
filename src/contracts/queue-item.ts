import { z } from "zod";
import { QUEUE_STATES, type QueueRow } from "../store/schema.js";

/** A queue item as `pilot queue --json` and `pilot enqueue --json` print it. */
export const queueItemObjectSchema = z.object({
  id: z.string(),
  task_ref: z.string(),
  task_source: z.enum(["github", "file", "prompt"]),
  task_title: z.string().nullable(),
  project: z.string(),
  backend: z.string(),
  model: z.string().nullable(),
  /** For the loopback simulator: run only by `pilot start --sim`. */
  sim: z.boolean(),
  state: z.enum(QUEUE_STATES),
  priority: z.number().int(),
  attempts: z.number().int(),
  max_attempts: z.number().int(),
  /** Executions started for it; more than `attempts` when a shutdown gave an attempt back. */
  runs: z.number().int(),
  available_at: z.string(),
  lease_owner: z.string().nullable(),
  lease_expires_at: z.string().nullable(),
  cancel_requested: z.boolean(),
  last_execution_id: z.string().nullable(),
  last_error: z.object({ code: z.string(), message: z.string() }).nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type QueueItemObject = z.infer<typeof queueItemObjectSchema>;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function toQueueItemObject(row: QueueRow): QueueItemObject {
  return {
    id: row.id,
    task_ref: row.task_ref,
    task_source: row.task_source,
    task_title: row.task_title,
    project: row.project,
    backend: row.backend,
    model: row.model,
    sim: row.sim,
    state: row.state,
    priority: row.priority,
    attempts: row.attempts,
    max_attempts: row.max_attempts,
    runs: row.runs,
    available_at: iso(row.available_at)!,
    lease_owner: row.lease_owner,
    lease_expires_at: iso(row.lease_expires_at),
    cancel_requested: row.cancel_requested_at !== null,
    last_execution_id: row.last_execution_id,
    last_error: row.last_error_code || row.last_error ? { code: row.last_error_code ?? "error", message: row.last_error ?? "" } : null,
    created_at: iso(row.created_at)!,
    updated_at: iso(row.updated_at)!,
  };
}
