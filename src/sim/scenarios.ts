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

/**
 * Usage the simulator reports per call: distinctive numbers that can be traced into a stored
 * row. `input` is fresh input; each API then says it its own way (Anthropic adds cache on
 * top; OpenAI counts cached tokens inside input and reasoning inside output).
 */
export interface SimUsage {
  input: number;
  cacheWrite: number;
  cacheRead: number;
  output: number;
  reasoning: number;
}

/** Anthropic Messages: input 1234, cache creation 567, cache read 8901, output 89. */
export const ANTHROPIC_USAGE = {
  main: { input: 1234, cacheWrite: 567, cacheRead: 8901, output: 89, reasoning: 0 },
  /** Models containing "haiku" (also OpenCode's title call). */
  small: { input: 321, cacheWrite: 0, cacheRead: 0, output: 21, reasoning: 0 },
  /** The call answering a tool result. */
  followUp: { input: 55, cacheWrite: 66, cacheRead: 9999, output: 7, reasoning: 0 },
} satisfies Record<string, SimUsage>;

/** OpenAI Responses / Chat: input 10135 of which 8901 cached, output 89 of which 34 reasoning. */
export const OPENAI_USAGE = {
  main: { input: 1234, cacheWrite: 0, cacheRead: 8901, output: 89, reasoning: 34 },
  /** Models containing "nano", "mini" or "small" (OpenCode's title call). */
  small: { input: 333, cacheWrite: 0, cacheRead: 0, output: 22, reasoning: 0 },
  followUp: { input: 66, cacheWrite: 0, cacheRead: 9999, output: 8, reasoning: 3 },
} satisfies Record<string, SimUsage>;

export type UsageTable = typeof ANTHROPIC_USAGE;

export function isSmallModel(model: string): boolean {
  return /haiku|nano|mini|small/i.test(model);
}

export function usageFor(table: UsageTable, model: string, followUp: boolean): SimUsage {
  if (isSmallModel(model)) return table.small;
  return followUp ? table.followUp : table.main;
}
