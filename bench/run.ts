import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { measureAccumulator } from "./accumulator.js";
import { measureDispatch } from "./dispatch.js";
import { measureHealthChecks } from "./health.js";
import { measureOverhead } from "./overhead.js";
import { generateClaudeStream, generateCodexStream, generateOpenCodeStream } from "./streams.js";

/**
 * `npm run bench`: pilot's performance figures, printed (not asserted).
 *   BENCH_MB (default 200): size of each generated stream; BENCH_RUNS (default 7): overhead runs;
 *   BENCH_TASKS (default 2000): dispatched tasks; BENCH_ROWS (default 1000000): executions for the health checks.
 *   Arguments pick sections (`npm run bench -- dispatch health`); none runs them all.
 */
const ROOT = join(import.meta.dirname, "..");
const dir = join(ROOT, ".bench");
mkdirSync(dir, { recursive: true });
const megabytes = Number(process.env.BENCH_MB ?? 200);
const runs = Number(process.env.BENCH_RUNS ?? 7);
const tasks = Number(process.env.BENCH_TASKS ?? 2000);
const rows = Number(process.env.BENCH_ROWS ?? 1_000_000);
const SECTIONS = ["parse", "accumulator", "overhead", "dispatch", "health"] as const;
const picked = process.argv.slice(2);
for (const p of picked) if (!(SECTIONS as readonly string[]).includes(p)) throw new Error(`unknown bench section ${p} (known: ${SECTIONS.join(", ")})`);
const wants = (section: (typeof SECTIONS)[number]) => picked.length === 0 || picked.includes(section);

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

for (const s of wants("parse") ? streams : []) {
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

if (wants("accumulator")) {
  const accumulator = await measureAccumulator(1_000_000);
  console.log(`Accumulator + pricing (${accumulator.samples.toLocaleString("en-US")} samples across 5 models, two snapshots per call)`);
  console.log(`  ${Math.round(accumulator.perSecond).toLocaleString("en-US")} samples/s  (${accumulator.seconds.toFixed(2)} s; goal > 1,000,000 samples/s)\n`);
}

if (wants("overhead")) {
  console.log(`Overhead of pilot run --sim over bare claude -p (median of ${runs} runs each, same simulator scenario)`);
  const overhead = await measureOverhead(runs);
  console.log(`  bare claude -p    ${overhead.bareMs.toFixed(0)} ms`);
  console.log(`  pilot run --sim   ${overhead.pilotMs.toFixed(0)} ms`);
  console.log(`  overhead          ${overhead.overheadMs.toFixed(0)} ms  (goal < 300 ms)\n`);
}

if (wants("dispatch")) {
  console.log(`Dispatch throughput, noop backend: enqueue -> claim -> execute -> save (${tasks.toLocaleString("en-US")} tasks, SQLite WAL)`);
  for (const concurrency of [2, 8]) {
    const d = await measureDispatch(tasks, concurrency);
    if (d.done !== tasks) throw new Error(`dispatch bench: ${d.done} of ${tasks} executions completed`);
    console.log(`  concurrency ${concurrency}     ${Math.round(d.perSecond)} tasks/s  (${d.seconds.toFixed(2)} s, of which enqueue ${d.enqueueSeconds.toFixed(2)} s; goal >= 200/s)`);
  }
  console.log("");
}

if (wants("health")) {
  console.log(`Startup health checks, database part, on ${rows.toLocaleString("en-US")} executions (fresh connection each time)`);
  const h = await measureHealthChecks(rows, dir);
  console.log(`  median ${h.medianMs.toFixed(1)} ms, first ${h.firstMs.toFixed(1)} ms  (goal < 50 ms); findings: ${h.findings.join(", ") || "none"}`);
}
