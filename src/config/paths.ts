import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** Where pilot keeps its data: `$PILOT_HOME`, default `~/.pilot`. */
export interface PilotPaths {
  home: string;
  configFile: string;
  dataDir: string;
  database: string;
  recordingsDir: string;
  /** Throwaway HOME directories for `--sim` runs. */
  simDir: string;
}

export function resolvePaths(env: NodeJS.ProcessEnv = process.env): PilotPaths {
  const home = resolve(env.PILOT_HOME && env.PILOT_HOME.length > 0 ? env.PILOT_HOME : join(homedir(), ".pilot"));
  return {
    home,
    configFile: join(home, "config.yaml"),
    dataDir: join(home, "data"),
    database: join(home, "data", "pilot.db"),
    recordingsDir: join(home, "recordings"),
    simDir: join(home, "sim"),
  };
}
