import type { OpenCodeUsage } from "../../telemetry/convert.js";

/**
 * Shapes OpenCode 1.18 prints (`run --format json` lines, `serve` /event SSE `data:`
 * frames, `GET /session/:id/message`). Read field by field, tolerant of anything else.
 */

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
export const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const count = (v: unknown): number => {
  const n = typeof v === "string" ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
};

/**
 * A step-finish part's `tokens`. Builds and providers differ: the nested form
 * `{input, output, reasoning, cache: {read, write}}` and a flat one with
 * `cache_read_input_tokens` / `cache_creation_input_tokens` next to input and output.
 */
export function stepTokens(tokens: unknown): OpenCodeUsage | null {
  if (!isObject(tokens)) return null;
  const cache = isObject(tokens.cache) ? tokens.cache : {};
  return {
    convention: "opencode",
    input: count(tokens.input ?? tokens.input_tokens),
    output: count(tokens.output ?? tokens.output_tokens),
    reasoning: count(tokens.reasoning ?? tokens.reasoning_tokens),
    cache_read: count(cache.read ?? tokens.cache_read_input_tokens ?? tokens.cache_read),
    cache_write: count(cache.write ?? tokens.cache_creation_input_tokens ?? tokens.cache_write),
  };
}

/** `providerID/modelID` of an assistant message, as the model name pilot records (the model id). */
export function messageModel(info: Json): string | null {
  const model = str(info.modelID) ?? (isObject(info.model) ? str(info.model.modelID) ?? str(info.model.id) : null);
  return model && model.length > 0 ? model : null;
}

/** An OpenCode error object (`{name, data: {message, statusCode, isRetryable}}`) as text and status. */
export function errorOf(error: unknown): { message: string; name: string | null; status: number | null } {
  if (!isObject(error)) return { message: typeof error === "string" ? error : "error", name: null, status: null };
  const data = isObject(error.data) ? error.data : {};
  const name = str(error.name);
  const status = typeof data.statusCode === "number" ? data.statusCode : null;
  const message = str(data.message) ?? str(error.message) ?? name ?? "error";
  return { message, name, status };
}
