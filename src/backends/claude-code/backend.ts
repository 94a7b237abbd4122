import { processRun, spawnBackend } from "../../executor/process.js";
import type { Backend, StartContext } from "../backend.js";
import { classifyClaudeFailure } from "./failures.js";
import { createClaudeCodeParser } from "./parser.js";

/** Prompts longer than this go to stdin instead of argv (Linux caps one argument at 128 KiB). */
const MAX_PROMPT_ARG_BYTES = 100_000;

/**
 * The environment of a `--sim` run: nothing of the user's (no keys, no proxies, no
 * settings), everything pointed at the loopback simulator, and the CLI's background
 * traffic (telemetry, updates, error reports) switched off.
 */
export function claudeSimEnv(baseUrl: string, home: string, path: string | undefined): Record<string, string> {
  return {
    PATH: path ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: home,
    LANG: "C.UTF-8",
    TERM: "dumb",
    ANTHROPIC_BASE_URL: baseUrl,
    ANTHROPIC_API_KEY: "sk-ant-sim-not-a-real-key",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_TELEMETRY: "1",
    DISABLE_AUTOUPDATER: "1",
    DISABLE_ERROR_REPORTING: "1",
    // Default is 10 retries (~180 s against an always-failing API).
    CLAUDE_CODE_MAX_RETRIES: "2",
  };
}

export const claudeCodeBackend: Backend = {
  name: "claude-code",
  callsModel: true,
  mode: () => "stream-json",
  format: () => "ndjson",
  modeForFormat: (format) => (format === "ndjson" ? "stream-json" : null),
  binaryConfigKey: "backends.claude-code.binary",
  binary: (config) => config.backends["claude-code"].binary,
  configuredModel: (config) => config.backends["claude-code"].model,
  // Claude Code prints the model it will use on its init line: no hard-coded default here.
  defaultModel: null,
  createParser: ({ maxLineBytes }) => createClaudeCodeParser({ maxLineBytes }),
  async start(ctx: StartContext) {
    const settings = ctx.config.backends["claude-code"];
    const promptInArgs = Buffer.byteLength(ctx.prompt, "utf8") <= MAX_PROMPT_ARG_BYTES;
    const args = ["-p", "--output-format", "stream-json", "--verbose", "--include-partial-messages"];
    args.push("--permission-mode", settings.permission_mode);
    if (ctx.model) args.push("--model", ctx.model);
    if (settings.max_turns !== null) args.push("--max-turns", String(settings.max_turns));
    args.push(...settings.extra_args);
    // After `--`, a prompt that starts with "-" (a markdown list, "--model=…") stays a prompt.
    if (promptInArgs) args.push("--", ctx.prompt);
    // A sim run takes nothing from the configured env that could point it elsewhere; only
    // IS_SANDBOX (needed for bypassPermissions as root) passes through.
    const env = ctx.sim
      ? { ...claudeSimEnv(ctx.sim.baseUrl, ctx.sim.home, ctx.env.PATH), ...pick(settings.env, ["IS_SANDBOX"]) }
      : { ...settings.env };
    const proc = spawnBackend(ctx.binary, args, { cwd: ctx.projectDir, env, extendEnv: ctx.sim === null, ...(promptInArgs ? {} : { input: ctx.prompt }) });
    return processRun(proc);
  },
  classifyFailure: classifyClaudeFailure,
  sideEvents: () => [],
};

function pick(env: Readonly<Record<string, string>>, keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) if (env[key] !== undefined) out[key] = env[key];
  return out;
}
