import { processRun, spawnBackend } from "../../executor/process.js";
import type { Backend, StartContext } from "../backend.js";
import type { BackendEvent } from "../events.js";
import { classifyOpenCodeFailure } from "./failures.js";
import { createOpenCodeRunParser } from "./run-parser.js";
import { createOpenCodeServeParser, eventsFromMessages } from "./serve-parser.js";
import { startServe } from "./server.js";
import { configContent, opencodeEnv } from "./settings.js";

const MAX_PROMPT_ARG_BYTES = 100_000;

export const opencodeBackend: Backend = {
  name: "opencode",
  callsModel: true,
  mode: (config) => config.backends.opencode.mode,
  format: (mode) => (mode === "serve" ? "sse" : "ndjson"),
  modeForFormat: (format) => (format === "sse" ? "serve" : "run"),
  binaryConfigKey: "backends.opencode.binary",
  binary: (config) => config.backends.opencode.binary,
  configuredModel: (config) => config.backends.opencode.model,
  defaultModel: null,
  createParser: ({ maxLineBytes, mode }) => (mode === "serve" ? createOpenCodeServeParser({ maxLineBytes }) : createOpenCodeRunParser({ maxLineBytes })),
  async start(ctx: StartContext) {
    const settings = ctx.config.backends.opencode;
    const model = ctx.model ?? settings.model;
    const content = configContent(settings, model, ctx.sim);
    const { env, extendEnv } = opencodeEnv(settings, content, ctx.sim, ctx.env.PATH);
    if (settings.mode === "serve") {
      return startServe(ctx, { env, extendEnv, provider: settings.provider, model, quietTimeoutS: settings.quiet_timeout_s });
    }
    if (Buffer.byteLength(ctx.prompt, "utf8") > MAX_PROMPT_ARG_BYTES) {
      // `opencode run` takes its prompt as an argument only; serve mode has no such limit.
      throw new Error(`the prompt is over ${MAX_PROMPT_ARG_BYTES} bytes: use backends.opencode.mode serve for prompts this long`);
    }
    const proc = spawnBackend(ctx.binary, ["run", "--format", "json", "--model", `${settings.provider}/${model}`, "--", ctx.prompt], { cwd: ctx.projectDir, env, extendEnv });
    return processRun(proc);
  },
  classifyFailure: classifyOpenCodeFailure,
  sideEvents: (records) =>
    records.flatMap((r): BackendEvent[] => (r.pilot_side === "opencode_messages" && typeof r.session === "string" ? eventsFromMessages(r.session, r.messages) : [])),
};
