import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { PilotConfig } from "../../config/schema.js";
import { processRun, spawnBackend } from "../../executor/process.js";
import type { Backend, StartContext } from "../backend.js";
import { classifyCodexFailure } from "./failures.js";
import { createCodexParser } from "./parser.js";
import { codexHomeFor, findRollout, readRollout, rolloutEvents } from "./rollout.js";

/** Prompts longer than this go to stdin (`-`) instead of argv. */
const MAX_PROMPT_ARG_BYTES = 100_000;
const SIM_PROVIDER = "pilot-sim";

/** A TOML value for `-c key=value`: JSON strings are valid TOML basic strings. */
function toml(value: string | number | boolean): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/**
 * `--sim` settings, all as `-c` so no config file is written: the simulator as a Responses
 * API provider, one retry of each kind (an always-failing API fails in seconds, not ~25 s),
 * and none of Codex's own traffic (update checks, analytics, plugins).
 */
function simSettings(baseUrl: string): Record<string, string | number | boolean> {
  return {
    model_provider: SIM_PROVIDER,
    [`model_providers.${SIM_PROVIDER}.name`]: "pilot simulator",
    [`model_providers.${SIM_PROVIDER}.base_url`]: `${baseUrl}/v1`,
    [`model_providers.${SIM_PROVIDER}.env_key`]: "PILOT_SIM_API_KEY",
    [`model_providers.${SIM_PROVIDER}.wire_api`]: "responses",
    [`model_providers.${SIM_PROVIDER}.supports_websockets`]: false,
    [`model_providers.${SIM_PROVIDER}.request_max_retries`]: 1,
    [`model_providers.${SIM_PROVIDER}.stream_max_retries`]: 1,
    check_for_update_on_startup: false,
    "analytics.enabled": false,
    "features.plugins": false,
    "features.remote_plugin": false,
    "features.apps": false,
  };
}

export const codexBackend: Backend = {
  name: "codex",
  callsModel: true,
  mode: () => "exec-json",
  format: () => "ndjson",
  modeForFormat: (format) => (format === "ndjson" ? "exec-json" : null),
  binaryConfigKey: "backends.codex.binary",
  binary: (config) => config.backends.codex.binary,
  configuredModel: (config) => config.backends.codex.model,
  // Codex's own default when nothing is configured (0.171); prices do not know it.
  defaultModel: "gpt-6.2-sol",
  createParser: ({ maxLineBytes }) => createCodexParser({ maxLineBytes }),
  async start(ctx: StartContext) {
    const settings = ctx.config.backends.codex;
    const promptInArgs = Buffer.byteLength(ctx.prompt, "utf8") <= MAX_PROMPT_ARG_BYTES;
    // A sim run takes nothing from the configured `-c` settings that could point it elsewhere.
    const overrides = ctx.sim ? simSettings(ctx.sim.baseUrl) : settings.config;
    const args = ["exec", "--json", "--skip-git-repo-check", "-s", settings.sandbox];
    if (ctx.model) args.push("-m", ctx.model);
    for (const [key, value] of Object.entries(overrides)) args.push("-c", `${key}=${toml(value)}`);
    args.push(...settings.extra_args, "--", promptInArgs ? ctx.prompt : "-");

    let env: Record<string, string>;
    let codexHome: string;
    if (ctx.sim) {
      // A throwaway CODEX_HOME: the user's login and sessions stay out of a simulated run.
      codexHome = join(ctx.sim.home, ".codex");
      mkdirSync(codexHome, { recursive: true });
      env = { PATH: ctx.env.PATH ?? "/usr/local/bin:/usr/bin:/bin", HOME: ctx.sim.home, CODEX_HOME: codexHome, LANG: "C.UTF-8", TERM: "dumb", PILOT_SIM_API_KEY: "sim-not-a-real-key" };
    } else {
      // The user's own CODEX_HOME: their login is in it.
      env = { ...settings.env };
      codexHome = codexHomeOf(null, ctx.config, ctx.env);
    }
    const proc = spawnBackend(ctx.binary, args, { cwd: ctx.projectDir, env, extendEnv: ctx.sim === null, ...(promptInArgs ? {} : { input: ctx.prompt }) });
    return {
      ...processRun(proc),
      async collectSide({ sessionId, startedAt }) {
        if (!sessionId) return [];
        const path = findRollout(codexHome, sessionId);
        return path ? [await readRollout(path, startedAt)] : [];
      },
    };
  },
  async recoverSide({ sessionId, startedAt, simHome, config, env }) {
    if (!sessionId) return [];
    const path = findRollout(codexHomeOf(simHome, config, env), sessionId);
    return path ? [await readRollout(path, startedAt)] : [];
  },
  classifyFailure: classifyCodexFailure,
  sideEvents: (records) => records.flatMap((r) => (r.pilot_side === "codex_rollout" ? rolloutEvents(r) : [])),
};

/** Where a run's rollout is: the throwaway home of a sim run, else the user's CODEX_HOME. */
function codexHomeOf(simHome: string | null, config: PilotConfig, env: NodeJS.ProcessEnv): string {
  return simHome ? join(simHome, ".codex") : codexHomeFor({ ...env, ...config.backends.codex.env });
}
