import { createReadStream, readdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { SideRecord } from "../../executor/recording.js";

/**
 * Codex names no model in its JSON stream. Its session file does:
 * `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<thread id>.jsonl`, whose `turn_context`
 * line carries `payload.model`. This finds that file for a thread and reads the model, as a
 * side record of the run (`codex_rollout`).
 */

/** How far into a rollout the model is looked for (its first lines hold it). */
const MAX_LINES = 200;

export function codexHomeFor(env: NodeJS.ProcessEnv): string {
  return env.CODEX_HOME && env.CODEX_HOME.length > 0 ? env.CODEX_HOME : join(homedir(), ".codex");
}

/** The rollout file of a thread: the newest day folders first (today's, usually). */
export function findRollout(codexHome: string, threadId: string): string | null {
  const sessions = join(codexHome, "sessions");
  const suffix = `-${threadId}.jsonl`;
  const children = (dir: string) => {
    try {
      return readdirSync(dir).sort().reverse();
    } catch {
      return [];
    }
  };
  let dayFolders = 0;
  for (const year of children(sessions)) {
    for (const month of children(join(sessions, year))) {
      for (const day of children(join(sessions, year, month))) {
        const dir = join(sessions, year, month, day);
        const file = children(dir).find((name) => name.startsWith("rollout-") && name.endsWith(suffix));
        if (file) return join(dir, file);
        // A run's file is in the day it started; a week of folders is plenty.
        if (++dayFolders >= 7) return null;
      }
    }
  }
  return null;
}

export async function readRolloutModel(path: string): Promise<SideRecord> {
  const record: SideRecord = { pilot_side: "codex_rollout", path, model: null, model_provider: null, cli_version: null };
  try {
    if (!statSync(path).isFile()) return record;
  } catch {
    return record;
  }
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let count = 0;
  for await (const text of lines) {
    if (++count > MAX_LINES) break;
    let line: { type?: unknown; payload?: Record<string, unknown> };
    try {
      line = JSON.parse(text) as typeof line;
    } catch {
      continue;
    }
    const payload = line.payload ?? {};
    if (line.type === "session_meta") {
      if (typeof payload.cli_version === "string") record.cli_version = payload.cli_version;
      if (typeof payload.model_provider === "string") record.model_provider = payload.model_provider;
    }
    if (line.type === "turn_context" && typeof payload.model === "string") {
      record.model = payload.model;
      break;
    }
  }
  lines.close();
  return record;
}
