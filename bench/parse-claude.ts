import { createReadStream, statSync } from "node:fs";
import { createClaudeCodeParser } from "../src/backends/claude-code/parser.js";

/**
 * Run in a fresh process per measurement (`tsx bench/parse-claude.ts <mode> <file>`), so peak
 * RSS growth belongs to that one loop. Prints one JSON line.
 *   parser:   pilot's Claude parser, events consumed and discarded
 *   baseline: a bare loop that splits lines and JSON.parses every one
 */
const [mode, file] = process.argv.slice(2) as ["parser" | "baseline", string];
const size = statSync(file).size;
global.gc?.();
const rssBefore = process.memoryUsage().rss;
let peak = rssBefore;
let events = 0;
const sample = () => {
  const rss = process.memoryUsage().rss;
  if (rss > peak) peak = rss;
};
const started = performance.now();
if (mode === "parser") {
  const parser = createClaudeCodeParser({ maxLineBytes: 256 * 1024 * 1024 });
  let chunks = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>) {
    events += parser.push(chunk).length;
    if (++chunks % 64 === 0) sample();
  }
  events += parser.end().length;
} else {
  let pending = "";
  let chunks = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024, encoding: "utf8" }) as AsyncIterable<string>) {
    const text = pending + chunk;
    let start = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
      if (nl > start) {
        JSON.parse(text.slice(start, nl));
        events += 1;
      }
      start = nl + 1;
    }
    pending = text.slice(start);
    if (++chunks % 64 === 0) sample();
  }
  if (pending.length > 0) JSON.parse(pending);
}
const seconds = (performance.now() - started) / 1000;
sample();
process.stdout.write(`${JSON.stringify({ mode, bytes: size, seconds, mbPerSecond: size / 1e6 / seconds, events, rssGrowthMb: (peak - rssBefore) / 1e6 })}\n`);
