import { runExecution } from "../../executor/run-execution.js";
import { closeDb } from "../../store/db.js";
import { createLogger } from "../../util/logger.js";
import { STOP_SIGNALS } from "../../util/signals.js";
import { loadContext, openStore, type GlobalOptions } from "../context.js";
import { clean, formatDuration, formatInt, formatSummary, formatUsd } from "../format.js";
import { StatusLine } from "../status-line.js";
import { checkScenario, projectDirOf, resolveTaskOptions, type TaskOptions } from "../task-options.js";

export interface RunOptions extends GlobalOptions, TaskOptions {
  timeout?: number;
  sim?: boolean;
  json?: boolean;
}

const SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";

export async function runCommand(taskArg: string | undefined, options: RunOptions): Promise<number> {
  const projectDir = projectDirOf(options);
  const scenario = checkScenario(options.simScenario, options.sim ?? false);

  // Config first: a bad config fails before the task is fetched or anything is written.
  const ctx = await loadContext({ ...options, projectDir, flags: options.timeout ? { limits: { task_timeout_s: options.timeout } } : {} });
  const { task, backend, model, budget } = await resolveTaskOptions(taskArg, options, ctx.config, projectDir);

  const live = process.stderr.isTTY ? new StatusLine(process.stderr) : null;
  const logger = live ? createLogger({ level: ctx.config.log.level, file: ctx.config.log.file, fd: 2, prettyStream: live.stream }) : ctx.logger;
  const db = openStore(ctx);

  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    live?.clear();
    process.stderr.write(`pilot: ${signal}: stopping the backend and saving the execution…\n`);
    // A closed terminal (SIGHUP) ends the run as SIGTERM does.
    controller.abort(signal === "SIGINT" ? "SIGINT" : "SIGTERM");
  };
  const signals = STOP_SIGNALS;
  for (const signal of signals) process.on(signal, onSignal);

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
      budget,
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
    for (const signal of signals) process.off(signal, onSignal);
    closeDb(db);
  }
}
