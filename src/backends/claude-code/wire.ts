import { z } from "zod";

/**
 * The shapes Claude Code 2.1 prints with `--output-format stream-json --verbose
 * --include-partial-messages`, reduced to the fields pilot reads. Objects keep unknown
 * fields out of the way instead of rejecting them, and a token count of an unexpected
 * type reads as 0 rather than failing the line: a strict schema meeting a new nested
 * field is how other parsers ended up with zero tokens.
 */

const tokens = z.unknown().optional().transform((value): number => {
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
});
const optionalString = z.unknown().optional().transform((v): string | null => (typeof v === "string" ? v : null));
const optionalNumber = z.unknown().optional().transform((v): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null));

export const apiUsageSchema = z.object({
  input_tokens: tokens,
  output_tokens: tokens,
  cache_read_input_tokens: tokens,
  cache_creation_input_tokens: tokens,
  cache_creation: z
    .object({ ephemeral_5m_input_tokens: tokens, ephemeral_1h_input_tokens: tokens })
    .nullish()
    .catch(null),
});
export type ApiUsage = z.output<typeof apiUsageSchema>;

/** `message_delta.usage`: output always; newer API versions repeat input and cache counts. */
export const deltaUsageSchema = z.object({
  input_tokens: z.number().optional().catch(undefined),
  output_tokens: z.number().optional().catch(undefined),
  cache_read_input_tokens: z.number().optional().catch(undefined),
  cache_creation_input_tokens: z.number().optional().catch(undefined),
});

export const systemInitSchema = z.object({
  session_id: optionalString,
  model: optionalString,
  claude_code_version: optionalString,
});

export const apiRetrySchema = z.object({
  attempt: optionalNumber,
  max_retries: optionalNumber,
  error_status: optionalNumber,
  error: optionalString,
});

const contentBlockSchema = z.object({
  type: z.string(),
  text: z.string().optional().catch(undefined),
  id: z.string().optional().catch(undefined),
  name: z.string().optional().catch(undefined),
});

export const assistantSchema = z.object({
  message: z.object({
    id: optionalString,
    model: optionalString,
    usage: apiUsageSchema.nullish().catch(null),
    content: z.array(contentBlockSchema).catch([]),
  }),
  parent_tool_use_id: optionalString,
  error: optionalString,
});

export const messageStartSchema = z.object({
  message: z.object({ id: optionalString, model: optionalString, usage: apiUsageSchema.nullish().catch(null) }),
});

export const messageDeltaSchema = z.object({ usage: deltaUsageSchema.nullish().catch(null) });

export const streamEventSchema = z.object({
  event: z.object({ type: z.string() }).loose(),
  parent_tool_use_id: optionalString,
});

const modelUsageEntrySchema = z.object({
  inputTokens: tokens,
  outputTokens: tokens,
  cacheReadInputTokens: tokens,
  cacheCreationInputTokens: tokens,
  costUSD: optionalNumber,
});

export const resultSchema = z.object({
  subtype: optionalString,
  is_error: z.unknown().optional().transform((v) => v === true),
  result: optionalString,
  num_turns: optionalNumber,
  duration_ms: optionalNumber,
  session_id: optionalString,
  total_cost_usd: optionalNumber,
  api_error_status: optionalNumber,
  usage: apiUsageSchema.nullish().catch(null),
  modelUsage: z.record(z.string(), modelUsageEntrySchema.catch({
    inputTokens: 0,
    outputTokens: 0,
    cacheReadInputTokens: 0,
    cacheCreationInputTokens: 0,
    costUSD: null,
  })).nullish().catch(null),
  errors: z.array(z.unknown()).catch([]).optional(),
});

/** The model name Claude Code puts on messages it made up itself (errors): never a served model. */
export const SYNTHETIC_MODEL = "<synthetic>";
