import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { OpenCodeConfig } from "../../config/schema.js";

/**
 * OpenCode's per-run configuration, passed as OPENCODE_CONFIG_CONTENT (nothing is written
 * into the project; the user's own config still applies underneath on real runs).
 */
export function configContent(settings: OpenCodeConfig, model: string, sim: { baseUrl: string } | null): string {
  const provider = settings.provider;
  const config: Record<string, unknown> = {
    $schema: "https://opencode.ai/config.json",
    model: `${provider}/${model}`,
    ...(settings.small_model ? { small_model: `${provider}/${settings.small_model}` } : {}),
  };
  if (sim) {
    const options = { baseURL: `${sim.baseUrl}/v1`, apiKey: "sim-not-a-real-key" };
    const builtIn = provider === "anthropic" || provider === "openai";
    config.autoupdate = false;
    config.share = "disabled";
    // Built-in providers only need their base URL; any other becomes an OpenAI-compatible
    // (Chat Completions) provider pointed at the simulator.
    config.provider = {
      [provider]: builtIn
        ? { options }
        : {
            npm: "@ai-sdk/openai-compatible",
            name: `${provider} (pilot simulator)`,
            options,
            models: Object.fromEntries([model, settings.small_model].filter((m): m is string => !!m).map((m) => [m, { name: m }])),
          },
    };
    return JSON.stringify(config);
  }
  return JSON.stringify({ ...config, ...settings.config });
}

/** Flags that keep OpenCode quiet and offline; each is "1" (an empty value aborts the CLI). */
const OFFLINE = ["OPENCODE_DISABLE_AUTOUPDATE", "OPENCODE_DISABLE_MODELS_FETCH", "OPENCODE_DISABLE_DEFAULT_PLUGINS", "OPENCODE_DISABLE_LSP_DOWNLOAD", "OPENCODE_DISABLE_SHARE", "OPENCODE_DISABLE_CLAUDE_CODE"];

/**
 * The environment: for `--sim` a clean one with throwaway HOME and XDG folders; for real
 * runs the user's own (their provider logins), plus the config and no self-update.
 */
export function opencodeEnv(settings: OpenCodeConfig, content: string, sim: { home: string } | null, path: string | undefined): { env: Record<string, string>; extendEnv: boolean } {
  if (!sim) return { env: { OPENCODE_DISABLE_AUTOUPDATE: "1", ...settings.env, OPENCODE_CONFIG_CONTENT: content }, extendEnv: true };
  const dirs = Object.fromEntries(["home", "config", "data", "cache", "state"].map((d) => [d, join(sim.home, d)]));
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  return {
    env: {
      PATH: path ?? "/usr/local/bin:/usr/bin:/bin",
      HOME: dirs.home!,
      XDG_CONFIG_HOME: dirs.config!,
      XDG_DATA_HOME: dirs.data!,
      XDG_CACHE_HOME: dirs.cache!,
      XDG_STATE_HOME: dirs.state!,
      LANG: "C.UTF-8",
      TERM: "dumb",
      ...Object.fromEntries(OFFLINE.map((name) => [name, "1"])),
      OPENCODE_CONFIG_CONTENT: content,
    },
    extendEnv: false,
  };
}
