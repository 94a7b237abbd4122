import type { Backend } from "../backends/backend.js";
import type { BackendEvent } from "../backends/events.js";
import { getBackend } from "../backends/registry.js";
import { configSchema, type PilotConfig } from "../config/schema.js";
import { estimateUsage } from "../telemetry/estimate.js";
import { loadPriceTable, type PriceBook } from "../telemetry/pricing.js";
import type { TokenBuckets } from "../telemetry/usage.js";
import { PilotError } from "../util/errors.js";
import type { Failure } from "./failure.js";
import { decideOutcome, type TerminationReason } from "./outcome.js";
import { parseHeader, readRecordingFrom, type RecordingHeader, type SideRecord } from "./recording.js";
import { RunState, type ExecutionMetrics } from "./run-state.js";

/**
 * Runs captured backend output through the backend's parser and the run state, exactly as a
 * live run does: what `pilot parse` prints and `pilot reparse` stores.
 */
export interface ReplayOptions {
  backend: Backend;
  /** The backend's mode (default: its mode on the default config). */
  mode?: string;
  prices: PriceBook;
  maxLineBytes: number;
  requested?: { model: string; source: "requested" | "config" } | null;
  baselines?: Record<string, TokenBuckets>;
}

export async function replayStream(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array | string>, options: ReplayOptions): Promise<{ state: RunState; metrics: ExecutionMetrics }> {
  await loadPriceTable();
  const state = newState(options);
  const parser = options.backend.createParser({ maxLineBytes: options.maxLineBytes, mode: options.mode ?? options.backend.mode(configSchemaDefaults()) });
  for await (const chunk of chunks) for (const event of parser.push(chunk)) state.apply(event);
  for (const event of parser.end()) state.apply(event);
  return { state, metrics: state.metrics() };
}

function newState(options: Omit<ReplayOptions, "maxLineBytes"> & { cliVersion?: string | null }): RunState {
  return new RunState({
    prices: options.prices,
    requested: options.requested ?? null,
    backendDefaultModel: options.backend.defaultModel,
    cliVersion: options.cliVersion ?? null,
    noneExpected: !options.backend.callsModel,
    ...(options.baselines ? { baselines: options.baselines } : {}),
  });
}

export type InputKind = "recording" | "ndjson" | "sse";

/** What a capture is, from one of its first lines: a pilot recording, NDJSON, or SSE frames. */
export function detectInput(firstLine: string): InputKind | null {
  const line = firstLine.trimStart();
  if (line.startsWith('{"pilot_recording"')) return "recording";
  if (line.startsWith("{")) return "ndjson";
  if (/^(data|event|id|retry):|^:/.test(line)) return "sse";
  return null;
}

export interface ReplayInputOptions {
  /** Required for a raw capture; for a recording it must match the header if given. */
  backendName?: string;
  /** Prices for the capture (a recording's header says when it ran). */
  prices: (header: RecordingHeader | null) => PriceBook;
  /** For a raw capture: the model a run would have asked for (the backend's configured one). */
  configuredModel?: (backend: Backend) => string | null;
  maxLineBytes: number;
}

export interface ReplayResult {
  kind: InputKind;
  backend: Backend;
  mode: string;
  header: RecordingHeader | null;
  side: SideRecord[];
  state: RunState;
  metrics: ExecutionMetrics;
  /** Why the run failed, as far as the capture tells (null: completed, or unknown for a raw capture). */
  failure: Failure | null;
  /** Events the parser made of the backend's bytes: recognised ones, and unknown line types or unusable lines. */
  events: { recognised: number; unrecognised: number };
}

/** Leading lines that are none of the three (a CLI's warning before its JSON) are skipped, this far. */
const PEEK_LIMIT = 64 * 1024;
const PEEK_LINES = 20;

/** Replays a recording or a raw capture from any byte source; `label` names it in errors. */
export async function replayInput(source: AsyncIterable<Buffer>, label: string, options: ReplayInputOptions): Promise<ReplayResult> {
  if (options.backendName !== undefined) getBackend(options.backendName);
  const iterator = source[Symbol.asyncIterator]();
  const { head, bytes, kind, index, line, first } = await peekKind(iterator);
  if (first.trim().length === 0 && bytes === 0) throw new PilotError("usage", `${label}: empty input`);
  if (!kind) throw new PilotError("usage", `${label}: neither a pilot recording nor a CLI's NDJSON or SSE output (first line: ${JSON.stringify(first.slice(0, 60))})`);
  if (kind === "recording" && index > 0) throw new PilotError("usage", `${label}: line ${index + 1} is a pilot recording header, but a recording starts with its header`);

  const rest: AsyncIterable<Buffer> = {
    async *[Symbol.asyncIterator]() {
      yield* head;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    },
  };

  await loadPriceTable();
  const header = kind === "recording" ? parseHeader(line, label) : null;
  const backendName = header?.backend ?? options.backendName;
  if (!backendName) throw new PilotError("usage", `${label}: not a pilot recording, so --backend is required (the CLI that printed it)`);
  if (header && options.backendName && options.backendName !== header.backend) {
    throw new PilotError("usage", `${label}: the recording is from backend ${header.backend}, not ${options.backendName}`);
  }
  const backend = getBackend(backendName);
  const modes = knownModes(backend);
  if (header && !modes.includes(header.mode)) {
    throw new PilotError("usage", `${label}: unknown mode ${JSON.stringify(header.mode)} for backend ${backend.name} (known: ${modes.join(", ")})`);
  }
  const format: "ndjson" | "sse" = header?.format ?? (kind === "sse" ? "sse" : "ndjson");
  // A raw capture's mode follows from its format (OpenCode: serve streams SSE, run prints NDJSON).
  const mode = header?.mode ?? backend.modeForFormat(format);
  if (mode === null || backend.format(mode) !== format) {
    throw new PilotError("usage", `${label}: ${backend.name} prints ${backend.format(backend.mode(configSchemaDefaults())).toUpperCase()}, but this is ${format.toUpperCase()}`);
  }

  const configured = header ? null : (options.configuredModel?.(backend) ?? null);
  const requested = header?.model_requested
    ? { model: header.model_requested, source: header.model_requested_source ?? "requested" }
    : configured
      ? { model: configured, source: "config" as const }
      : null;
  const state = newState({ backend, prices: options.prices(header), requested, baselines: baselinesOf(header), cliVersion: header?.cli_version ?? null });
  const parser = backend.createParser({ maxLineBytes: options.maxLineBytes, mode });
  const events = { recognised: 0, unrecognised: 0 };
  const apply = (event: BackendEvent) => {
    if (event.type === "unknown" || event.type === "parse_error") events.unrecognised += 1;
    else events.recognised += 1;
    state.apply(event);
  };
  const feed = (chunk: Uint8Array) => {
    for (const event of parser.push(chunk)) apply(event);
  };
  let side: SideRecord[] = [];
  if (header) side = (await readRecordingFrom(rest, label, feed)).side;
  else for await (const chunk of rest) feed(chunk);
  for (const event of parser.end()) apply(event);
  for (const event of backend.sideEvents(side)) state.apply(event);
  for (const record of side) {
    if (record.pilot_side === "baseline" && typeof record.thread === "string" && typeof record.tokens === "object" && record.tokens !== null) {
      state.accumulator.setBaseline(record.thread, record.tokens as TokenBuckets);
    }
  }

  let estimate: TokenBuckets | null = null;
  if (state.needsEstimate()) {
    const promptTokens = Number(side.find((s) => s.pilot_side === "estimate")?.prompt_tokens ?? 0);
    estimate = await estimateUsage(Number.isFinite(promptTokens) ? promptTokens : 0, state.output);
  }
  return { kind, backend, mode, header, side, state, metrics: state.metrics(estimate), failure: failureOf(backend, state, side), events };
}

/**
 * Reads until a line tells what the input is (a recording header only counts as the first
 * line), at most PEEK_LINES lines or PEEK_LIMIT bytes; returns the bytes read, to be replayed.
 */
async function peekKind(iterator: AsyncIterator<Buffer>): Promise<{ head: Buffer[]; bytes: number; kind: InputKind | null; index: number; line: string; first: string }> {
  const head: Buffer[] = [];
  let bytes = 0;
  let done = false;
  let scan = true;
  for (;;) {
    if (scan) {
      const lines = Buffer.concat(head).subarray(0, PEEK_LIMIT).toString("utf8").split("\n");
      // The last piece may go on in the next chunk (unless the input or the peek ends there).
      if (!done && bytes < PEEK_LIMIT) lines.pop();
      for (const [index, line] of lines.slice(0, PEEK_LINES).entries()) {
        const kind = detectInput(line);
        if (kind) return { head, bytes, kind, index, line, first: lines[0] ?? "" };
      }
      if (done || bytes >= PEEK_LIMIT || lines.length >= PEEK_LINES) return { head, bytes, kind: null, index: -1, line: "", first: lines[0] ?? "" };
    }
    const next = await iterator.next();
    if (next.done) {
      done = true;
      scan = true;
    } else {
      head.push(next.value);
      bytes += next.value.length;
      scan = next.value.includes(0x0a) || bytes >= PEEK_LIMIT;
    }
  }
}

/** The modes a backend's recordings can name: one per output format it has. */
function knownModes(backend: Backend): string[] {
  const modes = (["ndjson", "sse"] as const).map((format) => backend.modeForFormat(format)).filter((mode): mode is string => mode !== null);
  return [...new Set(modes)].sort();
}

function baselinesOf(header: RecordingHeader | null): Record<string, TokenBuckets> | undefined {
  if (!header?.baseline) return undefined;
  return header.baseline as Record<string, TokenBuckets>;
}

/** The failure a recording shows: from its exit record when it has one, else from the stream's result. */
function failureOf(backend: Backend, state: RunState, side: SideRecord[]): Failure | null {
  const exit = side.find((s) => s.pilot_side === "exit");
  const stderr = String(side.find((s) => s.pilot_side === "stderr")?.text ?? "");
  const spawnError = side.some((s) => s.pilot_side === "spawn_error");
  const evidence = { result: state.result, errors: state.errors, retries: state.retries, stderr, exitCode: null as number | null, signal: null as string | null };
  if (!exit && !spawnError) return state.result ? backend.classifyFailure(evidence) : null;
  const exitCode = typeof exit?.exit_code === "number" ? exit.exit_code : null;
  const signal = typeof exit?.signal === "string" ? exit.signal : null;
  const termination = typeof exit?.termination === "string" ? (exit.termination as TerminationReason) : undefined;
  return decideOutcome({
    backend,
    termination,
    terminationMessage: null,
    exit: exit ? { exitCode, signal, spawnError: null } : null,
    binaryName: backend.name,
    binaryFound: !spawnError,
    evidence: { ...evidence, exitCode, signal },
  }).failure;
}

let defaults: PilotConfig | undefined;
function configSchemaDefaults(): PilotConfig {
  defaults ??= configSchema.parse({});
  return defaults;
}
