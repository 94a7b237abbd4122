import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { closeDb, openDb, pendingMigrations, retryWhileBusy } from "../../src/store/db.js";
import { createExecution, getExecution, listExecutions } from "../../src/store/executions.js";
import { saveExecutionMetrics, saveExecutionSnapshot } from "../../src/store/save-execution-metrics.js";
import type { ExecutionId } from "../../src/store/schema.js";
import { UsageAccumulator } from "../../src/telemetry/accumulator.js";
import { PriceBook } from "../../src/telemetry/pricing.js";
import { zeroBuckets } from "../../src/telemetry/usage.js";
import type { ExecutionMetrics } from "../../src/executor/run-state.js";
import { pilot } from "../helpers/pilot.js";
import { ROOT } from "../helpers/paths.js";
import { tmpDir } from "../helpers/tmp.js";

function metricsFor(tokens: { input: number; output: number }): ExecutionMetrics {
  const acc = new UsageAccumulator(new PriceBook({ at: new Date("2026-12-01") }));
  acc.add({ scope: "call", id: "m1", model: "claude-opus-4-8", buckets: { ...zeroBuckets(), ...tokens } });
  return {
    usage: acc.summary(),
    modelName: "claude-opus-4-8",
    modelSource: "served",
    telemetryStatus: "partial",
    costReportedUsd: null,
    numTurns: 1,
    sessionId: "s1",
    cliVersion: "2.1.197",
    resultText: null,
    parseErrors: 0,
  };
}

async function newRow(db: ReturnType<typeof openDb>, id: string, at: number) {
  await createExecution(db, { id: id as ExecutionId, task_ref: "GH-1", task_source: "github", project: "/p", backend: "claude-code", mode: "stream-json", status: "running", created_at: at, started_at: at, updated_at: at });
}

describe("SQLite store", () => {
  it("opens with WAL, foreign keys and all migrations applied", () => {
    const db = openDb(join(tmpDir(), "data", "pilot.db"));
    expect(db.$client.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.$client.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(db.$client.pragma("busy_timeout", { simple: true })).toBe(10000);
    expect(pendingMigrations(db)).toBe(0);
    closeDb(db);
  });

  it("migrates safely when several processes open a new database at once", async () => {
    const file = join(tmpDir(), "data", "pilot.db");
    const script = `import { openDb, closeDb } from ${JSON.stringify(join(ROOT, "src", "store", "db.ts"))}; closeDb(openDb(${JSON.stringify(file)}));`;
    const runs = await Promise.all(Array.from({ length: 6 }, () => execa(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { reject: false, cwd: ROOT })));
    expect(runs.map((r) => [r.exitCode, r.stderr])).toEqual(Array.from({ length: 6 }, () => [0, ""]));
    const db = openDb(file);
    const journal = JSON.parse(readFileSync(join(ROOT, "migrations", "meta", "_journal.json"), "utf8")) as { entries: unknown[] };
    // Each migration applied exactly once, whichever process got there first.
    expect(db.$client.prepare("SELECT COUNT(*) AS n FROM __drizzle_migrations").get()).toEqual({ n: journal.entries.length });
    expect(pendingMigrations(db)).toBe(0);
    closeDb(db);
  });

  it("writes snapshots only while running, and the final status with the telemetry in one go", async () => {
    const db = openDb(join(tmpDir(), "pilot.db"));
    const id = "ex_01test00000000000000" as ExecutionId;
    await newRow(db, id, 1000);
    expect(await saveExecutionSnapshot(db, id, metricsFor({ input: 10, output: 1 }), 2000)).toBe(true);
    let saved = await getExecution(db, id);
    expect([saved.row.status, saved.row.tokens_total, saved.row.updated_at]).toEqual(["running", 11, 2000]);
    expect(saved.models.map((m) => [m.model, m.tokens_input])).toEqual([["claude-opus-4-8", 10]]);

    await saveExecutionMetrics(db, id, metricsFor({ input: 20, output: 2 }), { status: "cancelled", errorCode: "cancelled", error: "cancelled (SIGINT)", exitCode: null, finishedAt: 3000, durationMs: 2000 });
    expect(await saveExecutionSnapshot(db, id, metricsFor({ input: 99, output: 9 }), 4000)).toBe(false);
    saved = await getExecution(db, id);
    expect([saved.row.status, saved.row.tokens_total, saved.row.telemetry_status, saved.row.error_code, saved.row.duration_ms]).toEqual(["cancelled", 22, "partial", "cancelled", 2000]);
    expect(saved.models).toHaveLength(1);
    closeDb(db);
  });

  it("finds executions by unique prefix and lists newest first", async () => {
    const db = openDb(join(tmpDir(), "pilot.db"));
    await newRow(db, "ex_aaaa1", 1);
    await newRow(db, "ex_aaab2", 2);
    expect((await getExecution(db, "ex_aaaa")).row.id).toBe("ex_aaaa1");
    await expect(getExecution(db, "ex_aaa")).rejects.toThrow("execution id prefix ex_aaa is ambiguous");
    await expect(getExecution(db, "ex_zzzz")).rejects.toThrow("no execution ex_zzzz");
    expect((await listExecutions(db, { limit: 10 })).map((e) => e.row.id)).toEqual(["ex_aaab2", "ex_aaaa1"]);
    closeDb(db);
  });
});

describe("a database another process holds", () => {
  const busy = () => Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" });

  it("retries the writes that must not be lost, and gives up on anything but busy", async () => {
    let calls = 0;
    const retries: number[] = [];
    const value = await retryWhileBusy(
      async () => {
        if (++calls < 3) throw busy();
        return "saved";
      },
      (attempt) => retries.push(attempt),
    );
    expect([value, calls, retries]).toEqual(["saved", 3, [1, 2]]);
    await expect(retryWhileBusy(async () => Promise.reject(new Error("disk I/O error")), () => {})).rejects.toThrow("disk I/O error");
    await expect(retryWhileBusy(async () => Promise.reject(busy()), () => {}, 2)).rejects.toThrow("database is locked");
  });

  it("is one clear line from the CLI when its lock outlasts the busy timeout", async () => {
    const home = tmpDir();
    await pilot(["executions"], { home });
    const holder = new Database(join(home, "data", "pilot.db"));
    holder.exec("BEGIN EXCLUSIVE");
    try {
      const r = await pilot(["enqueue", "--prompt", "x", "--project", home], { home });
      expect([r.exitCode, r.stderr]).toEqual([1, "pilot: the database is busy: another process has held its write lock for over 10 s; try again\n"]);
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
  }, 30_000);
});
