import type { BackendEvent, StreamParser } from "./events.js";
import { createLineSplitter } from "./line-splitter.js";

/** A usable line of a backend's output: its text, number and size (for parse errors). */
export interface ParsedLine {
  text: string;
  line: number;
  bytes: number;
}

/**
 * The frame every backend parser shares: bytes split into lines as they arrive, lines too
 * long or not valid UTF-8 reported as parse errors, and the events a chunk produced handed
 * out with it. The parser gives what to do with a line (and at the end) and pushes its
 * events into `events`.
 */
export function createLineParser(o: {
  maxLineBytes: number;
  /** Keep empty lines (SSE: a blank line ends a frame). */
  keepEmpty?: boolean;
  events: BackendEvent[];
  onLine(line: ParsedLine): void;
  onEnd?(): void;
}): StreamParser {
  const splitter = createLineSplitter(o.maxLineBytes, { keepEmpty: o.keepEmpty ?? false });
  const { events } = o;
  const onSplit = (line: Parameters<Parameters<typeof splitter.push>[1]>[0]) => {
    if (line.kind === "too_long") {
      events.push({ type: "parse_error", reason: "line_too_long", line: line.line, bytes: line.bytes, detail: `line of ${line.bytes} bytes skipped` });
      return;
    }
    if (line.invalidUtf8) events.push({ type: "parse_error", reason: "invalid_utf8", line: line.line, bytes: line.bytes, detail: "invalid UTF-8 replaced" });
    o.onLine(line);
  };
  return {
    push(chunk) {
      splitter.push(chunk, onSplit);
      return events.splice(0);
    },
    end() {
      splitter.end(onSplit);
      o.onEnd?.();
      return events.splice(0);
    },
  };
}

/** The JSON object a line (or SSE data) holds, or null with the parse error pushed. */
export function jsonObject(text: string, at: { line: number; bytes: number }, events: BackendEvent[], notAnObject = "not a JSON object"): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const head = text.length > 80 ? `${text.slice(0, 80)}…` : text;
    events.push({ type: "parse_error", reason: "invalid_json", line: at.line, bytes: at.bytes, detail: `${(error as Error).message} in ${JSON.stringify(head)}` });
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    events.push({ type: "parse_error", reason: "unexpected_shape", line: at.line, bytes: at.bytes, detail: notAnObject });
    return null;
  }
  return value as Record<string, unknown>;
}

/** A line of a known type whose shape is not the expected one. */
export function shapeError(at: { line: number; bytes: number }, detail: string): BackendEvent {
  return { type: "parse_error", reason: "unexpected_shape", line: at.line, bytes: at.bytes, detail };
}
