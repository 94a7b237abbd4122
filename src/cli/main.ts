#!/usr/bin/env node
import { main } from "./program.js";

// A reader or terminal that went away (`pilot executions --json | head`, a closed ssh) is not
// pilot's error; any other failure to write the output (a full disk) is, and fails the command.
const GONE = new Set(["EPIPE", "EIO"]);
let writeError: NodeJS.ErrnoException | null = null;
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (!GONE.has(error.code ?? "")) writeError ??= error;
  });
}

/**
 * Exit once stdout and stderr are flushed: writes to a pipe are asynchronous, and exiting
 * with output still queued would cut `--json` off at the pipe's buffer size (64 KiB).
 * Everything else pilot writes (SQLite, recordings, log files) is synchronous.
 */
function exitAfterFlush(code: number): void {
  let pending = 2;
  const done = (error?: Error | null) => {
    const code2 = (error as NodeJS.ErrnoException | null | undefined)?.code;
    if (error && code2 !== "ERR_STREAM_DESTROYED" && !GONE.has(code2 ?? "")) writeError ??= error;
    if (--pending > 0) return;
    if (writeError) {
      try {
        process.stderr.write(`pilot: cannot write the output: ${writeError.message}\n`);
      } catch {
        // stderr is gone too
      }
      process.exit(code === 0 ? 1 : code);
    }
    process.exit(code);
  };
  process.stdout.write("", done);
  process.stderr.write("", done);
}

main(process.argv).then(exitAfterFlush, () => exitAfterFlush(1));
