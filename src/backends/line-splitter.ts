import { isUtf8 } from "node:buffer";

/**
 * Splits a byte stream into lines as chunks arrive. Memory is bounded by the longest line
 * kept: a line longer than `maxLineBytes` is dropped while it streams (only its length is
 * counted) and reported as `too_long`. Lines are decoded as UTF-8; invalid bytes become
 * U+FFFD and the line is flagged. Empty lines are dropped unless `keepEmpty` (SSE needs them:
 * a blank line ends a frame).
 */
export type SplitLine =
  | { kind: "line"; text: string; line: number; bytes: number; invalidUtf8: boolean }
  | { kind: "too_long"; line: number; bytes: number };

export interface LineSplitter {
  push(chunk: Uint8Array | string, onLine: (line: SplitLine) => void): void;
  end(onLine: (line: SplitLine) => void): void;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export function createLineSplitter(maxLineBytes: number, options: { keepEmpty?: boolean } = {}): LineSplitter {
  const keepEmpty = options.keepEmpty ?? false;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let skipping = false;
  let line = 0;

  const emit = (segment: Buffer, onLine: (line: SplitLine) => void) => {
    line += 1;
    const total = pendingBytes + segment.length;
    if (skipping || total > maxLineBytes) {
      onLine({ kind: "too_long", line, bytes: total });
    } else {
      let bytes = pending.length === 0 ? segment : Buffer.concat([...pending, segment], total);
      if (bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN) bytes = bytes.subarray(0, bytes.length - 1);
      if (bytes.length > 0 || keepEmpty) {
        const text = bytes.toString("utf8");
        // U+FFFD can be legitimate; only then pay for the full validity check.
        const invalidUtf8 = text.includes("\uFFFD") && !isUtf8(bytes);
        onLine({ kind: "line", text, line, bytes: total, invalidUtf8 });
      }
    }
    pending = [];
    pendingBytes = 0;
    skipping = false;
  };

  return {
    push(chunk, onLine) {
      const buffer = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      let start = 0;
      for (;;) {
        const newline = buffer.indexOf(NEWLINE, start);
        if (newline === -1) {
          const rest = buffer.length - start;
          if (rest === 0) return;
          if (skipping || pendingBytes + rest > maxLineBytes) {
            // Too long already: stop keeping bytes, only count them.
            skipping = true;
            pending = [];
          } else {
            // Copy the tail so the caller's chunk can be released.
            pending.push(Buffer.from(buffer.subarray(start)));
          }
          pendingBytes += rest;
          return;
        }
        emit(buffer.subarray(start, newline), onLine);
        start = newline + 1;
      }
    },
    end(onLine) {
      if (pendingBytes > 0) emit(Buffer.alloc(0), onLine);
    },
  };
}
