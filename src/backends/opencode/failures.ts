import type { Failure } from "../../executor/failure.js";
import type { FailureEvidence } from "../backend.js";

/**
 * OpenCode's failures, sorted into pilot's codes. Sources: fixtures/real-cli/opencode
 * (`APIError` with `statusCode` 401 / 429 / 500 in `session.error` and `error` lines).
 */
export function classifyOpenCodeFailure(e: FailureEvidence): Failure | null {
  const result = e.result;
  if (result && !result.isError) return null;
  if (result) {
    const message = result.text ?? "opencode reported an error";
    return { code: codeFor(result.apiErrorStatus, result.subtype, message), message };
  }
  const stderr = e.stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !/OPENCODE_SERVER_PASSWORD is not set/.test(l));
  const exit = e.signal ? `was killed by ${e.signal}` : `exited with code ${e.exitCode ?? "?"}`;
  const last = stderr.at(-1);
  return last ? { code: "backend_error", message: `opencode ${exit}: ${last}` } : { code: "no_result", message: `opencode ${exit} before its session finished` };
}

function codeFor(status: number | null, name: string | null, message: string): Failure["code"] {
  if (status === 401 || status === 403 || name === "ProviderAuthError") return "auth";
  if (status === 429) return "rate_limited";
  if (status === 529 || /overloaded/i.test(message)) return "overloaded";
  if (/context|too long|maximum.*tokens/i.test(message) && status === 400) return "context_overflow";
  if (name === "MessageAbortedError") return "cancelled";
  if (status === null && /ECONNRESET|ECONNREFUSED|socket|network|fetch failed/i.test(message)) return "network";
  return "api_error";
}
