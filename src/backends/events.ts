import { z } from "zod";

/**
 * The one event vocabulary every backend parser produces. Parsers turn a CLI's bytes into
 * these; the run state folds them; only `src/telemetry/` turns `usage` into totals.
 * The zod schemas document the shapes and are used by tests to check parser output; the
 * hot path does not re-validate its own events.
 */

const count = z.number().int().nonnegative();

export const rawUsageSchema = z.discriminatedUnion("convention", [
  z.object({
    convention: z.literal("anthropic"),
    input_tokens: count,
    output_tokens: count,
    cache_read_input_tokens: count,
    cache_creation_input_tokens: count,
    cache_creation_5m: count.optional(),
    cache_creation_1h: count.optional(),
    thinking_tokens: count.optional(),
  }),
  z.object({
    convention: z.literal("openai"),
    input_tokens: count,
    cached_input_tokens: count,
    cache_write_input_tokens: count,
    output_tokens: count,
    reasoning_output_tokens: count,
  }),
  z.object({
    convention: z.literal("opencode"),
    input: count,
    output: count,
    reasoning: count,
    cache_read: count,
    cache_write: count,
  }),
  z.object({
    convention: z.literal("gemini"),
    prompt: count,
    candidates: count,
    cached: count,
    thoughts: count,
    tool: count,
  }),
]);

export const backendEventSchema = z.discriminatedUnion("type", [
  /** Usage of one model call, a cumulative counter, or the backend's final report. */
  z.object({
    type: z.literal("usage"),
    scope: z.enum(["call", "final", "cumulative"]),
    id: z.string().nullable(),
    model: z.string().nullable(),
    usage: rawUsageSchema,
    /** True when this sample closes its model call (final output count known). */
    complete: z.boolean(),
    thread: z.string().nullable().optional(),
    costReportedUsd: z.number().nullable().optional(),
  }),
  /** A model name: what the CLI says it will use (`configured`) or what answered (`served`). */
  z.object({ type: z.literal("model"), model: z.string().min(1), role: z.enum(["configured", "served"]) }),
  z.object({
    type: z.literal("session"),
    sessionId: z.string(),
    cliVersion: z.string().nullable(),
  }),
  z.object({ type: z.literal("text"), text: z.string() }),
  z.object({ type: z.literal("tool_call"), id: z.string().nullable(), name: z.string() }),
  /** The backend retries a failed model request; not a failure by itself. */
  z.object({
    type: z.literal("retry"),
    attempt: z.number().nullable(),
    maxRetries: z.number().nullable(),
    status: z.number().nullable(),
    error: z.string().nullable(),
  }),
  /** An error the backend reported; `fatal` when it ends the run by itself. */
  z.object({
    type: z.literal("error"),
    message: z.string(),
    kind: z.string().nullable(),
    status: z.number().nullable(),
    fatal: z.boolean(),
  }),
  /** The backend's end of run. */
  z.object({
    type: z.literal("result"),
    isError: z.boolean(),
    subtype: z.string().nullable(),
    text: z.string().nullable(),
    numTurns: z.number().nullable(),
    durationMs: z.number().nullable(),
    sessionId: z.string().nullable(),
    costReportedUsd: z.number().nullable(),
    apiErrorStatus: z.number().nullable(),
    errors: z.array(z.string()),
    /**
     * The run ended but its usage report is not complete (an aborted OpenCode session goes
     * idle without the stopped step's usage): telemetry is `partial`, not `reported`.
     */
    usageIncomplete: z.boolean().optional(),
  }),
  /** A line or frame that could not be used; counted, logged, never fatal. */
  z.object({
    type: z.literal("parse_error"),
    reason: z.enum(["invalid_json", "invalid_utf8", "line_too_long", "unexpected_shape"]),
    line: z.number().int(),
    bytes: z.number().int(),
    detail: z.string(),
  }),
  /** A well-formed line of a type this parser does not know (newer CLI): ignored, counted. */
  z.object({ type: z.literal("unknown"), name: z.string() }),
]);

export type BackendEvent = z.infer<typeof backendEventSchema>;
export type UsageEvent = Extract<BackendEvent, { type: "usage" }>;
export type ResultEvent = Extract<BackendEvent, { type: "result" }>;
export type ParseErrorEvent = Extract<BackendEvent, { type: "parse_error" }>;

/** A pure, incremental parser: bytes in, events out; no clock, no I/O. */
export interface StreamParser {
  push(chunk: Uint8Array | string): BackendEvent[];
  end(): BackendEvent[];
}
