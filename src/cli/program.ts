import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { MAX_TIMEOUT_S } from "../config/limits.js";
import { isBusy, PilotError } from "../util/errors.js";

/**
 * The `pilot` command line. Command modules are imported only when their command runs, so
 * `pilot --help` loads nothing but commander.
 */

const VERSION = "0.1.0";

/** Digits only: "1e3", "0x10" and " 5" are not what anyone means by a count. */
function integerIn(min: number, max: number, what: string) {
  return (value: string): number => {
    const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected ${what}, got ${JSON.stringify(value)}`);
    return n;
  };
}

const positiveInt = integerIn(1, Number.MAX_SAFE_INTEGER, "a positive integer");
const priority = (value: string): number => {
  const n = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || Math.abs(n) > 1_000_000) throw new InvalidArgumentError(`expected an integer from -1000000 to 1000000, got ${JSON.stringify(value)}`);
  return n;
};
const usd = (value: string): number => {
  const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  // 0 would stop every run at its first call: leave the flag out for no budget.
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected an amount in USD above 0 like 2.50, got ${JSON.stringify(value)}`);
  return n;
};
const seconds = integerIn(1, MAX_TIMEOUT_S, `whole seconds from 1 to ${MAX_TIMEOUT_S}`);
const port = integerIn(0, 65535, "a port number (0-65535)");

function nonEmpty(value: string): string {
  if (value.trim().length === 0) throw new InvalidArgumentError("expected a non-empty value");
  return value;
}

export function buildProgram(): Command {
  const program = new Command("pilot")
    .description("Run coding-agent CLIs on tasks and keep complete, correct telemetry of every run.")
    .version(VERSION, "-v, --version")
    .option("--config <file>", "config file to use instead of $PILOT_HOME/config.yaml")
    .showHelpAfterError("(run pilot --help for usage)")
    .exitOverride();

  program
    .command("run")
    .description("run one task now, with live progress, and store the execution")
    .argument("[task]", "GH-1234, owner/name#1234, an issue URL, or a task file (.md)")
    .option("--prompt <text>", "run this prompt instead of a task (- reads it from stdin)")
    .option("--backend <name>", "backend CLI to run (default: config default_backend)", nonEmpty)
    .option("--model <model>", "model to ask the backend for", nonEmpty)
    .option("--project <dir>", "project directory the agent works in (default: the current directory)")
    .option("--timeout <seconds>", "total timeout (default: limits.task_timeout_s)", seconds)
    .option("--sim", "run against the built-in loopback model simulator (no network, no cost)")
    .addOption(new Option("--sim-scenario <name>", "simulator scenario for --sim (ok, tooluse, write, stall, http500, http500x2, drop, sseerror, …)"))
    .option("--max-usd <usd>", "stop the run when its cost passes this (default: budgets.per_task_usd)", usd)
    .option("--max-tokens <n>", "stop the run when its tokens pass this (default: budgets.per_task_tokens)", positiveInt)
    .option("--json", "print the execution object as JSON")
    .action(async (task: string | undefined, options, command: Command) => {
      const { runCommand } = await import("./commands/run.js");
      process.exitCode = await runCommand(task, { ...options, ...command.optsWithGlobals() });
    });

  program
    .command("start")
    .description("run the daemon: dispatch queued tasks until SIGTERM/SIGINT")
    .option("--sim", "run every task against the built-in loopback model simulator")
    .option("--concurrency <n>", "tasks at once, 1 to 64 (default: dispatch.concurrency)", integerIn(1, 64, "a number of tasks from 1 to 64"))
    .action(async (options, command: Command) => {
      const { startCommand } = await import("./commands/start.js");
      process.exitCode = await startCommand(command.optsWithGlobals());
    });

  program
    .command("enqueue")
    .description("queue a task for the daemon (a task is queued once while queued or running)")
    .argument("[task]", "GH-1234, owner/name#1234, an issue URL, or a task file (.md)")
    .option("--prompt <text>", "queue this prompt instead of a task (- reads it from stdin)")
    .option("--backend <name>", "backend CLI to run (default: config default_backend)", nonEmpty)
    .option("--model <model>", "model to ask the backend for", nonEmpty)
    .option("--project <dir>", "project directory (default: the current directory)")
    .option("--priority <n>", "higher runs first (default 0)", priority)
    .option("--timeout <seconds>", "total timeout of the run (default: limits.task_timeout_s)", seconds)
    .option("--max-usd <usd>", "per-task USD budget", usd)
    .option("--max-tokens <n>", "per-task token budget", positiveInt)
    .option("--sim", "queue it for the loopback simulator: only pilot start --sim runs it (and runs only such tasks)")
    .option("--sim-scenario <name>", "simulator scenario for --sim (default ok)")
    .option("--json", "print the queue item as JSON")
    .action(async (task: string | undefined, options, command: Command) => {
      const { enqueueCommand } = await import("./commands/enqueue.js");
      process.exitCode = await enqueueCommand(task, command.optsWithGlobals());
    });

  program
    .command("queue")
    .description("list queued and running tasks")
    .option("--all", "include done, dead and cancelled tasks")
    .option("--limit <n>", "how many", positiveInt, 50)
    .option("--json", "print a JSON array of queue items")
    .action(async (options, command: Command) => {
      const { queueCommand } = await import("./commands/queue.js");
      process.exitCode = await queueCommand(command.optsWithGlobals());
    });

  program
    .command("cancel")
    .description("cancel a queued task at once, or ask a running one (queue item or execution) to stop")
    .argument("<id>", "queue item id (q_…) or execution id (ex_…)")
    .action(async (id: string, options, command: Command) => {
      const { cancelCommand } = await import("./commands/cancel.js");
      process.exitCode = await cancelCommand(id, command.optsWithGlobals());
    });

  program
    .command("logs")
    .description("an execution's recording as readable lines")
    .argument("<id>", "execution id (or unique prefix), or a queue item id for its latest execution")
    .option("-f, --follow", "keep printing while the execution runs")
    .action(async (id: string, options, command: Command) => {
      const { logsCommand } = await import("./commands/logs.js");
      process.exitCode = await logsCommand(id, command.optsWithGlobals());
    });

  program
    .command("doctor")
    .description("health checks (telemetry gaps, binaries, stuck runs, unpriced models, migrations); exit 1 on warnings")
    .option("--json", "print the findings as JSON")
    .action(async (options, command: Command) => {
      const { doctorCommand } = await import("./commands/doctor.js");
      process.exitCode = await doctorCommand(command.optsWithGlobals());
    });

  program
    .command("executions")
    .description("list recent executions")
    .option("--limit <n>", "how many", positiveInt, 20)
    .option("--json", "print a JSON array of execution objects")
    .action(async (options, command: Command) => {
      const { executionsCommand } = await import("./commands/executions.js");
      process.exitCode = await executionsCommand(command.optsWithGlobals());
    });

  program
    .command("show")
    .description("show one execution (id or unique id prefix)")
    .argument("<id>", "execution id")
    .option("--json", "print the execution object as JSON")
    .action(async (id: string, options, command: Command) => {
      const { showCommand } = await import("./commands/show.js");
      process.exitCode = await showCommand(id, command.optsWithGlobals());
    });

  program
    .command("parse")
    .description("print the telemetry a recording or a raw CLI capture would store (writes nothing)")
    .argument("<file>", "a pilot recording, or a CLI's raw output (NDJSON or SSE); - for stdin")
    .option("--backend <name>", "the CLI that printed a raw capture (claude-code, codex, opencode)")
    .option("--json", "print the telemetry as JSON")
    .action(async (file: string, options, command: Command) => {
      const { parseCommand } = await import("./commands/parse.js");
      process.exitCode = await parseCommand(file, command.optsWithGlobals());
    });

  program
    .command("reparse")
    .description("re-parse an execution's recording with this version and update its telemetry")
    .argument("<id>", "execution id (or unique prefix)")
    .option("--force", "replace the telemetry even when the re-parse has less (fewer tokens, a worse status, no model)")
    .option("--json", "print {before, after} execution objects")
    .action(async (id: string, options, command: Command) => {
      const { reparseCommand } = await import("./commands/reparse.js");
      process.exitCode = await reparseCommand(id, command.optsWithGlobals());
    });

  program
    .command("sim")
    .description("run the loopback model simulator in the foreground")
    .option("--port <port>", "port on 127.0.0.1 (0: any free port)", port, 0)
    .action(async (options) => {
      const { simCommand } = await import("./commands/sim.js");
      process.exitCode = await simCommand(options);
    });

  program
    .command("config")
    .description("show the effective configuration")
    .option("--print", "print the effective configuration as YAML (the default)")
    .option("--json", "print it as JSON")
    .action(async (options, command: Command) => {
      const { configCommand } = await import("./commands/config.js");
      process.exitCode = await configCommand(command.optsWithGlobals());
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with code 0.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof PilotError) {
      process.stderr.write(`pilot: ${error.message}\n`);
      return error.exitCode;
    }
    if (isBusy(error)) {
      process.stderr.write("pilot: the database is busy: another process has held its write lock for over 10 s; try again\n");
      return 1;
    }
    // A bug in pilot: one line, and the stack when asked for.
    const debug = process.env.PILOT_LOG_LEVEL === "debug" || process.env.PILOT_LOG_LEVEL === "trace";
    const detail = error instanceof Error ? (debug ? (error.stack ?? error.message) : `${error.name}: ${error.message}`.split("\n")[0]) : String(error);
    process.stderr.write(`pilot: internal error: ${detail}${debug ? "" : " (PILOT_LOG_LEVEL=debug shows the stack)"}\n`);
    return 1;
  }
}
