import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { configSchema } from "../src/config/schema.js";
import { checkCaps } from "../src/dispatch/caps.js";
import { databaseChecks } from "../src/health/checks.js";
import { closeDb, openDb } from "../src/store/db.js";

/**
 * The database part of the daemon's startup checks (telemetry gaps per backend, stuck
 * `running` rows, pending migrations) plus the daily/monthly spend it reads before its first
 * claim, on a database of `rows` executions: most completed over the last year across the
 * three backends, some failed, a few left `running` by a dead pilot. The database is built
 * once and kept under `.bench/` (seeding 1,000,000 rows takes a while).
 */
const BACKENDS = ["claude-code", "codex", "opencode"] as const;
const MODELS = ["claude-opus-4-8", "gpt-5.1-codex", "claude-sonnet-4-5"] as const;

export function seedExecutions(file: string, rows: number, now: number): void {
  const db = openDb(file);
  const client = db.$client;
  const have = (client.prepare("SELECT count(*) AS n FROM executions").get() as { n: number }).n;
  if (have >= rows) return closeDb(db);
  const insert = client.prepare(
    `INSERT INTO executions (id, task_ref, task_source, project, backend, mode, status, created_at, started_at, finished_at, updated_at,
       duration_ms, model_name, model_source, tokens_input, tokens_output, tokens_cache_read, tokens_total, cost_usd, telemetry_status, runner)
     VALUES (?, ?, 'github', ?, ?, 'stream-json', ?, ?, ?, ?, ?, ?, ?, 'served', ?, ?, ?, ?, ?, ?, ?)`,
  );
  const yearMs = 365 * 86_400_000;
  const fill = client.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const b = i % 3;
      const created = now - yearMs + Math.floor((i / rows) * yearMs);
      // One in 20 failed; the last few are `running` under a runner that no longer exists.
      const status = i >= rows - 5 ? "running" : i % 20 === 0 ? "failed" : "completed";
      const finished = status === "running" ? null : created + 60_000;
      const input = 1000 + (i % 997);
      const output = 200 + (i % 101);
      const cacheRead = 20_000 + (i % 5003);
      insert.run(
        `ex_${i.toString(36).padStart(8, "0")}`, `GH-${i}`, `/srv/project-${i % 50}`, BACKENDS[b], status, created, created, finished, finished ?? created,
        finished ? 60_000 : null, MODELS[b], input, output, cacheRead, input + output + cacheRead, 0.01 + (i % 13) / 100, "reported", "gone-host:1",
      );
    }
  });
  for (let from = have; from < rows; from += 50_000) fill(from, Math.min(rows, from + 50_000));
  client.pragma("optimize");
  closeDb(db);
}

export async function measureHealthChecks(rows: number, dir: string, repeats = 9): Promise<{ rows: number; medianMs: number; firstMs: number; findings: string[] }> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `health-${rows}.db`);
  const now = Date.now();
  const seeded = existsSync(file);
  seedExecutions(file, rows, now);
  if (!seeded) console.error(`  (seeded ${rows.toLocaleString("en-US")} executions into ${file})`);
  const config = configSchema.parse({});
  const times: number[] = [];
  let findings: string[] = [];
  for (let i = 0; i < repeats; i++) {
    // A fresh connection each time, as a starting daemon has: no warm statement cache.
    const db = openDb(file);
    const t = performance.now();
    const found = await databaseChecks(db, config, now);
    await checkCaps(db, { daily_usd: 100, monthly_usd: 1000 }, now);
    times.push(performance.now() - t);
    findings = found.map((f) => f.check);
    closeDb(db);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { rows, medianMs: sorted[Math.floor(sorted.length / 2)]!, firstMs: times[0]!, findings };
}
