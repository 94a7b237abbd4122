import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { measureAccumulator } from "./accumulator.js";
import { measureOverhead } from "./overhead.js";
import { generateClaudeStream, generateCodexStream, generateOpenCodeStream } from "./streams.js";

/**
 * `npm run bench`: pilot's performance figures, printed (not asserted).
 *   BENCH_MB (default 200): size of each generated stream; BENCH_RUNS (default 7): overhead runs.
 */
const ROOT = join(import.meta.dirname, "..");
const dir = join(ROOT, ".bench");
mkdirSync(dir, { recursive: true });
const megabytes = Number(process.env.BENCH_MB ?? 200);
const runs = Number(process.env.BENCH_RUNS ?? 7);

interface Measurement {
  mbPerSecond: number;
  rssGrowthMb: number;
  seconds: number;
  events: number;
}

async function measure(args: string[]): Promise<Measurement> {
  const { stdout } = await execa(process.execPath, ["--expose-gc", "--import", "tsx", join(ROOT, "bench", "parse-stream.ts"), ...args], { cwd: ROOT });
  return JSON.parse(stdout) as Measurement;
}

const streams = [
  { title: "Claude Code stream-json with partial messages", backend: "claude-code", mode: "stream-json", baseline: "baseline-ndjson", generate: generateClaudeStream, file: "claude-stream" },
  { title: "Codex exec --json", backend: "codex", mode: "exec-json", baseline: "baseline-ndjson", generate: generateCodexStream, file: "codex-stream" },
  { title: "OpenCode serve /event SSE", backend: "opencode", mode: "serve", baseline: "baseline-sse", generate: generateOpenCodeStream, file: "opencode-stream" },
] as const;

for (const s of streams) {
  const file = join(dir, `${s.file}-${megabytes}mb.${s.baseline === "baseline-sse" ? "sse" : "jsonl"}`);
  const bytes = await s.generate(file, megabytes * 1e6);
  const parser = await measure(["parser", s.backend, s.mode, file]);
  const baseline = await measure([s.baseline, file]);
  const ratio = parser.mbPerSecond / baseline.mbPerSecond;
  console.log(`${s.title} (${(bytes / 1e6).toFixed(0)} MB generated, ${file})`);
  console.log(`  pilot parser      ${parser.mbPerSecond.toFixed(1)} MB/s  (${parser.seconds.toFixed(2)} s, ${parser.events} events, peak RSS growth ${parser.rssGrowthMb.toFixed(1)} MB)`);
  console.log(`  bare JSON.parse   ${baseline.mbPerSecond.toFixed(1)} MB/s  (${baseline.seconds.toFixed(2)} s, peak RSS growth ${baseline.rssGrowthMb.toFixed(1)} MB)`);
  console.log(`  ratio             ${ratio.toFixed(2)}  (goal >= 0.6); parser RSS growth < 64 MB: ${parser.rssGrowthMb < 64 ? "met" : "NOT met"}\n`);
}

const accumulator = await measureAccumulator(1_000_000);
console.log(`Accumulator + pricing (${accumulator.samples.toLocaleString("en-US")} samples across 5 models, two snapshots per call)`);
console.log(`  ${Math.round(accumulator.perSecond).toLocaleString("en-US")} samples/s  (${accumulator.seconds.toFixed(2)} s; goal > 1,000,000 samples/s)`);

console.log(`\nOverhead of pilot run --sim over bare claude -p (median of ${runs} runs each, same simulator scenario)`);
const overhead = await measureOverhead(runs);
console.log(`  bare claude -p    ${overhead.bareMs.toFixed(0)} ms`);
console.log(`  pilot run --sim   ${overhead.pilotMs.toFixed(0)} ms`);
console.log(`  overhead          ${overhead.overheadMs.toFixed(0)} ms  (goal < 300 ms)`);
