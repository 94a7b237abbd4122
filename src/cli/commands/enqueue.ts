import { toQueueItemObject } from "../../contracts/queue-item.js";
import { enqueueTask } from "../../dispatch/enqueue.js";
import { closeDb } from "../../store/db.js";
import { loadContext, openStore, type GlobalOptions } from "../context.js";
import { cleanLine } from "../format.js";
import { checkScenario, projectDirOf, resolveTaskOptions, type TaskOptions } from "../task-options.js";

export interface EnqueueOptions extends GlobalOptions, TaskOptions {
  sim?: boolean;
  priority?: number;
  timeout?: number;
  json?: boolean;
}

/** `pilot enqueue`: adds a task for the daemon (resolved now: a bad ref fails here, not later). */
export async function enqueueCommand(taskArg: string | undefined, options: EnqueueOptions): Promise<number> {
  const projectDir = projectDirOf(options);
  // A task for the simulator is run only by `pilot start --sim`, and a real one only by `pilot start`.
  const scenario = checkScenario(options.simScenario, options.sim ?? false);
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
      sim: options.sim ?? false,
      simScenario: options.sim ? scenario : null,
      now: Date.now(),
    });
    if (options.json) process.stdout.write(`${JSON.stringify({ created, item: toQueueItemObject(item) }, null, 2)}\n`);
    else if (created) process.stdout.write(cleanLine(`queued ${item.id}: ${item.task_ref} in ${item.project} (backend ${item.backend}${item.sim ? ", for pilot start --sim" : ""}, priority ${item.priority})`) + "\n");
    else process.stdout.write(cleanLine(`${item.task_ref} in ${item.project} is already ${item.state === "leased" ? "running" : "queued"} as ${item.id} (backend ${item.backend}); not queued again`) + "\n");
    return 0;
  } finally {
    closeDb(db);
  }
}
