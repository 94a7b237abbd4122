/**
 * Scripted behaviours of the loopback model simulator. A run picks one by its base URL
 * (`http://127.0.0.1:PORT/s/<scenario>/...`) or by a registered run key (`/r/<key>/...`).
 *
 *   ok          text reply "done"
 *   tooluse     text + a Read tool call; after the tool result, "done"
 *   write       a Write tool call creating PILOT_SIM.md in the project; then "done"
 *   stall       like tooluse, but the call after the tool result never finishes
 *   httpNNN     HTTP error NNN (500, 429, 401, 529, …) for every call
 *   httpNNNxK   HTTP error NNN for the first K calls (per model), then ok
 *   drop[xK]    200 and the first events, then the socket is destroyed
 *   sseerror    200 and the first events, then an in-stream overloaded_error
 */
export type ScenarioKind = "ok" | "tooluse" | "write" | "stall" | "http" | "drop" | "sseerror";

export interface Scenario {
  name: string;
  kind: ScenarioKind;
  /** For `http`: the status code. */
  status?: number;
  /** Misbehave only for the first N calls (per model); undefined: always. */
  firstN?: number;
}

const SIMPLE: Record<string, ScenarioKind> = {
  ok: "ok",
  tooluse: "tooluse",
  write: "write",
  stall: "stall",
  sseerror: "sseerror",
};

export const SCENARIO_NAMES = ["ok", "tooluse", "write", "stall", "httpNNN", "httpNNNxK", "drop", "dropxK", "sseerror", "sseerrorxK"];

export function parseScenario(name: string): Scenario | undefined {
  const simple = SIMPLE[name];
  if (simple) return { name, kind: simple };
  const http = /^http(\d{3})(?:x([1-9]\d*))?$/.exec(name);
  if (http) {
    const status = Number(http[1]);
    if (status < 400 || status > 599) return undefined;
    return { name, kind: "http", status, firstN: http[2] === undefined ? undefined : Number(http[2]) };
  }
  const misbehave = /^(drop|sseerror)(?:x([1-9]\d*))?$/.exec(name);
  if (misbehave) return { name, kind: misbehave[1] as ScenarioKind, firstN: misbehave[2] === undefined ? undefined : Number(misbehave[2]) };
  return undefined;
}

/** Usage the simulator reports per call: distinctive numbers that can be traced into a stored row. */
export interface SimUsage {
  input: number;
  cacheWrite: number;
  cacheRead: number;
  output: number;
}

export const DEFAULT_USAGE: SimUsage = { input: 1234, cacheWrite: 567, cacheRead: 8901, output: 89 };
export const HAIKU_USAGE: SimUsage = { input: 321, cacheWrite: 0, cacheRead: 0, output: 21 };
/** The call that answers a tool result. */
export const FOLLOW_UP_USAGE: SimUsage = { input: 55, cacheWrite: 66, cacheRead: 9999, output: 7 };

export function usageFor(model: string, followUp: boolean): SimUsage {
  if (model.includes("haiku")) return HAIKU_USAGE;
  return followUp ? FOLLOW_UP_USAGE : DEFAULT_USAGE;
}
