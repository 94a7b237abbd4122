import type { PilotConfig } from "../config/schema.js";
import type { Failure } from "../executor/failure.js";
import type { BackendEvent, ResultEvent, StreamParser } from "./events.js";

/** What a backend runner needs to know to start its CLI for one run. */
export interface CommandContext {
  prompt: string;
  projectDir: string;
  /** The model pilot asks for (flag, task or config); null: the CLI's default. */
  model: string | null;
  config: PilotConfig;
  /** Set for `--sim` runs: the simulator's base URL and a throwaway HOME. */
  sim: { baseUrl: string; home: string } | null;
  /** pilot's own environment (real runs pass it on). */
  env: NodeJS.ProcessEnv;
}

export interface BackendCommand {
  args: string[];
  env: Record<string, string>;
  /** Whether the child also inherits pilot's environment (false in `--sim` mode). */
  extendEnv: boolean;
  /** Sent on stdin, then stdin is closed (a prompt too long for argv). */
  input?: string;
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
  /** How the CLI is driven (recorded on the row and in the recording header). */
  mode: string;
  format: "ndjson" | "sse";
  /** The config key that names the binary, for error messages. */
  binaryConfigKey: string;
  binary(config: PilotConfig): string;
  /** The model configured for this backend, if any. */
  configuredModel(config: PilotConfig): string | null;
  /** The backend's documented default model, for CLIs that never print theirs. */
  defaultModel: string | null;
  createParser(options: { maxLineBytes: number }): StreamParser;
  command(ctx: CommandContext): BackendCommand;
  /** Null when the evidence shows a completed run. */
  classifyFailure(evidence: FailureEvidence): Failure | null;
}
