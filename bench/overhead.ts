import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { claudeSimEnv } from "../src/backends/claude-code/backend.js";
import { startSimulator } from "../src/sim/server.js";

/**
 * Median wall time of `pilot run --sim` against the bare `claude -p` it wraps (same
 * arguments, same simulator scenario), both as fresh processes.
 */
const ROOT = join(import.meta.dirname, "..");
const CLAUDE = join(ROOT, "node_modules", ".bin", "claude");
const PILOT = join(ROOT, "dist", "pilot.js");

export async function measureOverhead(runs: number): Promise<{ bareMs: number; pilotMs: number; overheadMs: number; runs: number }> {
  const work = mkdtempSync(join(tmpdir(), "pilot-bench-"));
  const project = join(work, "project");
  const home = join(work, "home");
  const pilotHome = join(work, "pilot-home");
  for (const dir of [project, home, pilotHome]) mkdirSync(dir, { recursive: true });
  writeFileSync(join(project, "README.md"), "bench\n");
  const sim = await startSimulator();
  const args = ["-p", "say done", "--output-format", "stream-json", "--verbose", "--include-partial-messages", "--permission-mode", "acceptEdits"];
  const bare: number[] = [];
  const wrapped: number[] = [];
  try {
    for (let i = 0; i < runs + 1; i++) {
      // Alternate so drift on the machine hits both sides alike; the first pair warms caches.
      let t = performance.now();
      const b = await execa(CLAUDE, args, { cwd: project, env: claudeSimEnv(sim.url, home, process.env.PATH), extendEnv: false, stdin: "ignore", reject: false });
      if (b.exitCode !== 0) throw new Error(`bare claude failed: ${b.stderr}`);
      if (i > 0) bare.push(performance.now() - t);
      t = performance.now();
      const p = await execa(process.execPath, [PILOT, "run", "--sim", "--prompt", "say done", "--project", project, "--json"], {
        env: { PATH: process.env.PATH ?? "", HOME: home, PILOT_HOME: pilotHome, PILOT_BACKENDS__CLAUDE_CODE__BINARY: CLAUDE, PILOT_LOG_LEVEL: "warn" },
        extendEnv: false,
        stdin: "ignore",
        reject: false,
      });
      if (p.exitCode !== 0) throw new Error(`pilot run failed: ${p.stderr}`);
      if (i > 0) wrapped.push(performance.now() - t);
    }
  } finally {
    await sim.close();
    rmSync(work, { recursive: true, force: true });
  }
  const bareMs = median(bare);
  const pilotMs = median(wrapped);
  return { bareMs, pilotMs, overheadMs: pilotMs - bareMs, runs };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
