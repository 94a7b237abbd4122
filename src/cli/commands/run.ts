import { statSync } from "node:fs";
import { resolve } from "node:path";
import { getBackend } from "../../backends/registry.js";
import { runExecution } from "../../executor/run-execution.js";
import { parseScenario, SCENARIO_NAMES } from "../../sim/scenarios.js";
import { closeDb } from "../../store/db.js";
import { resolveTask } from "../../tasks/resolve.js";
import type { Task } from "../../tasks/task.js";
import { PilotError } from "../../util/errors.js";
import { createLogger } from "../../util/logger.js";
import { loadContext, openStore, type GlobalOptions } from "../context.js";
import { clean, formatDuration, formatInt, formatSummary, formatUsd } from "../format.js";
import { StatusLine } from "../status-line.js";

export interface RunOptions extends GlobalOptions {
  prompt?: string;
  backend?: string;
  model?: string;
  project?: string;
  timeout?: number;
  sim?: boolean;
  simScenario?: string;
  json?: boolean;
}

const SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";

export async function runCommand(taskArg: string | undefined, options: RunOptions): Promise<number> {
  const projectDir = resolve(options.project ?? process.cwd());
  if (!isDirectory(projectDir)) throw new PilotError("usage", `--project ${options.project ?? projectDir}: not a directory`);
  const scenario = options.simScenario ?? "ok";
  if (!options.sim && scenario !== "ok") throw new PilotError("usage", "--sim-scenario needs --sim");
  if (options.sim && !parseScenario(scenario)) throw new PilotError("usage", `unknown --sim-scenario ${JSON.stringify(scenario)} (known: ${SCENARIO_NAMES.join(", ")})`);

  // Config first: a bad config fails before the task is fetched or anything is written.
  const ctx = await loadContext({ ...options, projectDir, flags: options.timeout ? { limits: { task_timeout_s: options.timeout } } : {} });
  const prompt = options.prompt === "-" ? await readStdin() : options.prompt;
  const task = await resolveTask(
    { ...(taskArg === undefined ? {} : { ref: taskArg }), ...(prompt === undefined ? {} : { prompt }) },
    { config: ctx.config, projectDir, env: process.env },
  );
  const backend = backendFor(options.backend, task, ctx.config.default_backend);
  const requestedModel = options.model ?? task.model;
  const configModel = backend.configuredModel(ctx.config);
  const model = requestedModel ? { model: requestedModel, source: "requested" as const } : configModel ? { model: configModel, source: "config" as const } : null;

  const live = process.stderr.isTTY ? new StatusLine(process.stderr) : null;
  const logger = live ? createLogger({ level: ctx.config.log.level, file: ctx.config.log.file, fd: 2, prettyStream: live.stream }) : ctx.logger;
  const db = openStore(ctx);

  const controller = new AbortController();
  const onSignal = (signal: "SIGINT" | "SIGTERM") => () => {
    if (controller.signal.aborted) return;
    live?.clear();
    process.stderr.write(`pilot: ${signal}: stopping the backend and saving the execution…\n`);
    controller.abort(signal);
  };
  const onInt = onSignal("SIGINT");
  const onTerm = onSignal("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);

  let frame = 0;
  try {
    const result = await runExecution({
      db,
      config: ctx.config,
      paths: ctx.paths,
      logger,
      task,
      backend,
      projectDir,
      model,
      timeoutS: ctx.config.limits.task_timeout_s,
      inactivityTimeoutS: ctx.config.limits.inactivity_timeout_s,
      sim: options.sim ? { scenario } : null,
      signal: controller.signal,
      ...(live
        ? {
            onProgress: (p) => {
              frame = (frame + 1) % SPINNER.length;
              live.update(
                clean(`${SPINNER[frame]} ${backend.name} ${formatDuration(p.elapsedMs)} · ${p.calls} call${p.calls === 1 ? "" : "s"} · ${formatInt(p.tokens)} tokens · ${formatUsd(p.costUsd)}${p.model ? ` · ${p.model}` : ""}`),
              );
            },
          }
        : {}),
    });
    live?.clear();
    process.stdout.write(options.json ? `${JSON.stringify(result.execution, null, 2)}\n` : `${formatSummary(result.execution)}\n`);
    return result.exitCode;
  } finally {
    live?.clear();
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    closeDb(db);
  }
}

/** `--backend` is usage (exit 2); a task file naming an unknown backend is a bad task (exit 1). */
function backendFor(flag: string | undefined, task: Task, fallback: string) {
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

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
