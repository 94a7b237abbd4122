import { z } from "zod";

/**
 * The lines `codex exec --json` (0.171) prints, reduced to what pilot reads. Tolerant like
 * the Claude shapes: unknown fields pass, a count of the wrong type reads as 0.
 */
const tokens = z.unknown().optional().transform((value): number => {
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
});
const optionalString = z.unknown().optional().transform((v): string | null => (typeof v === "string" ? v : null));

export const threadStartedSchema = z.object({ thread_id: optionalString });

/** `turn.completed.usage`: CUMULATIVE for the thread; cached and cache-write are parts of input, reasoning of output. */
export const turnUsageSchema = z.object({
  input_tokens: tokens,
  cached_input_tokens: tokens,
  cache_write_input_tokens: tokens,
  output_tokens: tokens,
  reasoning_output_tokens: tokens,
});

export const turnCompletedSchema = z.object({ usage: turnUsageSchema.nullish().catch(null) });

export const turnFailedSchema = z.object({ error: z.object({ message: optionalString }).nullish().catch(null) });

export const errorLineSchema = z.object({ message: optionalString });

export const itemLineSchema = z.object({
  item: z
    .object({
      id: optionalString,
      type: optionalString,
      text: optionalString,
      message: optionalString,
      command: optionalString,
      server: optionalString,
      tool: optionalString,
    })
    .loose(),
});
