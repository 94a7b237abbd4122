import { createReadStream, statSync } from "node:fs";
import { getBackend } from "../src/backends/registry.js";

/**
 * One parsing measurement in a fresh process, so peak RSS growth belongs to it alone:
 *   tsx bench/parse-stream.ts parser <backend> <mode> <file>
 *   tsx bench/parse-stream.ts baseline-ndjson|baseline-sse <file>
 * The baselines split lines and JSON.parse every payload (every line, or every `data:` line),
 * the least any parser of these streams must do. Prints one JSON line.
 */
const [kind, ...rest] = process.argv.slice(2) as [string, ...string[]];
const file = rest[rest.length - 1]!;
const size = statSync(file).size;
global.gc?.();
const rssBefore = process.memoryUsage().rss;
let peak = rssBefore;
let events = 0;
let chunks = 0;
const sample = () => {
  if (++chunks % 64 !== 0) return;
  const rss = process.memoryUsage().rss;
  if (rss > peak) peak = rss;
};
const started = performance.now();
if (kind === "parser") {
  const [backendName, mode] = rest as [string, string];
  const parser = getBackend(backendName).createParser({ maxLineBytes: 256 * 1024 * 1024, mode });
  for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>) {
    events += parser.push(chunk).length;
    sample();
  }
  events += parser.end().length;
} else {
  const sse = kind === "baseline-sse";
  let pending = "";
  const line = (text: string) => {
    if (sse) {
      if (!text.startsWith("data: ")) return;
      JSON.parse(text.slice(6));
    } else if (text.length > 0) JSON.parse(text);
    events += 1;
  };
  for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024, encoding: "utf8" }) as AsyncIterable<string>) {
    const text = pending + chunk;
    let start = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
      line(text.slice(start, nl));
      start = nl + 1;
    }
    pending = text.slice(start);
    sample();
  }
  if (pending.length > 0) line(pending);
}
const seconds = (performance.now() - started) / 1000;
const rss = process.memoryUsage().rss;
if (rss > peak) peak = rss;
process.stdout.write(`${JSON.stringify({ kind, bytes: size, seconds, mbPerSecond: size / 1e6 / seconds, events, rssGrowthMb: (peak - rssBefore) / 1e6 })}\n`);
