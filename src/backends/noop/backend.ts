import type { Backend, BackendRun } from "../backend.js";
import type { BackendEvent, StreamParser } from "../events.js";

/**
 * A backend that starts no CLI and calls no model: its executions are `none_expected`
 * (what a parent task that only splits work would be). Used by the dispatch benchmark and
 * by tests of the daemon that are about the queue, not about a CLI.
 */
const DONE = `${JSON.stringify({ type: "noop.done" })}\n`;

function noopParser(): StreamParser {
  let done = false;
  let pending = "";
  const take = (text: string) => {
    pending += text;
    if (pending.includes('"noop.done"')) done = true;
    if (pending.length > 1024) pending = pending.slice(-64);
  };
  return {
    push(chunk) {
      take(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      return [];
    },
    end(): BackendEvent[] {
      if (!done) return [];
      return [{ type: "result", isError: false, subtype: "noop", text: null, numTurns: 0, durationMs: 0, sessionId: null, costReportedUsd: null, apiErrorStatus: null, errors: [] }];
    },
  };
}

export const noopBackend: Backend = {
  name: "noop",
  callsModel: false,
  mode: () => "noop",
  format: () => "ndjson",
  modeForFormat: (format) => (format === "ndjson" ? "noop" : null),
  binaryConfigKey: "(none: the noop backend starts no CLI)",
  binary: () => null,
  configuredModel: () => null,
  defaultModel: null,
  createParser: () => noopParser(),
  async start(): Promise<BackendRun> {
    return {
      pid: null,
      output: (async function* () {
        yield Buffer.from(DONE);
      })(),
      stderrTail: () => "",
      exited: Promise.resolve({ exitCode: 0, signal: null, spawnError: null }),
      complete: () => {},
      stop: async () => {},
      collectSide: async () => [],
    };
  },
  classifyFailure: (e) => (e.result && !e.result.isError ? null : { code: "no_result", message: "noop backend did not finish" }),
  sideEvents: () => [],
};
