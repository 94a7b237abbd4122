import type { Failure } from "../../executor/failure.js";
import type { FailureEvidence } from "../backend.js";

/**
 * Codex's failures, sorted into pilot's codes. Sources: fixtures/real-cli/codex (turn.failed
 * messages for HTTP 401/429/500, dropped streams and `response.failed`) and its stderr (a
 * config it refuses, e.g. `wire_api = "chat"`).
 */
export function classifyCodexFailure(e: FailureEvidence): Failure | null {
  const result = e.result;
  if (result && !result.isError) return null;
  if (result) {
    const message = result.text ?? "codex reported a failed turn";
    return { code: codeFor(result.apiErrorStatus, message), message };
  }
  const stderr = e.stderr.trim();
  const exit = e.signal ? `was killed by ${e.signal}` : `exited with code ${e.exitCode ?? "?"}`;
  // e.g. "Error loading config.toml: `wire_api = "chat"` is no longer supported."
  const errorLine = stderr.split("\n").find((l) => /^error\b/i.test(l.trim()));
  if (errorLine) return { code: "backend_error", message: `codex ${exit}: ${errorLine.trim()}` };
  const last = stderr.split("\n").map((l) => l.trim()).filter((l) => l.length > 0 && !/^Reading additional input from stdin/.test(l)).at(-1);
  if (e.exitCode === 0 && !e.signal) return { code: "no_result", message: "codex exited with code 0 without completing a turn" };
  return { code: last ? "backend_error" : "no_result", message: last ? `codex ${exit}: ${last}` : `codex ${exit} without completing a turn` };
}

function codeFor(status: number | null, message: string): Failure["code"] {
  if (status === 401 || status === 403 || /unauthori[sz]ed|invalid api key|incorrect api key/i.test(message)) return "auth";
  if (status === 429 || /rate limit|too many requests|quota/i.test(message)) return "rate_limited";
  if (/context (window|length)|context_length_exceeded|maximum context/i.test(message)) return "context_overflow";
  // "stream disconnected before completion", transport errors: the connection, not the API.
  if (/stream disconnected|transport error|network error|connection (reset|refused|closed)|timed out/i.test(message)) return "network";
  // "We're currently experiencing high demand" is Codex's text for ANY 5xx (500 and 529
  // alike in the captures): it does not say the server was overloaded, so it stays api_error.
  if (/overloaded/i.test(message) || status === 503 || status === 529) return "overloaded";
  return "api_error";
}
