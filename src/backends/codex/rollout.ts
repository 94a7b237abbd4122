import { createReadStream, readdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { OpenAIUsage } from "../../telemetry/convert.js";
import type { SideRecord } from "../../executor/recording.js";
import type { BackendEvent } from "../events.js";

/**
 * Codex's session file, `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<thread id>.jsonl`,
 * knows what its JSON stream does not: the model of each turn (`turn_context.payload.model`)
 * and the usage of each model request (`token_usage_record.payload.usage`, per response id).
 * pilot reads it once the run is over, keeps this run's part as a side record
 * (`codex_rollout`), and gets from it the model and, for a run killed before its turn
 * completed, the usage of the requests that did complete.
 */

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
        // A run's file is in the folder of the day its thread started; a week is plenty.
        if (++dayFolders >= 7) return null;
      }
    }
  }
  return null;
}

interface RolloutRequest {
  response_id: string;
  usage: Record<string, unknown>;
}

/** This run's part of a rollout: lines stamped at or after `since` (ms); all of it when null. */
export async function readRollout(path: string, since: number | null): Promise<SideRecord> {
  const record: SideRecord & { requests: RolloutRequest[] } = { pilot_side: "codex_rollout", path, model: null, model_provider: null, cli_version: null, requests: [] };
  try {
    if (!statSync(path).isFile()) return record;
  } catch {
    return record;
  }
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const text of lines) {
    // Only three line types matter; the others can be large (instructions, tool output).
    const head = text.slice(0, 160);
    const kind = ["session_meta", "turn_context", "token_usage_record"].find((t) => head.includes(`"type":"${t}"`));
    if (!kind) continue;
    let line: { timestamp?: unknown; payload?: Record<string, unknown> };
    try {
      line = JSON.parse(text) as typeof line;
    } catch {
      continue;
    }
    const payload = line.payload ?? {};
    const at = typeof line.timestamp === "string" ? Date.parse(line.timestamp) : Number.NaN;
    const thisRun = since === null || !(at < since);
    if (kind === "session_meta") {
      if (typeof payload.cli_version === "string") record.cli_version = payload.cli_version;
      if (typeof payload.model_provider === "string") record.model_provider = payload.model_provider;
    } else if (kind === "turn_context" && typeof payload.model === "string" && (thisRun || record.model === null)) {
      record.model = payload.model;
    } else if (kind === "token_usage_record" && thisRun && typeof payload.response_id === "string" && typeof payload.usage === "object" && payload.usage !== null) {
      record.requests.push({ response_id: payload.response_id, usage: payload.usage as Record<string, unknown> });
    }
  }
  lines.close();
  return record;
}

const count = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0);

/** The model, and one `call` sample per model request (below the turn's cumulative total in precedence). */
export function rolloutEvents(record: SideRecord): BackendEvent[] {
  const events: BackendEvent[] = [];
  const model = typeof record.model === "string" && record.model.length > 0 ? record.model : null;
  // The turn's model answered only if a request of it completed; else it is what Codex was set to use.
  const requests = Array.isArray(record.requests) ? (record.requests as RolloutRequest[]) : [];
  if (model) events.push({ type: "model", model, role: requests.length > 0 ? "served" : "configured" });
  for (const request of requests) {
    const u = request.usage;
    const usage: OpenAIUsage = {
      convention: "openai",
      input_tokens: count(u.input_tokens),
      cached_input_tokens: count(u.cached_input_tokens),
      cache_write_input_tokens: count(u.cache_write_input_tokens),
      output_tokens: count(u.output_tokens),
      reasoning_output_tokens: count(u.reasoning_output_tokens),
    };
    events.push({ type: "usage", scope: "call", id: request.response_id, model, usage, complete: true });
  }
  return events;
}
