import type { Readable } from "node:stream";
import { execa } from "execa";
import { errnoCode } from "../util/errors.js";

/**
 * A backend CLI as a child process in its own process group: stdin closed (or fed a prompt
 * and closed), stdout streamed to the parser, the tail of stderr kept for error messages.
 * Stopping it signals the whole group (the CLI's tools and their children too): SIGTERM,
 * then SIGKILL after a grace period.
 */
export interface ProcessExit {
  exitCode: number | null;
  signal: string | null;
  /** Set when the process could not be started at all. */
  spawnError: Error | null;
}

export interface BackendProcess {
  pid: number | null;
  stdout: Readable;
  stderrTail(): string;
  /** Resolves once the process has exited and its output is drained. */
  exited: Promise<ProcessExit>;
  /** Signals the process group; resolves when the process has exited. */
  stop(graceMs: number): Promise<void>;
}

export interface SpawnOptions {
  cwd: string;
  env: Record<string, string>;
  extendEnv: boolean;
  input?: string;
}

const STDERR_TAIL_BYTES = 16 * 1024;
/**
 * The CLI must not outlive a pilot killed with -9 (a server such as `opencode serve` would run
 * forever, a CLI mid-tool keeps editing the project). A shell keeps the read end of a pipe
 * only pilot writes to and then becomes the CLI (`exec`, same pid and process group); a
 * watcher in the group blocks on that pipe, and when pilot dies the pipe closes and the
 * watcher kills the group. The watcher holds none of the CLI's output pipes.
 */
const DIE_WITH_PILOT = 'exec 3<&0; ( while read -r _ <&3; do :; done; kill -KILL 0 ) >/dev/null 2>&1 & exec "$0" "$@" </dev/null 3<&-';
/** After the CLI exits, how long its leftovers may hold the pipes open before the group is killed. */
const LINGER_MS = 2_000;

export function spawnBackend(file: string, args: string[], options: SpawnOptions): BackendProcess {
  // A prompt on stdin needs stdin; those CLIs exit when their output pipe breaks.
  const watched = options.input === undefined;
  const child = execa(watched ? "/bin/sh" : file, watched ? ["-c", DIE_WITH_PILOT, file, ...args] : args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: options.extendEnv,
    detached: true, // its own process group
    stdin: "pipe", // never written: the watcher's pipe, or the prompt
    ...(options.input === undefined ? {} : { input: options.input }),
    stdout: "pipe",
    stderr: "pipe",
    buffer: false,
    reject: false,
    cleanup: false, // pilot stops the whole group itself
    stripFinalNewline: false,
  });
  const pid = child.pid ?? null;

  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
    if (stderr.length > STDERR_TAIL_BYTES * 2) stderr = stderr.slice(-STDERR_TAIL_BYTES);
  });

  let exitedAlready = false;
  const exited: Promise<ProcessExit> = child.then(
    (result) => {
      exitedAlready = true;
      const spawnError = result.failed && result.exitCode === undefined && !result.signal ? (result.cause instanceof Error ? result.cause : new Error(result.message)) : null;
      return { exitCode: result.exitCode ?? null, signal: result.signal ?? null, spawnError };
    },
    (error: unknown) => {
      exitedAlready = true;
      return { exitCode: null, signal: null, spawnError: error instanceof Error ? error : new Error(String(error)) };
    },
  );

  // The CLI may leave processes behind that still hold stdout: give them a moment, then
  // take the group down so the run can finish.
  child.on("exit", () => {
    const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), LINGER_MS);
    timer.unref();
    void exited.then(() => {
      clearTimeout(timer);
      signalGroup(pid, "SIGTERM"); // leftovers of a finished run
    });
  });

  return {
    pid,
    stdout: child.stdout!,
    stderrTail: () => stderr.slice(-STDERR_TAIL_BYTES),
    exited,
    async stop(graceMs) {
      if (exitedAlready) return;
      signalGroup(pid, "SIGTERM");
      const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Signals a process group; a group that is already gone is not an error. */
export function signalGroup(pid: number | null, signal: NodeJS.Signals): boolean {
  if (pid === null) return false;
  try {
    process.kill(-pid, signal);
    return true;
  } catch (error) {
    if (errnoCode(error) === "ESRCH") return false;
    throw error;
  }
}

export function spawnErrorCode(error: Error | null): string | undefined {
  if (!error) return undefined;
  return errnoCode(error) ?? errnoCode((error as { cause?: unknown }).cause);
}

/** A plain CLI run as a BackendRun: its stdout is the output, nothing to finish or collect. */
export function processRun(proc: BackendProcess): import("../backends/backend.js").BackendRun {
  return {
    pid: proc.pid,
    output: proc.stdout as AsyncIterable<Uint8Array>,
    stderrTail: proc.stderrTail,
    exited: proc.exited,
    complete: () => {},
    stop: (graceMs) => proc.stop(graceMs),
    collectSide: async () => [],
  };
}
