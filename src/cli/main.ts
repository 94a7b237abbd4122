#!/usr/bin/env node
import { main } from "./program.js";

// A reader or terminal that went away (`pilot executions --json | head`, a closed ssh) is not pilot's error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    // EIO: the terminal went away (SIGHUP); pilot still saves the run.
    if (error.code !== "EPIPE" && error.code !== "EIO") throw error;
  });
}

/**
 * Exit once stdout and stderr are flushed: writes to a pipe are asynchronous, and exiting
 * with output still queued would cut `--json` off at the pipe's buffer size (64 KiB).
 * Everything else pilot writes (SQLite, recordings, log files) is synchronous.
 */
function exitAfterFlush(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write("", done);
  process.stderr.write("", done);
}

main(process.argv).then(exitAfterFlush, () => exitAfterFlush(1));
