import type { Failure } from "../../executor/failure.js";
import type { FailureEvidence } from "../backend.js";

/**
 * Claude Code's failures, sorted into pilot's codes. Sources: the captures in
 * fixtures/real-cli/claude (result lines with `is_error`, synthetic assistant messages
 * with `error`, `system/api_retry` lines) and its stderr refusals.
 */
export function classifyClaudeFailure(e: FailureEvidence): Failure | null {
  const result = e.result;
  if (result && !result.isError) return null;
  if (result) {
    // `subtype: "success"` with `is_error: true` is a failure: always check `is_error`.
    if (result.subtype === "error_max_turns") {
      return { code: "max_turns", message: result.errors[0] ?? `reached the maximum number of turns (${result.numTurns ?? "?"})` };
    }
    const lastError = e.errors[e.errors.length - 1];
    const message = result.text ?? result.errors.join("; ") ?? lastError?.message ?? `claude reported an error (${result.subtype ?? "no subtype"})`;
    return { code: codeFor(result.apiErrorStatus, lastError?.kind ?? null, message), message };
  }
  const stderr = e.stderr.trim();
  // Seen as root: "--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons".
  if (/cannot be used with root\/sudo privileges/i.test(stderr)) {
    return {
      code: "permission_refused",
      message:
        `claude refused to run: ${lastLine(stderr)}. As root, permission_mode bypassPermissions needs IS_SANDBOX=1 ` +
        `(set backends.claude-code.env.IS_SANDBOX: "1" only inside a sandbox), or use permission_mode acceptEdits.`,
    };
  }
  const exit = e.signal ? `was killed by ${e.signal}` : `exited with code ${e.exitCode ?? "?"}`;
  if (stderr.length > 0) return { code: "backend_error", message: `claude ${exit}: ${lastLine(stderr)}` };
  return { code: "no_result", message: `claude ${exit} without a result line` };
}

function codeFor(status: number | null, kind: string | null, message: string): Failure["code"] {
  if (status === 401 || status === 403 || kind === "authentication_failed") return "auth";
  if (status === 429 || kind === "rate_limit") return "rate_limited";
  if (status === 529 || /overloaded/i.test(message)) return "overloaded";
  if (/prompt is too long|context (window|length)/i.test(message)) return "context_overflow";
  // `api_error_status` is null for dropped connections (ECONNRESET) and timeouts.
  if (status === null && /connection|ECONNRESET|ETIMEDOUT|network|socket/i.test(message)) return "network";
  return "api_error";
}

function lastLine(text: string): string {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l.length > 0);
  return lines[lines.length - 1] ?? text;
}
