import { rmSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Backend, BackendRun } from "../backends/backend.js";
import type { BackendEvent } from "../backends/events.js";
import type { PilotPaths } from "../config/paths.js";
import type { PilotConfig } from "../config/schema.js";
import { toExecutionObject, type ExecutionObject } from "../contracts/execution.js";
import { startSimulator, type Simulator } from "../sim/server.js";
import { retryWhileBusy, type Db } from "../store/db.js";
import { createExecution, getExecution, markExecutionStarted } from "../store/executions.js";
import { saveExecutionMetrics, type FinalOutcome, type Writer } from "../store/save-execution-metrics.js";
import type { ExecutionId } from "../store/schema.js";
import { threadBaseline } from "../store/thread-usage.js";
import type { Task } from "../tasks/task.js";
import { estimatePromptTokens, estimateUsage } from "../telemetry/estimate.js";
import { loadPriceTable, PriceBook } from "../telemetry/pricing.js";
import type { TokenBuckets } from "../telemetry/usage.js";
import { coerceError } from "../util/errors.js";
import { ensureDir } from "../util/fs.js";
import { newId } from "../util/ids.js";
import type { Logger } from "../util/logger.js";
import { packageVersionOf, resolveBinary } from "./binary.js";
import { decideOutcome, type RunOutcome, type TerminationReason } from "./outcome.js";
import type { ProcessExit } from "./process.js";
import { RecordingWriter } from "./recording.js";
import { reportTelemetry } from "./report.js";
import { RunState } from "./run-state.js";
import { watchRun, type Budget } from "./watch.js";

/**
 * One run of one task on one backend, start to persisted finish. The row exists before the
 * CLI starts (created here, or by the daemon's claim) and always reaches a final status: a
 * missing binary, a crash, a timeout, a budget or a Ctrl-C each end with their status, error
 * and whatever usage the stream had produced.
 */

export interface RunExecutionInput {
  db: Db;
  config: PilotConfig;
  paths: PilotPaths;
  logger: Logger;
  task: Task;
  backend: Backend;
  projectDir: string;
  /** The model pilot asks for and where that came from; null: the CLI's default. */
  model: { model: string; source: "requested" | "config" } | null;
  timeoutS: number;
  inactivityTimeoutS: number;
  budget?: Budget;
  /** Run against the loopback simulator with this scenario (a daemon passes its own simulator). */
  sim: { scenario: string; simulator?: Simulator } | null;
  /** Aborting stops the run; the reason (`SIGINT`, `SIGTERM`, `cancel`) becomes its status. */
  signal?: AbortSignal;
  onProgress?: (progress: RunProgress) => void;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  /** An execution row the caller already created (the daemon's claim); otherwise one is made. */
  executionId?: ExecutionId;
  /** Runs inside the transaction that stores the final status (the daemon settles its queue item). */
  finalize?: (tx: Writer, end: { outcome: RunOutcome; termination: TerminationReason | undefined; finishedAt: number }) => void;
}

export interface RunProgress {
  executionId: string;
  elapsedMs: number;
  calls: number;
  tokens: number;
  costUsd: number | null;
  model: string | null;
}

export interface RunExecutionResult {
  execution: ExecutionObject;
  exitCode: number;
  outcome: RunOutcome;
}

/** Which pilot process runs an execution: a restarted daemon tells live runs from abandoned ones. */
export const RUNNER = `${hostname()}:${process.pid}`;

export async function runExecution(input: RunExecutionInput): Promise<RunExecutionResult> {
  const now = input.now ?? Date.now;
  const env = input.env ?? process.env;
  const { db, config, backend, task } = input;
  const mode = backend.mode(config);
  // Loaded while the backend starts; awaited before its first output is read.
  const priceTable = loadPriceTable();
  const id = input.executionId ?? (newId("ex") as ExecutionId);
  const startedAt = now();
  const log = input.logger.child({ executionId: id, taskRef: task.ref, backend: backend.name });
  const recordingPath = join(input.paths.recordingsDir, `${id}.rec`);

  if (!input.executionId) {
    await createExecution(db, {
      id,
      task_ref: task.ref,
      task_source: task.source,
      task_title: task.title,
      project: input.projectDir,
      backend: backend.name,
      mode,
      sim: input.sim !== null,
      status: "running",
      runner: RUNNER,
      created_at: startedAt,
      started_at: startedAt,
      updated_at: startedAt,
      model_requested: input.model?.model ?? null,
    });
  }
  log.info({ project: input.projectDir, model: input.model?.model ?? null, sim: input.sim?.scenario ?? null }, "execution started");

  const binaryName = backend.binary(config);
  const binary = binaryName === null ? "" : resolveBinary(binaryName, env.PATH, input.projectDir);
  const cliVersion = binary ? packageVersionOf(binary) : null;
  const state = new RunState({
    prices: new PriceBook({ overrides: config.pricing.models, at: new Date(startedAt) }),
    requested: input.model,
    backendDefaultModel: backend.defaultModel,
    cliVersion,
    noneExpected: !backend.callsModel,
  });
  let exit: ProcessExit | null = null;
  let termination: TerminationReason | undefined;
  let terminationMessage: string | null = null;
  let run: BackendRun | null = null;
  let recording: RecordingWriter | null = null;
  let ownSimulator: Simulator | null = null;
  const simDir = join(input.paths.simDir, id);
  let estimate: TokenBuckets | null = null;

  // Stops that come while the backend is still starting (a server coming up) end the start.
  const starting = new AbortController();
  const stop = (reason: TerminationReason, message: string | null) => {
    if (termination === undefined) {
      termination = reason;
      terminationMessage = message;
      log.warn({ reason }, message ?? `stopping the backend (${reason})`);
    }
    if (run) void run.stop(config.limits.kill_grace_s * 1000);
    else starting.abort(reason);
  };
  const onAbort = () => {
    const reason = input.signal?.reason;
    stop(reason === "SIGTERM" || reason === "cancel" ? reason : "SIGINT", null);
  };
  const progress = () => {
    if (!input.onProgress) return;
    const live = state.live();
    input.onProgress({ executionId: id, elapsedMs: now() - startedAt, calls: live.calls, tokens: live.tokens, costUsd: live.costUsd, model: live.model });
  };
  const watch = watchRun({
    db,
    id,
    state,
    log,
    now,
    startedAt,
    timeoutS: input.timeoutS,
    inactivityTimeoutS: input.inactivityTimeoutS,
    budget: input.budget ?? { usd: null, tokens: null },
    stop,
    ...(input.onProgress ? { onProgress: progress } : {}),
  });

  const baselines: { thread: string; tokens: TokenBuckets }[] = [];
  const handle = (event: BackendEvent) => {
    state.apply(event);
    if (event.type === "session" && !baselines.some((b) => b.thread === event.sessionId)) {
      // A resumed thread: its counters continue from the total an earlier run left.
      void threadBaseline(db, backend.name, event.sessionId).then((tokens) => {
        if (!tokens) return;
        state.accumulator.setBaseline(event.sessionId, tokens);
        baselines.push({ thread: event.sessionId, tokens });
      });
    }
    if (event.type === "parse_error" && state.parseErrorCount <= 5) log.warn({ line: event.line, bytes: event.bytes, reason: event.reason }, `unusable stream line: ${event.detail}`);
    if (event.type === "retry") log.info({ attempt: event.attempt, status: event.status, error: event.error }, "backend retries a model request");
    // A server-based backend keeps streaming after the run is over: the result ends it.
    if (event.type === "result") run?.complete();
    if (event.type === "usage" && event.complete) watch.callCompleted();
  };

  try {
    recording = RecordingWriter.create(recordingPath, {
      pilot_recording: 1,
      backend: backend.name,
      mode,
      format: backend.format(mode),
      cli_version: cliVersion,
      model_requested: input.model?.model ?? null,
      model_requested_source: input.model?.source ?? null,
      baseline: null,
      execution_id: id,
      started_at: new Date(startedAt).toISOString(),
    });
    await markExecutionStarted(db, id, { pgid: null, cliVersion, recordingPath, now: now() });
    if (input.signal?.aborted) onAbort();
    input.signal?.addEventListener("abort", onAbort, { once: true });
    if (binary === null) {
      recording.side("spawn_error", { message: `binary ${binaryName} not found` });
    } else {
      let sim: { baseUrl: string; home: string } | null = null;
      if (input.sim) {
        const simulator = input.sim.simulator ?? (ownSimulator = await startSimulator());
        const home = join(simDir, "home");
        ensureDir(home, "simulator home");
        sim = { baseUrl: simulator.registerRun(id, { scenario: input.sim.scenario, cwd: input.projectDir }), home };
      }
      run = await backend.start({ binary, prompt: task.prompt, projectDir: input.projectDir, model: input.model?.model ?? null, config, sim, env, log, signal: starting.signal });
      await markExecutionStarted(db, id, { pgid: run.pid, cliVersion, recordingPath, now: now() });
      // Stopped while it started (a backend that starts at once did not look at the signal).
      if (termination !== undefined) void run.stop(config.limits.kill_grace_s * 1000);

      await priceTable;
      const parser = backend.createParser({ maxLineBytes: config.limits.max_line_bytes, mode });
      for await (const chunk of run.output) {
        watch.activity();
        recording.write(chunk);
        for (const event of parser.push(chunk)) handle(event);
      }
      for (const event of parser.end()) handle(event);
      exit = await run.exited;
      const stderr = run.stderrTail();
      if (stderr.length > 0) recording.side("stderr", { text: stderr });
      recording.side("exit", { exit_code: exit.exitCode, signal: exit.signal, termination: termination ?? null });
      for (const baseline of baselines) recording.side("baseline", baseline);
      const simulator = input.sim?.simulator ?? ownSimulator;
      if (simulator) recording.side("sim_requests", { requests: simulator.requests.filter((r) => r.runKey === id) });
      // Sources read at the end (a rollout's model, a session's final messages), recorded and applied.
      for (const record of await run.collectSide({ sessionId: state.sessionId, startedAt })) {
        recording.side(record.pilot_side, record);
        for (const event of backend.sideEvents([record])) handle(event);
      }
      if (state.needsEstimate()) {
        // Output but no usage: count locally (recorded, so a reparse can do the same).
        const promptTokens = await estimatePromptTokens(task.prompt);
        recording.side("estimate", { prompt_tokens: promptTokens });
        estimate = await estimateUsage(promptTokens, state.output);
      }
    }
  } catch (error) {
    // pilot's own failure: stop the CLI and still persist what the run produced.
    const err = coerceError(error);
    log.error({ err }, "execution failed inside pilot");
    stop("internal", `pilot failed while running the backend: ${err.message}`);
    if (run) exit = await run.exited;
  } finally {
    input.signal?.removeEventListener("abort", onAbort);
    watch.dispose();
    // Cleanup must not keep the row from its final status: each step on its own.
    const cleanup = (what: string, step: () => unknown) => {
      try {
        step();
      } catch (error) {
        log.warn({ err: coerceError(error) }, `cleanup: cannot ${what}`);
      }
    };
    cleanup("close the recording", () => recording?.close());
    await ownSimulator?.close().catch((error: unknown) => log.warn({ err: coerceError(error) }, "cleanup: cannot stop the simulator"));
    if (input.sim) cleanup("remove the simulator home", () => rmSync(simDir, { recursive: true, force: true }));
  }

  await priceTable;
  const outcome = decideOutcome({
    backend,
    termination,
    terminationMessage,
    exit,
    binaryName: binaryName ?? backend.name,
    binaryFound: binary !== null,
    evidence: { result: state.result, errors: state.errors, retries: state.retries, stderr: run?.stderrTail() ?? "", exitCode: exit?.exitCode ?? null, signal: exit?.signal ?? null },
  });
  const metrics = state.metrics(estimate);
  const finishedAt = now();
  const final: FinalOutcome = {
    status: outcome.status,
    errorCode: outcome.failure?.code ?? null,
    error: outcome.failure?.message ?? null,
    exitCode: exit?.exitCode ?? null,
    finishedAt,
    durationMs: finishedAt - startedAt,
    threadTotals: { backend: backend.name, totals: state.accumulator.cumulativeTotals() },
  };
  try {
    const finalize = input.finalize;
    await retryWhileBusy(
      () => saveExecutionMetrics(db, id, metrics, final, finalize ? (tx) => finalize(tx, { outcome, termination, finishedAt }) : undefined),
      (attempt) => log.warn({ attempt }, "the database is busy (another process holds its write lock); trying again to save the outcome"),
    );
  } catch (error) {
    // The one failure that loses data: say so loudly, with the numbers, before giving up.
    log.fatal({ err: coerceError(error), status: outcome.status, tokens: metrics.usage.tokens }, "cannot record the execution's outcome");
    throw error;
  }
  reportTelemetry(log, state, metrics, config.pricing.disagreement_threshold);
  const saved = await getExecution(db, id);
  const execution = toExecutionObject(saved.row, saved.models);
  log.info(
    { status: execution.status, errorCode: execution.error?.code ?? null, tokens: execution.tokens.total, costUsd: execution.cost_usd, model: execution.model_name, telemetry: execution.telemetry_status },
    "execution finished",
  );
  return { execution, exitCode: outcome.exitCode, outcome };
}
