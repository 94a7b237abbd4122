import { realpathSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { Backend } from "../backends/backend.js";
import { getBackend } from "../backends/registry.js";
import type { PilotConfig } from "../config/schema.js";
import { parseScenario, SCENARIO_NAMES } from "../sim/scenarios.js";
import { resolveTask } from "../tasks/resolve.js";
import type { Task } from "../tasks/task.js";
import { PilotError } from "../util/errors.js";

/** What `pilot run` and `pilot enqueue` share: the task, its backend, model and budget. */

export interface TaskOptions {
  prompt?: string;
  backend?: string;
  model?: string;
  project?: string;
  maxUsd?: number;
  maxTokens?: number;
  simScenario?: string;
}

/**
 * The project directory, by its real path: a symlink and its target are one project (the
 * daemon never runs two tasks in one working tree at once).
 */
export function projectDirOf(options: { project?: string }): string {
  if (options.project !== undefined && options.project.trim().length === 0) throw new PilotError("usage", "--project: expected a directory, got an empty value");
  const given = resolve(options.project ?? process.cwd());
  let dir: string;
  try {
    dir = realpathSync(given);
  } catch {
    throw new PilotError("usage", `--project ${options.project ?? given}: no such directory`);
  }
  if (!statSync(dir).isDirectory()) throw new PilotError("usage", `--project ${options.project ?? given}: not a directory`);
  return dir;
}

export function checkScenario(name: string | undefined, sim: boolean): string {
  // Even `ok`: without --sim the run would be real, under the user's login, and paid.
  if (!sim && name !== undefined) throw new PilotError("usage", "--sim-scenario needs --sim");
  const scenario = name ?? "ok";
  if (!parseScenario(scenario)) throw new PilotError("usage", `unknown --sim-scenario ${JSON.stringify(scenario)} (known: ${SCENARIO_NAMES.join(", ")})`);
  return scenario;
}

export interface ResolvedTaskOptions {
  task: Task;
  backend: Backend;
  model: { model: string; source: "requested" | "config" } | null;
  budget: { usd: number | null; tokens: number | null };
}

export async function resolveTaskOptions(taskArg: string | undefined, options: TaskOptions, config: PilotConfig, projectDir: string): Promise<ResolvedTaskOptions> {
  const prompt = options.prompt === "-" ? await readStdin() : options.prompt;
  const task = await resolveTask(
    { ...(taskArg === undefined ? {} : { ref: taskArg }), ...(prompt === undefined ? {} : { prompt }) },
    { config, projectDir, env: process.env },
  );
  const backend = backendFor(options.backend, task, config.default_backend);
  const requested = options.model ?? task.model;
  const configured = backend.configuredModel(config);
  const model = requested ? { model: requested, source: "requested" as const } : configured ? { model: configured, source: "config" as const } : null;
  // Flags, then the task's front matter, then the config.
  const budget = {
    usd: options.maxUsd ?? task.maxUsd ?? config.budgets.per_task_usd,
    tokens: options.maxTokens ?? task.maxTokens ?? config.budgets.per_task_tokens,
  };
  return { task, backend, model, budget };
}

/** `--backend` is usage (exit 2); a task file naming an unknown backend is a bad task (exit 1). */
function backendFor(flag: string | undefined, task: Task, fallback: string): Backend {
  if (flag !== undefined) return getBackend(flag);
  if (task.backend === undefined) return getBackend(fallback);
  try {
    return getBackend(task.backend);
  } catch (error) {
    throw new PilotError("task", `task ${task.ref}: ${(error as Error).message}`, { cause: error });
  }
}

/** `--prompt -`: the prompt from stdin (for prompts longer than a command line allows). */
async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new PilotError("usage", "--prompt -: reads the prompt from stdin, but stdin is a terminal");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}
