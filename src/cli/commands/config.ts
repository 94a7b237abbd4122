import { stringifyYaml } from "../../util/yaml.js";
import { loadContext, type GlobalOptions } from "../context.js";

export async function configCommand(options: GlobalOptions & { json?: boolean }): Promise<number> {
  const ctx = await loadContext({ ...options, projectDir: process.cwd() });
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ config: ctx.config, paths: ctx.paths, sources: ctx.sources }, null, 2)}\n`);
    return 0;
  }
  const sources = ctx.sources.length > 0 ? ctx.sources.join(", ") : "defaults only";
  process.stdout.write(`# PILOT_HOME: ${ctx.paths.home}\n# sources (lowest precedence first): ${sources}\n${stringifyYaml(ctx.config)}`);
  return 0;
}
