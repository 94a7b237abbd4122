import type { PilotConfig } from "../../config/schema.js";
import { scrubSecrets } from "../../util/logger.js";
import { stringifyYaml } from "../../util/yaml.js";
import { loadContext, type GlobalOptions } from "../context.js";

const SECRET_NAME = /key|token|secret|password|auth|credential/i;

/** The effective config with secrets masked: env values under secret-looking names, and key-shaped text anywhere. */
export function redactConfig(config: PilotConfig): unknown {
  const walk = (value: unknown, key: string | null, inEnv: boolean): unknown => {
    if (typeof value === "string") return inEnv && key !== null && SECRET_NAME.test(key) ? "[redacted]" : scrubSecrets(value);
    if (Array.isArray(value)) return value.map((v) => walk(v, null, false));
    if (typeof value === "object" && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k, inEnv || k === "env")]));
    }
    return value;
  };
  return walk(config, null, false);
}

export async function configCommand(options: GlobalOptions & { json?: boolean }): Promise<number> {
  const ctx = await loadContext({ ...options, projectDir: process.cwd() });
  const shown = redactConfig(ctx.config);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ config: shown, paths: ctx.paths, sources: ctx.sources }, null, 2)}\n`);
    return 0;
  }
  const sources = ctx.sources.length > 0 ? ctx.sources.join(", ") : "defaults only";
  process.stdout.write(`# PILOT_HOME: ${ctx.paths.home}\n# sources (lowest precedence first): ${sources}\n${stringifyYaml(shown)}`);
  return 0;
}
