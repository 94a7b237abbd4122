import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkCaps, dayStart, monthStart } from "../../src/dispatch/caps.js";
import { retryDelayMs, settlementFor } from "../../src/dispatch/settle.js";
import { configSchema } from "../../src/config/schema.js";
import { closeDb, openDb } from "../../src/store/db.js";
import { executions, queue, type ExecutionId, type QueueRow } from "../../src/store/schema.js";
import { executionFrom, pilot } from "../helpers/pilot.js";
import { BINARIES, startDaemon, withDb, writeConfig } from "../helpers/daemon.js";
import { tmpDir } from "../helpers/tmp.js";

function project(): string {
  const dir = tmpDir("pilot-proj-");
  writeFileSync(join(dir, "README.md"), "# p\n");
  return dir;
}

describe("per-task budgets, enforced live", () => {
  it("a USD budget stops the run at the call that crosses it: failed, code budget, exit 3, usage kept", async () => {
    const home = tmpDir();
    const r = await pilot(["run", "--sim", "--sim-scenario", "tooluse", "--prompt", "x", "--project", project(), "--max-usd", "0.01", "--json"], { home, env: BINARIES });
    expect(r.exitCode).toBe(3);
    const e = executionFrom(r);
    expect(e.error?.code).toBe("budget");
    expect(e.error?.message).toBe("USD budget exceeded: $0.016389 > $0.01");
    expect(e.tokens.total).toBeGreaterThanOrEqual(10791);
    expect(e.cost_usd).toBeGreaterThan(0.01);
  });

  it("a token budget from the task file's front matter does the same", async () => {
    const home = tmpDir();
    const dir = project();
    writeFileSync(join(dir, "task.md"), "---\nmax_tokens: 5000\n---\nRead the README.\n");
    const r = await pilot(["run", join(dir, "task.md"), "--sim", "--sim-scenario", "tooluse", "--project", dir, "--json"], { home, env: BINARIES });
    expect([r.exitCode, executionFrom(r).error?.message]).toEqual([3, "token budget exceeded: 10791 tokens > 5000"]);
  });
});

describe("daily and monthly caps", () => {
  it("pause dispatch when today's spend (running runs included) reaches the cap, logging it once", async () => {
    const home = tmpDir();
    writeConfig(home, "budgets:\n  daily_usd: 1\ndispatch:\n  poll_interval_ms: 50\n");
    await pilot(["executions"], { home });
    const now = Date.now();
    withDb(home, (db) =>
      db.insert(executions).values({ id: "ex_spent" as ExecutionId, task_ref: "t", task_source: "prompt", project: "/p", backend: "claude-code", mode: "x", status: "running", created_at: now, started_at: now, updated_at: now, cost_usd: 1.25, runner: "elsewhere:1" }).run(),
    );
    await pilot(["enqueue", "--sim", "--prompt", "waits", "--project", project()], { home, env: BINARIES });
    const daemon = startDaemon(home);
    const line = await daemon.waitFor((l) => l.cap === "daily");
    expect(line).toMatchObject({ level: 40, limitUsd: 1, spentUsd: 1.25, msg: "daily budget reached: dispatch paused, queued tasks wait" });
    await new Promise((r) => setTimeout(r, 1500));
    daemon.child.kill("SIGTERM");
    await daemon.child;
    expect(daemon.lines.filter((l) => l.cap === "daily")).toHaveLength(1);
    expect(withDb(home, (db) => db.select().from(queue).all()[0]!.state)).toBe("queued");
  }, 30_000);

  it("are checked before every claim: a run that spends past the cap is the last one claimed", async () => {
    const home = tmpDir();
    writeConfig(home, "budgets:\n  daily_usd: 0.01\ndispatch:\n  poll_interval_ms: 50\n  concurrency: 1\n");
    for (let i = 0; i < 3; i++) await pilot(["enqueue", "--sim", "--prompt", `task ${i}`, "--project", project()], { home, env: BINARIES });
    const daemon = startDaemon(home);
    await daemon.waitFor((l) => l.cap === "daily");
    await new Promise((r) => setTimeout(r, 500));
    daemon.child.kill("SIGTERM");
    await daemon.child;
    // One run ($0.0164 on the simulator's Opus usage) passes the $0.01 cap; the other two wait.
    expect(withDb(home, (db) => db.select().from(executions).all().map((r) => r.status))).toEqual(["completed"]);
    expect(withDb(home, (db) => db.select().from(queue).all().map((i) => i.state).sort())).toEqual(["done", "queued", "queued"]);
  }, 30_000);

  it("compute UTC windows and the cap that is reached", async () => {
    const t = Date.UTC(2026, 11, 3, 18, 30);
    expect([dayStart(t), monthStart(t)]).toEqual([Date.UTC(2026, 11, 3), Date.UTC(2026, 11, 1)]);
    const home = tmpDir();
    await pilot(["executions"], { home });
    withDb(home, (db) => {
      db.insert(executions).values({ id: "ex_a" as ExecutionId, task_ref: "t", task_source: "prompt", project: "/p", backend: "b", mode: "x", status: "completed", created_at: Date.UTC(2026, 11, 1, 1), updated_at: 0, cost_usd: 3 }).run();
      db.insert(executions).values({ id: "ex_b" as ExecutionId, task_ref: "t", task_source: "prompt", project: "/p", backend: "b", mode: "x", status: "completed", created_at: Date.UTC(2026, 11, 3, 2), updated_at: 0, cost_usd: 0.5 }).run();
      db.insert(executions).values({ id: "ex_c" as ExecutionId, task_ref: "t", task_source: "prompt", project: "/p", backend: "b", mode: "x", status: "completed", created_at: Date.UTC(2026, 10, 30, 23), updated_at: 0, cost_usd: 100 }).run();
    });
    const db = openDb(join(home, "data", "pilot.db"));
    try {
      expect(await checkCaps(db, { daily_usd: 1, monthly_usd: 10 }, t)).toEqual({ reached: null });
      expect((await checkCaps(db, { daily_usd: 0.5, monthly_usd: null }, t)).reached).toMatchObject({ cap: "daily", spentUsd: 0.5, until: Date.UTC(2026, 11, 4) });
      expect((await checkCaps(db, { daily_usd: null, monthly_usd: 3.5 }, t)).reached).toMatchObject({ cap: "monthly", spentUsd: 3.5, until: Date.UTC(2027, 0, 1) });
    } finally {
      closeDb(db);
    }
  });
});

describe("retry policy", () => {
  const dispatch = configSchema.parse({}).dispatch;
  const item = (attempts: number) => ({ attempts, max_attempts: 3 }) as QueueRow;
  const failed = (code: string) => ({ status: "failed" as const, failure: { code: code as never, message: "" }, exitCode: 1 });

  it("retries rate limits, overloads, API and network errors with exponential backoff, until max attempts", () => {
    expect(settlementFor(failed("rate_limited"), undefined, item(1), dispatch, 1000)).toEqual({ state: "queued", availableAt: 1000 + 10_000 });
    expect(settlementFor(failed("network"), undefined, item(2), dispatch, 1000)).toEqual({ state: "queued", availableAt: 1000 + 20_000 });
    expect(settlementFor(failed("overloaded"), undefined, item(3), dispatch, 1000)).toEqual({ state: "dead" });
    expect([retryDelayMs(1, dispatch), retryDelayMs(4, dispatch), retryDelayMs(30, dispatch)]).toEqual([10_000, 80_000, 600_000]);
  });

  it("does not retry final failures; shutdown puts a task back without using an attempt; cancel ends it", () => {
    for (const code of ["auth", "budget", "bad_task", "max_turns", "backend_missing"]) expect(settlementFor(failed(code), undefined, item(1), dispatch, 0)).toEqual({ state: "dead" });
    expect(settlementFor({ status: "timed_out", failure: { code: "timeout", message: "" }, exitCode: 75 }, "timeout", item(1), dispatch, 0)).toEqual({ state: "dead" });
    expect(settlementFor({ status: "cancelled", failure: { code: "cancelled", message: "" }, exitCode: 143 }, "SIGTERM", item(1), dispatch, 5)).toEqual({ state: "queued", availableAt: 5, uncount: true });
    expect(settlementFor({ status: "cancelled", failure: { code: "cancelled", message: "" }, exitCode: 130 }, "cancel", item(1), dispatch, 5)).toEqual({ state: "cancelled" });
    expect(settlementFor({ status: "completed", failure: null, exitCode: 0 }, undefined, item(1), dispatch, 5)).toEqual({ state: "done" });
  });
});
