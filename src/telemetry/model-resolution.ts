import type { ModelSource } from "../store/schema.js";
import { displayModelName } from "./model-name.js";

/**
 * The model an execution records, never empty when a model was called. Fallback chain:
 * served (what answered, from the stream) -> requested (`--model`, task front matter) ->
 * config default for the backend -> the backend's own default (what the CLI said it would
 * use, or a backend's documented default). The source says which link was used.
 */
export interface ModelCandidates {
  /** Models that answered, with their total tokens (0 when only seen by name). */
  served: { model: string; tokens: number }[];
  /** What pilot asked for and where that came from. */
  requested: { model: string; source: "requested" | "config" } | null;
  /** What the CLI said it resolved the request (or its default) to, e.g. Claude's init line. */
  cliConfigured: string | null;
  /** A backend's documented default, for CLIs that never say (not used for Claude Code). */
  backendDefault: string | null;
}

export interface ResolvedModel {
  model: string | null;
  source: ModelSource | null;
}

export function resolveModel(c: ModelCandidates): ResolvedModel {
  const served = c.served.filter((s) => s.model.length > 0);
  if (served.length > 0) {
    // Prefer the model the run was meant to use among those that answered (side calls on a
    // small model are not "the" model), else the one that did the most work.
    const intended = [c.cliConfigured, c.requested?.model].filter((m): m is string => !!m).map(displayModelName);
    const match = served.find((s) => intended.includes(displayModelName(s.model)));
    const top = match ?? [...served].sort((a, b) => b.tokens - a.tokens)[0]!;
    return { model: displayModelName(top.model), source: "served" };
  }
  if (c.requested) {
    // The CLI's own resolution of an alias (`sonnet` -> `claude-sonnet-5`) is the better name.
    return { model: displayModelName(c.cliConfigured ?? c.requested.model), source: c.requested.source };
  }
  if (c.cliConfigured) return { model: displayModelName(c.cliConfigured), source: "backend_default" };
  if (c.backendDefault) return { model: displayModelName(c.backendDefault), source: "backend_default" };
  return { model: null, source: null };
}
