import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createClaudeCodeParser } from "../../src/backends/claude-code/parser.js";
import { claudeCodeBackend } from "../../src/backends/claude-code/backend.js";
import { backendEventSchema, type BackendEvent } from "../../src/backends/events.js";
import { replayStream } from "../../src/executor/replay.js";
import { PriceBook } from "../../src/telemetry/pricing.js";
import { CLAUDE_FIXTURES } from "./paths.js";

export function claudeFixture(name: string): Buffer {
  return readFileSync(join(CLAUDE_FIXTURES, name));
}

/** All events of a stream, fed in chunks of `chunkSize` bytes; every event checked against the schema. */
export function parseClaude(input: Buffer | string, chunkSize = 4096, maxLineBytes = 1 << 28): BackendEvent[] {
  const bytes = typeof input === "string" ? Buffer.from(input) : input;
  const parser = createClaudeCodeParser({ maxLineBytes });
  const events: BackendEvent[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) events.push(...parser.push(bytes.subarray(i, i + chunkSize)));
  events.push(...parser.end());
  for (const event of events) backendEventSchema.parse(event);
  return events;
}

export async function replayClaude(input: Buffer | string, requested: { model: string; source: "requested" | "config" } | null = null) {
  return replayStream([typeof input === "string" ? Buffer.from(input) : input], {
    backend: claudeCodeBackend,
    prices: new PriceBook({ at: new Date("2026-12-01T00:00:00Z") }),
    maxLineBytes: 1 << 28,
    requested,
  });
}

/** One stream-json line. */
export const line = (value: unknown) => `${JSON.stringify(value)}\n`;
