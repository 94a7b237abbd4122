import { z } from "zod";
import { MAX_TIMEOUT_S } from "./limits.js";

/**
 * The one configuration schema. Every key has a default, objects are strict so a typo is
 * reported instead of silently ignored, and `pilot config --print` shows the result.
 * The README's configuration reference documents each key.
 */

const positiveInt = z.number().int().positive();
const timeoutSeconds = positiveInt.max(MAX_TIMEOUT_S);
const nonNegativeNumber = z.number().nonnegative();
const envMap = z.record(z.string(), z.string());

export const PERMISSION_MODES = ["acceptEdits", "auto", "bypassPermissions", "default", "dontAsk", "plan"] as const;

export const claudeCodeConfigSchema = z
  .object({
    /** Executable name (looked up on PATH) or path of the `claude` CLI. */
    binary: z.string().min(1).default("claude"),
    /** Model passed as `--model`; null lets the CLI pick its default. */
    model: z.string().min(1).nullable().default(null),
    permission_mode: z.enum(PERMISSION_MODES).default("acceptEdits"),
    max_turns: positiveInt.nullable().default(null),
    extra_args: z.array(z.string()).default([]),
    /** Extra environment for the CLI (real runs only; `--sim` uses a clean environment). */
    env: envMap.default({}),
  })
  .strict();

/** A `-c key=value` for Codex: strings are quoted for TOML, numbers and booleans as they are. */
const tomlValue = z.union([z.string(), z.number(), z.boolean()]);

export const CODEX_SANDBOXES = ["read-only", "workspace-write", "danger-full-access"] as const;

export const codexConfigSchema = z
  .object({
    binary: z.string().min(1).default("codex"),
    /** Passed as `-m`. Codex prints no model name, so this is also what the run records unless its rollout file says otherwise. */
    model: z.string().min(1).nullable().default("gpt-5-codex"),
    /** `-s`: read-only cannot edit the project; danger-full-access only inside an external sandbox. */
    sandbox: z.enum(CODEX_SANDBOXES).default("workspace-write"),
    /** Extra settings as `-c key=value` (the user's own CODEX_HOME/config.toml still applies). */
    config: z.record(z.string().min(1), tomlValue).default({}),
    extra_args: z.array(z.string()).default([]),
    env: envMap.default({}),
  })
  .strict();

export const opencodeConfigSchema = z
  .object({
    binary: z.string().min(1).default("opencode"),
    /** `serve`: a server per run, driven over HTTP and SSE; `run`: `opencode run --format json`. */
    mode: z.enum(["serve", "run"]).default("serve"),
    /** OpenCode provider id (anthropic, openai, or one defined in `config`). */
    provider: z.string().min(1).default("anthropic"),
    model: z.string().min(1).default("claude-sonnet-4-5"),
    /** OpenCode's small model (titles); null: OpenCode's default for the provider. */
    small_model: z.string().min(1).nullable().default(null),
    /** With the event stream silent this long while the session works, read the session's messages instead. */
    quiet_timeout_s: positiveInt.max(MAX_TIMEOUT_S).default(120),
    /** Extra OpenCode config, merged into OPENCODE_CONFIG_CONTENT (nothing is written into the project). */
    config: z.record(z.string(), z.unknown()).default({}),
    env: envMap.default({}),
  })
  .strict();

export const modelPriceSchema = z
  .object({
    /** USD per million tokens. */
    input: nonNegativeNumber,
    output: nonNegativeNumber,
    cache_read: nonNegativeNumber.optional(),
    cache_write: nonNegativeNumber.optional(),
    cache_write_1h: nonNegativeNumber.optional(),
  })
  .strict();

export const configSchema = z
  .object({
    default_backend: z.enum(["claude-code", "codex", "opencode", "noop"]).default("claude-code"),
    backends: z
      .object({
        "claude-code": claudeCodeConfigSchema.default(() => claudeCodeConfigSchema.parse({})),
        codex: codexConfigSchema.default(() => codexConfigSchema.parse({})),
        opencode: opencodeConfigSchema.default(() => opencodeConfigSchema.parse({})),
      })
      .strict()
      .default(() => ({ "claude-code": claudeCodeConfigSchema.parse({}), codex: codexConfigSchema.parse({}), opencode: opencodeConfigSchema.parse({}) })),
    github: z
      .object({
        /** `owner/name`; null: taken from the project's `origin` remote. */
        repo: z
          .string()
          .regex(/^[\w.-]+\/[\w.-]+$/, "expected owner/name")
          .nullable()
          .default(null),
        /** REST API base URL; null: https://api.github.com (set it for GitHub Enterprise). */
        api_url: z.string().url().nullable().default(null),
        timeout_s: timeoutSeconds.default(30),
        /** The daemon enqueues open issues carrying `label` (checked every `poll_interval_s`). */
        intake: z.boolean().default(false),
        label: z.string().min(1).default("pilot"),
        poll_interval_s: positiveInt.max(MAX_TIMEOUT_S).default(60),
        /** Project directory for issues taken in by the daemon; null: the daemon's working directory. */
        project: z.string().min(1).nullable().default(null),
      })
      .strict()
      .default({ repo: null, api_url: null, timeout_s: 30, intake: false, label: "pilot", poll_interval_s: 60, project: null }),
    limits: z
      .object({
        task_timeout_s: timeoutSeconds.default(3600),
        inactivity_timeout_s: timeoutSeconds.default(600),
        /** A stream line longer than this is skipped and counted as a parse error. */
        max_line_bytes: positiveInt.default(268_435_456),
        /** Seconds between SIGTERM and SIGKILL when a backend's process group is stopped. */
        kill_grace_s: nonNegativeNumber.max(3600).default(5),
      })
      .strict()
      .default({ task_timeout_s: 3600, inactivity_timeout_s: 600, max_line_bytes: 268_435_456, kill_grace_s: 5 }),
    budgets: z
      .object({
        /** Per task (a task file's front matter, or --max-usd / --max-tokens, override them). */
        // Above 0: a zero budget would stop every run at its first call (null is no budget).
        per_task_usd: z.number().positive().nullable().default(null),
        per_task_tokens: positiveInt.nullable().default(null),
        /** Across all executions in the UTC day / month, running ones included: dispatch pauses when reached. */
        daily_usd: nonNegativeNumber.nullable().default(null),
        monthly_usd: nonNegativeNumber.nullable().default(null),
      })
      .strict()
      .default({ per_task_usd: null, per_task_tokens: null, daily_usd: null, monthly_usd: null }),
    dispatch: z
      .object({
        /** Tasks the daemon runs at once (never two in one project). */
        concurrency: positiveInt.max(64).default(2),
        max_attempts: positiveInt.max(100).default(3),
        /** A claim's lease; renewed every third of it while the task runs. */
        lease_s: positiveInt.max(3600).default(60),
        poll_interval_ms: positiveInt.max(60_000).default(500),
        /** Retry delay: retry_base_s * 2^(attempts-1), at most retry_max_s. */
        retry_base_s: nonNegativeNumber.max(86_400).default(10),
        retry_max_s: nonNegativeNumber.max(86_400).default(600),
        /** On SIGTERM/SIGINT, how long running tasks may finish before they are stopped. */
        shutdown_grace_s: nonNegativeNumber.max(3600).default(30),
        /** A running execution whose process is gone, or silent this long, is abandoned. */
        stale_after_s: positiveInt.max(86_400).default(120),
      })
      .strict()
      .default({ concurrency: 2, max_attempts: 3, lease_s: 60, poll_interval_ms: 500, retry_base_s: 10, retry_max_s: 600, shutdown_grace_s: 30, stale_after_s: 120 }),
    health: z
      .object({
        /** Telemetry gap: of the last `gap_window` completed executions of a backend, warn when at least `gap_threshold` have no usage. */
        gap_window: positiveInt.max(10_000).default(50),
        gap_threshold: z.number().gt(0).max(1).default(0.5),
        unpriced_window_days: positiveInt.max(3650).default(30),
      })
      .strict()
      .default({ gap_window: 50, gap_threshold: 0.5, unpriced_window_days: 30 }),
    pricing: z
      .object({
        /** Per-model prices (USD per million tokens) that take precedence over the price table. */
        models: z.record(z.string().min(1), modelPriceSchema).default({}),
        /** Log a warning when the backend's reported cost and ours differ by more than this. */
        disagreement_threshold: nonNegativeNumber.default(0.05),
      })
      .strict()
      .default({ models: {}, disagreement_threshold: 0.05 }),
    log: z
      .object({
        level: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
        file: z.string().min(1).nullable().default(null),
      })
      .strict()
      .default({ level: "info", file: null }),
  })
  .strict();

export type PilotConfig = z.output<typeof configSchema>;
export type ClaudeCodeConfig = z.output<typeof claudeCodeConfigSchema>;
export type CodexConfig = z.output<typeof codexConfigSchema>;
export type OpenCodeConfig = z.output<typeof opencodeConfigSchema>;
export type ModelPriceOverride = z.output<typeof modelPriceSchema>;
