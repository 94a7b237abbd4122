import { resolve } from "node:path";
import { loadConfig, type LoadedConfig } from "../config/load.js";
import { openDb, type Db } from "../store/db.js";
import { createLogger, type Logger } from "../util/logger.js";

export interface GlobalOptions {
  config?: string;
}

export interface CommandContext extends LoadedConfig {
  logger: Logger;
}

/** Config (validated before anything is written) and the logger, for one command. */
export async function loadContext(options: GlobalOptions & { projectDir?: string; flags?: Record<string, unknown> }): Promise<CommandContext> {
  const loaded = await loadConfig({
    ...(options.config ? { configFile: options.config } : {}),
    ...(options.projectDir ? { projectDir: resolve(options.projectDir) } : {}),
    ...(options.flags ? { flags: options.flags } : {}),
  });
  const logger = createLogger({ level: loaded.config.log.level, file: loaded.config.log.file, fd: 2 });
  return { ...loaded, logger };
}

export function openStore(ctx: CommandContext): Db {
  return openDb(ctx.paths.database);
}
