import { closeSync, createReadStream, fstatSync, openSync, readSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";
import { PilotError } from "../util/errors.js";
import { ensureDir } from "../util/fs.js";

/**
 * Recordings (`$PILOT_HOME/recordings/<execution-id>.rec`): a header line, then the
 * backend's output exactly as received, then tagged side records (`{"pilot_side": ...}`:
 * stderr, the exit, sources read at the end). `pilot reparse` feeds the middle part to the
 * same parser again.
 */

export const recordingHeaderSchema = z.object({
  pilot_recording: z.literal(1),
  backend: z.string(),
  mode: z.string(),
  format: z.enum(["ndjson", "sse"]),
  cli_version: z.string().nullable(),
  model_requested: z.string().nullable(),
  /** Counters before this run (e.g. a resumed Codex thread's totals), by thread. */
  baseline: z.record(z.string(), z.unknown()).nullable(),
  /** Extra facts the run started with (not part of the contract; readers ignore unknown keys). */
  model_requested_source: z.enum(["requested", "config"]).nullable().optional(),
  execution_id: z.string().optional(),
  started_at: z.string().optional(),
});
export type RecordingHeader = z.infer<typeof recordingHeaderSchema>;

export type SideRecord = { pilot_side: string } & Record<string, unknown>;

const SIDE_PREFIX = Buffer.from('{"pilot_side":');
const NEWLINE = 0x0a;

export class RecordingWriter {
  readonly path: string;
  #fd: number | null;
  #endsWithNewline = true;

  private constructor(path: string, fd: number) {
    this.path = path;
    this.#fd = fd;
  }

  /** Side records added later (the recovery of a run whose pilot died writes what it found). */
  static append(path: string): RecordingWriter {
    const fd = openSync(path, "a+");
    const writer = new RecordingWriter(path, fd);
    const size = fstatSync(fd).size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      writer.#endsWithNewline = last[0] === NEWLINE;
    }
    return writer;
  }

  static create(path: string, header: RecordingHeader): RecordingWriter {
    ensureDir(dirname(path), "recordings directory");
    const writer = new RecordingWriter(path, openSync(path, "w"));
    writer.#writeRaw(Buffer.from(`${JSON.stringify(header)}\n`));
    return writer;
  }

  /** Backend output as received. Synchronous, so a crash loses at most the chunk in hand. */
  write(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#writeRaw(chunk);
    this.#endsWithNewline = chunk[chunk.length - 1] === NEWLINE;
  }

  side(kind: string, fields: Record<string, unknown>): void {
    if (!this.#endsWithNewline) this.#writeRaw(Buffer.from("\n"));
    // `pilot_side` first: readers recognise a side record by that prefix.
    const { pilot_side: _ignored, ...rest } = fields;
    this.#writeRaw(Buffer.from(`${JSON.stringify({ pilot_side: kind, ...rest })}\n`));
    this.#endsWithNewline = true;
  }

  close(): void {
    if (this.#fd === null) return;
    closeSync(this.#fd);
    this.#fd = null;
  }

  #writeRaw(bytes: Uint8Array): void {
    if (this.#fd === null) return;
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(this.#fd, bytes, offset, bytes.length - offset);
  }
}

export interface ReadRecordingResult {
  header: RecordingHeader;
  side: SideRecord[];
}

/**
 * Streams a recording: the backend bytes go to `onBytes` as they are read (memory stays
 * bounded however long a line is); header and side records are returned.
 */
export async function readRecording(path: string, onBytes: (chunk: Buffer) => void): Promise<ReadRecordingResult> {
  return readRecordingFrom(createReadStream(path) as AsyncIterable<Buffer>, path, onBytes);
}

/** The same from any byte source (`pilot parse -` reads a recording from stdin); `label` names it in errors. */
export async function readRecordingFrom(
  source: AsyncIterable<Buffer>,
  label: string,
  onBytes: (chunk: Buffer) => void,
  onHeaderLine?: (line: string) => void,
): Promise<ReadRecordingResult> {
  const path = label;
  let header: RecordingHeader | undefined;
  let headerBytes: Buffer[] = [];
  const side: SideRecord[] = [];
  // Per line: undecided (first bytes buffered), passthrough (backend bytes) or side record.
  let state: "header" | "undecided" | "pass" | "side" = "header";
  let held: Buffer[] = [];
  let heldBytes = 0;

  const finishLine = () => {
    if (state === "side") {
      const text = Buffer.concat(held).toString("utf8");
      try {
        side.push(JSON.parse(text) as SideRecord);
      } catch {
        onBytes(Buffer.concat([...held, Buffer.from("\n")]));
      }
    } else if (state === "undecided") {
      // Short lines, and empty ones too (SSE frames end with one).
      onBytes(Buffer.concat([...held, Buffer.from("\n")]));
    } else if (state === "pass") {
      onBytes(Buffer.from("\n"));
    }
    held = [];
    heldBytes = 0;
    state = "undecided";
  };

  const feed = (segment: Buffer) => {
    if (segment.length === 0) return;
    if (state === "pass") return onBytes(segment);
    held.push(segment);
    heldBytes += segment.length;
    if (state === "side") return;
    if (heldBytes < SIDE_PREFIX.length) return;
    const start = Buffer.concat(held).subarray(0, SIDE_PREFIX.length);
    if (start.equals(SIDE_PREFIX)) {
      state = "side";
      return;
    }
    onBytes(Buffer.concat(held));
    held = [];
    heldBytes = 0;
    state = "pass";
  };

  try {
    for await (const chunk of source) {
      let start = 0;
      while (start < chunk.length) {
        const newline = chunk.indexOf(NEWLINE, start);
        const end = newline === -1 ? chunk.length : newline;
        const segment = chunk.subarray(start, end);
        if (state === "header") {
          headerBytes.push(Buffer.from(segment));
          if (newline !== -1) {
            const text = Buffer.concat(headerBytes).toString("utf8");
            onHeaderLine?.(text);
            header = parseHeader(text, path);
            headerBytes = [];
            state = "undecided";
          }
        } else {
          feed(segment);
          if (newline !== -1) finishLine();
        }
        start = end + (newline === -1 ? 0 : 1);
      }
    }
  } catch (error) {
    if (error instanceof PilotError) throw error;
    throw new PilotError("not_found", `cannot read recording ${path}: ${(error as Error).message}`, { cause: error });
  }
  // (Closures above change `state`; read it afresh.)
  const last = state as "header" | "undecided" | "pass" | "side";
  if (last === "header") header = parseHeader(Buffer.concat(headerBytes).toString("utf8"), path);
  else if (heldBytes > 0 || last === "side") finishLine();
  return { header: header!, side };
}

export function parseHeader(text: string, path: string): RecordingHeader {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new PilotError("usage", `${path}: not a pilot recording (the first line is not a JSON header)`);
  }
  const parsed = recordingHeaderSchema.safeParse(value);
  if (!parsed.success) throw new PilotError("usage", `${path}: not a pilot recording (bad header: ${parsed.error.issues[0]?.message ?? "invalid"})`);
  return parsed.data;
}
