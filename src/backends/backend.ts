import type { PilotConfig } from "../config/schema.js";
import type { Failure } from "../executor/failure.js";
import type { ProcessExit } from "../executor/process.js";
import type { SideRecord } from "../executor/recording.js";
import type { Logger } from "../util/logger.js";
import type { BackendEvent, ResultEvent, StreamParser } from "./events.js";

/** What a backend needs to start its CLI for one run. */
export interface StartContext {
  /** The CLI's executable, already found. */
  binary: string;
  prompt: string;
  projectDir: string;
  /** The model pilot asks for (flag, task or config); null: the CLI's default. */
  model: string | null;
  config: PilotConfig;
  /** Set for `--sim` runs: the simulator's base URL and a throwaway home directory. */
  sim: { baseUrl: string; home: string } | null;
  /** pilot's own environment (real runs pass it on). */
  env: NodeJS.ProcessEnv;
  log: Logger;
  /**
   * Aborted when the run is stopped (timeout, Ctrl-C, cancel) before `start` returned. A
   * backend whose start can take a while (a server coming up) gives up at once, stops what it
   * spawned, and returns a run with no output.
   */
  signal: AbortSignal;
}

/** A started backend: its output bytes, its process group, and how to finish or stop it. */
export interface BackendRun {
  /** The process group to signal (and to record, so a restarted daemon can clean up). */
  pid: number | null;
  /** What the backend prints (or streams), as received: recorded and parsed. */
  output: AsyncIterable<Uint8Array>;
  stderrTail(): string;
  /** Resolves once the backend's process has exited and its output has ended. */
  exited: Promise<ProcessExit>;
  /** The stream showed the end of the run: a server-based backend ends its output and stops. */
  complete(): void;
  /** Cancels the run and stops the process group (SIGTERM, then SIGKILL after the grace). */
  stop(graceMs: number): Promise<void>;
  /** Sources read after the output ended (a rollout file, a session's final messages). */
  collectSide(facts: { sessionId: string | null; startedAt: number }): Promise<SideRecord[]>;
}

/** Everything a backend may look at to say why a run failed. */
export interface FailureEvidence {
  result: ResultEvent | null;
  errors: Extract<BackendEvent, { type: "error" }>[];
  retries: Extract<BackendEvent, { type: "retry" }>[];
  stderr: string;
  exitCode: number | null;
  signal: string | null;
}

export interface Backend {
  name: string;
  /** False for a backend that by design calls no model (its executions are `none_expected`). */
  callsModel: boolean;
  /** How the CLI is driven (recorded on the row and in the recording header). */
  mode(config: PilotConfig): string;
  /** What its output is: NDJSON lines or SSE frames, for the given mode. */
  format(mode: string): "ndjson" | "sse";
  /** The mode whose output has this format (to parse a raw capture), or null. */
  modeForFormat(format: "ndjson" | "sse"): string | null;
  /** The config key that names the binary, for error messages. */
  binaryConfigKey: string;
  /** The CLI's executable as configured; null for a backend that starts none. */
  binary(config: PilotConfig): string | null;
  /** The model configured for this backend, if any. */
  configuredModel(config: PilotConfig): string | null;
  /** The backend's documented default model, for CLIs that never print theirs. */
  defaultModel: string | null;
  createParser(options: { maxLineBytes: number; mode: string }): StreamParser;
  /**
   * The side sources of a run whose pilot died before reading them (its `collectSide` never
   * ran), for the recovery: Codex's rollout file holds the usage of the requests that finished.
   */
  recoverSide?(facts: { sessionId: string | null; startedAt: number; simHome: string | null; config: PilotConfig; env: NodeJS.ProcessEnv }): Promise<SideRecord[]>;
  start(ctx: StartContext): Promise<BackendRun>;
  /** Null when the evidence shows a completed run. */
  classifyFailure(evidence: FailureEvidence): Failure | null;
  /** Events a run's side records add (pure; used live and by `pilot reparse`). */
  sideEvents(records: SideRecord[]): BackendEvent[];
}
