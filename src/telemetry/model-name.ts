/**
 * Model names as backends print them, and the names pilot stores and prices.
 *
 * - `displayModelName` is what an execution records: provider prefixes and bracket tags
 *   removed (`anthropic/claude-opus-4-8[1m]` -> `claude-opus-4-8`), everything else kept.
 * - `priceLookupCandidates` is what the price table is asked for, most specific first.
 */

const PROVIDER_PREFIX = /^(?:(?:us|eu|apac|global|jp|au)\.)?(?:anthropic|openai|google|meta|mistral|amazon|cohere)\./i;
const BRACKET_TAG = /\[[^\]]*\]/g;
/** Bedrock-style version suffixes: `-v1:0`, `-v2`. */
const BEDROCK_VERSION = /-v\d+(?::\d+)?$/i;
const DATE_SUFFIX = /[-@.]\d{8}$/;

const displayCache = new Map<string, string>();

export function displayModelName(raw: string): string {
  // Called for every usage sample: a run names a handful of models, so remember them.
  const cached = displayCache.get(raw);
  if (cached !== undefined) return cached;
  const name = normalizeDisplayName(raw);
  if (displayCache.size < 10_000) displayCache.set(raw, name);
  return name;
}

function normalizeDisplayName(raw: string): string {
  let name = raw.trim().replace(BRACKET_TAG, "").trim();
  // `provider/model` (OpenCode, LiteLLM, OpenRouter) and `provider:model`; keep the last part.
  const slash = name.lastIndexOf("/");
  if (slash >= 0) name = name.slice(slash + 1);
  name = name.replace(PROVIDER_PREFIX, "");
  return name;
}

/**
 * Names to look up, in order. Dots and `@` become dashes (`claude-sonnet-4.5`,
 * `claude-sonnet-4-5@20250929`), a Bedrock version suffix goes, and only an 8-digit date
 * suffix may be dropped; nothing else is trimmed, so a version is never shortened into
 * another model's name.
 */
export function priceLookupCandidates(raw: string): string[] {
  const base = displayModelName(raw).replace(BEDROCK_VERSION, "");
  const dashed = base.replace(/[.@]/g, "-");
  const candidates = [base, dashed, base.replace(DATE_SUFFIX, ""), dashed.replace(DATE_SUFFIX, "")];
  return [...new Set(candidates.filter((c) => c.length > 0).map((c) => c.toLowerCase()))];
}

/** Whether `candidate` may be priced as a table entry it matched through `prefix` (a starts-with rule). */
export function isSameModelRemainder(remainder: string): boolean {
  if (remainder === "") return true;
  if (/^[-@.]\d{8}$/.test(remainder)) return true; // a release date
  // A separator followed by a digit continues the version (`claude-opus-4` + `-6`, `gpt-5` + `.1`,
  // `claude-opus-4-1` + `0`): another model. A word after a separator is a variant (`-codex`).
  if (/^\d/.test(remainder)) return false;
  return /^[-_:@.][A-Za-z]/.test(remainder);
}
