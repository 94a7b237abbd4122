import type { Db } from "../store/db.js";
import { enqueue } from "../store/queue.js";
import type { QueueItemId, QueueRow } from "../store/schema.js";
import type { Task } from "../tasks/task.js";
import { newId } from "../util/ids.js";
import { payloadFor, type TaskPayload } from "./task-payload.js";

export interface EnqueueTaskInput {
  task: Task;
  project: string;
  backend: string;
  model: TaskPayload["model"];
  priority: number;
  maxAttempts: number;
  budget: TaskPayload["budget"];
  timeoutS: number | null;
  /** For the loopback simulator (then `simScenario` is set, default `ok`). */
  sim: boolean;
  simScenario: string | null;
  now: number;
}

/** Queues a resolved task (or finds it already queued or running: a task is queued once at a time). */
export async function enqueueTask(db: Db, input: EnqueueTaskInput): Promise<{ item: QueueRow; created: boolean }> {
  return enqueue(db, {
    id: newId("q", input.now) as QueueItemId,
    taskRef: input.task.ref,
    taskSource: input.task.source,
    taskTitle: input.task.title,
    project: input.project,
    backend: input.backend,
    model: input.model?.model ?? null,
    payload: payloadFor(input.task, { model: input.model, budget: input.budget, timeout_s: input.timeoutS, sim_scenario: input.sim ? (input.simScenario ?? "ok") : null }),
    sim: input.sim,
    priority: input.priority,
    maxAttempts: input.maxAttempts,
    now: input.now,
  });
}
