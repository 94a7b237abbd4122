import { toQueueItemObject } from "../../contracts/queue-item.js";
import { enqueueTask } from "../../dispatch/enqueue.js";
import { closeDb } from "../../store/db.js";
import { loadContext, openStore, type GlobalOptions } from "../context.js";
import { checkScenario, projectDirOf, resolveTaskOptions, type TaskOptions } from "../task-options.js";

export interface EnqueueOptions extends GlobalOptions, TaskOptions {
  priority?: number;
  timeout?: number;
  json?: boolean;
}

/** `pilot enqueue`: adds a task for the daemon (resolved now: a bad ref fails here, not later). */
export async function enqueueCommand(taskArg: string | undefined, options: EnqueueOptions): Promise<number> {
  const projectDir = projectDirOf(options);
  // The scenario applies when the daemon runs with --sim.
  const scenario = options.simScenario === undefined ? null : checkScenario(options.simScenario, true);
  const ctx = await loadContext({ ...options, projectDir });
  const { task, backend, model, budget } = await resolveTaskOptions(taskArg, options, ctx.config, projectDir);
  const db = openStore(ctx);
  try {
    const { item, created } = await enqueueTask(db, {
      task,
      project: projectDir,
      backend: backend.name,
      model,
      priority: options.priority ?? 0,
      maxAttempts: ctx.config.dispatch.max_attempts,
      budget,
      timeoutS: options.timeout ?? null,
      simScenario: scenario,
      now: Date.now(),
    });
    if (options.json) process.stdout.write(`${JSON.stringify({ created, item: toQueueItemObject(item) }, null, 2)}\n`);
    else if (created) process.stdout.write(`queued ${item.id}: ${item.task_ref} in ${item.project} (backend ${item.backend}, priority ${item.priority})\n`);
    else process.stdout.write(`${item.task_ref} in ${item.project} is already ${item.state === "leased" ? "running" : "queued"} as ${item.id}; not queued again\n`);
    return 0;
  } finally {
    closeDb(db);
  }
}
