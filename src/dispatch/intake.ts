import type { PilotConfig } from "../config/schema.js";
import type { Db } from "../store/db.js";
import { everQueued } from "../store/queue.js";
import { issueTask, labeledIssues } from "../tasks/github.js";
import { checkedTask } from "../tasks/resolve.js";
import type { Logger } from "../util/logger.js";
import { getBackend } from "../backends/registry.js";
import { enqueueTask } from "./enqueue.js";

/**
 * The daemon's GitHub intake: open issues carrying `github.label` in the configured repo are
 * enqueued as `GH-N`. Each issue is taken once (a finished task is not taken again while the
 * label stays; `pilot enqueue GH-N` runs it again).
 */
/** `sim`: the daemon's mode; the issues it takes in are its to run (a `--sim` daemon's, against the simulator). */
export async function takeInIssues(ctx: { db: Db; config: PilotConfig; logger: Logger; env: NodeJS.ProcessEnv; project: string; sim: boolean; now: () => number; fetch?: typeof fetch }): Promise<string[]> {
  const { repo, issues } = await labeledIssues({ config: ctx.config, projectDir: ctx.project, env: ctx.env, ...(ctx.fetch ? { fetch: ctx.fetch } : {}) }, ctx.config.github.label);
  const backend = getBackend(ctx.config.default_backend);
  const configured = backend.configuredModel(ctx.config);
  const taken: string[] = [];
  for (const issue of issues) {
    const ref = `GH-${issue.number}`;
    if (await everQueued(ctx.db, ref, ctx.project)) continue;
    const found = issueTask(repo, issue, ref);
    if (!found) continue;
    let task;
    try {
      task = checkedTask(found);
    } catch (error) {
      ctx.logger.warn({ taskRef: ref, repo }, `skipped a labelled GitHub issue: ${(error as Error).message}`);
      continue;
    }
    const { item, created } = await enqueueTask(ctx.db, {
      task,
      project: ctx.project,
      backend: backend.name,
      model: configured ? { model: configured, source: "config" } : null,
      priority: 0,
      maxAttempts: ctx.config.dispatch.max_attempts,
      budget: { usd: ctx.config.budgets.per_task_usd, tokens: ctx.config.budgets.per_task_tokens },
      timeoutS: null,
      sim: ctx.sim,
      simScenario: null,
      now: ctx.now(),
    });
    if (created) {
      taken.push(item.id);
      ctx.logger.info({ queueItemId: item.id, taskRef: ref, repo }, "enqueued a labelled GitHub issue");
    }
  }
  return taken;
}
