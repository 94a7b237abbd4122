import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Backend } from "../../src/backends/backend.js";
import { backendEventSchema, type BackendEvent } from "../../src/backends/events.js";
import { replayStream } from "../../src/executor/replay.js";
import { PriceBook } from "../../src/telemetry/pricing.js";
import type { TokenBuckets } from "../../src/telemetry/usage.js";
import { FIXTURES } from "./paths.js";

export function fixture(path: string): Buffer {
  return readFileSync(join(FIXTURES, path));
}

/** Every event of a stream fed in chunks of `chunkSize` bytes through a backend's parser, each checked against the schema. */
export function parseWith(backend: Backend, mode: string, input: Buffer | string, chunkSize = 4096, maxLineBytes = 1 << 28): BackendEvent[] {
  const bytes = typeof input === "string" ? Buffer.from(input) : input;
  const parser = backend.createParser({ maxLineBytes, mode });
  const events: BackendEvent[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) events.push(...parser.push(bytes.subarray(i, i + chunkSize)));
  events.push(...parser.end());
  for (const event of events) backendEventSchema.parse(event);
  return events;
}

export async function replayWith(
  backend: Backend,
  mode: string,
  input: Buffer | string,
  options: { requested?: { model: string; source: "requested" | "config" } | null; baselines?: Record<string, TokenBuckets> } = {},
) {
  return replayStream([typeof input === "string" ? Buffer.from(input) : input], {
    backend,
    mode,
    prices: new PriceBook({ at: new Date("2026-12-01T00:00:00Z") }),
    maxLineBytes: 1 << 28,
    requested: options.requested ?? null,
    ...(options.baselines ? { baselines: options.baselines } : {}),
  });
}

export const ofType = <T extends BackendEvent["type"]>(events: BackendEvent[], type: T) => events.filter((e): e is Extract<BackendEvent, { type: T }> => e.type === type);
