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
    default_backend: z.enum(["claude-code"]).default("claude-code"),
    backends: z
      .object({
        "claude-code": claudeCodeConfigSchema.default(() => claudeCodeConfigSchema.parse({})),
      })
      .strict()
      .default(() => ({ "claude-code": claudeCodeConfigSchema.parse({}) })),
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
      })
      .strict()
      .default({ repo: null, api_url: null, timeout_s: 30 }),
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
export type ModelPriceOverride = z.output<typeof modelPriceSchema>;
