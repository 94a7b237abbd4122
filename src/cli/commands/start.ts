import { runDaemon } from "../../dispatch/daemon.js";
import { closeDb } from "../../store/db.js";
import { createLogger } from "../../util/logger.js";
import { STOP_SIGNALS } from "../../util/signals.js";
import { loadContext, openStore, type GlobalOptions } from "../context.js";

/**
 * `pilot start`: the daemon, in the foreground. Logs are JSON lines on stdout (or `log.file`),
 * pretty on a terminal. SIGTERM, SIGINT and SIGHUP stop it gracefully (exit 0); a second one stops the
 * running tasks at once.
 */
export async function startCommand(options: GlobalOptions & { sim?: boolean; concurrency?: number }): Promise<number> {
  const flags = options.concurrency ? { dispatch: { concurrency: options.concurrency } } : {};
  const ctx = await loadContext({ ...options, projectDir: process.cwd(), flags });
  const logger = createLogger({ level: ctx.config.log.level, file: ctx.config.log.file, fd: 1 });
  const db = openStore(ctx);
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (!stop.signal.aborted) {
      logger.info({ signal }, "shutdown requested");
      stop.abort(signal);
    } else {
      logger.warn({ signal }, "second signal: stopping running tasks now");
      hurry.abort(signal);
    }
  };
  const hurry = new AbortController();
  const signals = STOP_SIGNALS;
  for (const signal of signals) process.on(signal, onSignal);
  try {
    await runDaemon({ db, config: ctx.config, paths: ctx.paths, logger, env: process.env, sim: options.sim ?? false, project: process.cwd(), stop: stop.signal, hurry: hurry.signal });
    return 0;
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
    closeDb(db);
  }
}
