import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolvePaths } from "../../src/config/paths.js";
import { configSchema } from "../../src/config/schema.js";
import { recoverAbandoned } from "../../src/dispatch/recovery.js";
import { closeDb, openDb } from "../../src/store/db.js";
import { executions, queue, type ExecutionId, type QueueItemId } from "../../src/store/schema.js";
import { silentLogger } from "../../src/util/logger.js";
import { pilot } from "../helpers/pilot.js";
import { BINARIES, liveInGroup, startDaemon, until, withDb, writeConfig } from "../helpers/daemon.js";
import { tmpDir } from "../helpers/tmp.js";

const FAST = "dispatch:\n  poll_interval_ms: 100\n  concurrency: 2\n  retry_base_s: 0\n  shutdown_grace_s: 1\nlimits:\n  kill_grace_s: 1\n";

function project(name: string): string {
  const dir = tmpDir(`pilot-${name}-`);
  writeFileSync(join(dir, "README.md"), `# ${name}\n`);
  return dir;
}

describe("crash recovery", () => {
  it("kill -9 mid-run, restart: nothing left running, nothing lost, nothing run twice, the interrupted run's usage kept", async () => {
    const home = tmpDir("pilot-home-");
    writeConfig(home, FAST);
    await pilot(["enqueue", "--sim", "--prompt", "stall", "--project", project("s"), "--sim-scenario", "stall", "--timeout", "5"], { home, env: BINARIES });
    for (const name of ["o1", "o2"]) await pilot(["enqueue", "--sim", "--prompt", name, "--project", project(name)], { home, env: BINARIES });

    const first = startDaemon(home);
    const stalled = await until(() => withDb(home, (db) => db.select().from(executions).all().find((r) => r.task_title === "stall" && r.status === "running" && r.tokens_total > 0)), 30_000, "the stalled run with usage");
    first.child.kill("SIGKILL");
    await first.child;
    // The CLI does not outlive the daemon that started it: the watcher in its group kills it.
    await until(() => (liveInGroup(stalled.pgid!).length === 0 ? true : undefined), 5_000, "the CLI's group to exit");

    const second = startDaemon(home);
    await second.waitFor((l) => typeof l.msg === "string" && l.msg.includes("now interrupted"));
    const done = await until(
      () => withDb(home, (db) => {
        const items = db.select().from(queue).all();
        return items.every((i) => i.state === "done" || i.state === "dead") ? { items, rows: db.select().from(executions).all() } : undefined;
      }),
      60_000,
      "every task settled",
    );
    second.child.kill("SIGTERM");
    expect((await second.child).exitCode).toBe(0);

    expect(done.rows.filter((r) => r.status === "running")).toEqual([]);
    expect(liveInGroup(stalled.pgid!)).toEqual([]);
    const interrupted = done.rows.find((r) => r.id === stalled.id)!;
    expect([interrupted.status, interrupted.error_code, interrupted.telemetry_status, interrupted.attempt]).toEqual(["interrupted", "interrupted", "partial", 1]);
    // Re-parsed from its recording: at least the first call (10791); the second one too if it had started.
    expect([10791, 20912]).toContain(interrupted.tokens_total);
    const parsed = JSON.parse((await pilot(["parse", interrupted.recording_path!, "--json"], { home })).stdout);
    expect(parsed.tokens.total).toBe(interrupted.tokens_total);
    expect(interrupted.model_name).toBe("claude-opus-4-8");
    // Its task was requeued and ran again (and timed out on the stall again): attempt 2.
    const retried = done.rows.filter((r) => r.task_title === "stall").map((r) => [r.attempt, r.status]).sort();
    expect(retried).toEqual([
      [1, "interrupted"],
      [2, "timed_out"],
    ]);
    // No task lost, none run twice: each other task completed exactly once (a run the kill
    // interrupted came back as the next attempt), and no attempt has two rows.
    for (const name of ["o1", "o2"]) {
      const runs = done.rows.filter((r) => r.task_title === name).sort((x, y) => x.attempt - y.attempt);
      expect([name, runs.filter((r) => r.status === "completed").length, runs.at(-1)?.status]).toEqual([name, 1, "completed"]);
      expect(runs.slice(0, -1).every((r) => r.status === "interrupted")).toBe(true);
    }
    const attempts = done.rows.map((r) => `${r.queue_item_id}#${r.attempt}`);
    expect(new Set(attempts).size).toBe(attempts.length);
  });

  it("two daemons on one SQLite file: every task runs exactly once", async () => {
    const home = tmpDir("pilot-home-");
    writeConfig(home, FAST);
    const projects = ["p1", "p2", "p3", "p4"].map(project);
    for (let i = 0; i < 12; i++) await pilot(["enqueue", "--sim", "--backend", "noop", "--prompt", `noop ${i}`, "--project", projects[i % 4]!], { home });
    for (let i = 0; i < 2; i++) await pilot(["enqueue", "--sim", "--prompt", `real ${i}`, "--project", projects[i]!], { home, env: BINARIES });
    const daemons = [startDaemon(home), startDaemon(home)];
    const rows = await until(
      () => withDb(home, (db) => (db.select().from(queue).all().every((i) => i.state === "done") ? db.select().from(executions).all() : undefined)),
      60_000,
      "all tasks done",
    );
    for (const d of daemons) d.child.kill("SIGTERM");
    for (const d of daemons) expect((await d.child).exitCode).toBe(0);
    expect(rows).toHaveLength(14);
    expect(new Set(rows.map((r) => r.queue_item_id)).size).toBe(14);
    expect(rows.every((r) => r.attempt === 1 && r.status === "completed")).toBe(true);
    expect(rows.filter((r) => r.backend === "noop").every((r) => r.telemetry_status === "none_expected")).toBe(true);
    // Per project, never two at once, across both daemons.
    for (const p of projects) {
      const runs = rows.filter((r) => r.project === p).sort((x, y) => x.started_at! - y.started_at!);
      for (let i = 1; i < runs.length; i++) expect(runs[i]!.started_at!).toBeGreaterThanOrEqual(runs[i - 1]!.finished_at!);
    }
  });

  it("a one-shot pilot run killed with -9 is recovered by the next daemon", async () => {
    const home = tmpDir("pilot-home-");
    writeConfig(home, FAST);
    const { execa } = await import("execa");
    const { PILOT_BIN } = await import("../helpers/paths.js");
    const run = execa(process.execPath, [PILOT_BIN, "run", "--sim", "--sim-scenario", "stall", "--prompt", "x", "--project", project("r")], {
      env: { PATH: process.env.PATH!, HOME: home, PILOT_HOME: home, ...BINARIES },
      extendEnv: false,
      reject: false,
    });
    const row = await until(() => withDb(home, (db) => db.select().from(executions).all().find((r) => r.status === "running" && r.tokens_total > 0)), 30_000, "the running one-shot");
    run.kill("SIGKILL");
    await run;
    const doctor = await pilot(["doctor", "--json"], { home, env: BINARIES });
    expect(doctor.exitCode).toBe(1);
    expect(JSON.parse(doctor.stdout).findings.map((f: { check: string }) => f.check)).toContain("stuck_running");
    const daemon = startDaemon(home);
    await daemon.waitFor((l) => l.executionId === row.id && typeof l.msg === "string" && l.msg.includes("now interrupted"));
    daemon.child.kill("SIGTERM");
    await daemon.child;
    const after = withDb(home, (db) => db.select().from(executions).all()[0]!);
    expect([after.status, after.telemetry_status]).toEqual(["interrupted", "partial"]);
    expect(after.tokens_total).toBeGreaterThanOrEqual(10791);
    expect(liveInGroup(row.pgid!)).toEqual([]);
  });

  it("the CLI does not outlive a pilot killed with -9 (an OpenCode server would run forever)", async () => {
    const home = tmpDir("pilot-home-");
    const { execa } = await import("execa");
    const { PILOT_BIN } = await import("../helpers/paths.js");
    const run = execa(process.execPath, [PILOT_BIN, "run", "--backend", "opencode", "--sim", "--sim-scenario", "stall", "--prompt", "x", "--project", project("s")], {
      env: { PATH: process.env.PATH!, HOME: home, PILOT_HOME: home, ...BINARIES },
      extendEnv: false,
      reject: false,
    });
    const row = await until(() => withDb(home, (db) => db.select().from(executions).all().find((r) => r.status === "running" && r.pgid !== null && r.tokens_total > 0)), 30_000, "the running server");
    expect(liveInGroup(row.pgid!).length).toBeGreaterThan(0);
    run.kill("SIGKILL");
    await run;
    // No daemon, no other pilot: the group takes itself down.
    await until(() => (liveInGroup(row.pgid!).length === 0 ? true : undefined), 5_000, "the server's group to exit");
  });

  it("keeps the row's in-flight numbers when the recording has less (lost or cut short)", async () => {
    const home = tmpDir("pilot-home-");
    const db = openDb(join(home, "data", "pilot.db"));
    try {
      const at = Date.now() - 60_000;
      db.insert(executions)
        .values({
          id: "ex_lostrecording01" as ExecutionId,
          task_ref: "t",
          task_source: "prompt",
          project: "/p",
          backend: "claude-code",
          mode: "stream-json",
          status: "running",
          runner: `${hostname()}:2147483646`,
          created_at: at,
          started_at: at,
          updated_at: at,
          tokens_input: 1234,
          tokens_output: 89,
          tokens_cache_read: 8901,
          tokens_cache_write_5m: 567,
          tokens_total: 10791,
          model_name: "claude-opus-4-8",
          model_source: "served",
          telemetry_status: "partial",
          recording_path: join(home, "recordings", "gone.rec"),
        })
        .run();
      const recovered = await recoverAbandoned({ db, config: configSchema.parse({}), paths: resolvePaths({ PILOT_HOME: home }), logger: silentLogger(), now: Date.now });
      expect(recovered).toEqual(["ex_lostrecording01"]);
      const row = db.select().from(executions).get()!;
      expect([row.status, row.error_code, row.tokens_total, row.tokens_cache_read, row.model_name, row.telemetry_status]).toEqual(["interrupted", "interrupted", 10791, 8901, "claude-opus-4-8", "partial"]);
    } finally {
      closeDb(db);
    }
  });

  it("a cancel asked for while the daemon was gone is carried out by the recovery, not lost", async () => {
    const home = tmpDir("pilot-home-");
    const db = openDb(join(home, "data", "pilot.db"));
    try {
      const now = Date.now();
      const dead = `${hostname()}:2147483646`;
      db.insert(queue)
        .values({ id: "q_cancelme" as QueueItemId, task_ref: "t", task_source: "prompt", project: "/p", backend: "claude-code", payload: {}, state: "leased", attempts: 1, max_attempts: 3, runs: 1, lease_owner: `${dead}:abc`, lease_expires_at: now + 60_000, available_at: now, idempotency_key: "k", last_execution_id: "ex_cancelme0001" as ExecutionId, created_at: now, updated_at: now })
        .run();
      db.insert(executions)
        .values({ id: "ex_cancelme0001" as ExecutionId, queue_item_id: "q_cancelme", attempt: 1, task_ref: "t", task_source: "prompt", project: "/p", backend: "claude-code", mode: "stream-json", status: "running", runner: dead, created_at: now, updated_at: now })
        .run();
      expect((await pilot(["cancel", "q_cancelme"], { home })).stdout).toContain("is gone: the next pilot start cancels it");
      await recoverAbandoned({ db, config: configSchema.parse({}), paths: resolvePaths({ PILOT_HOME: home }), logger: silentLogger(), now: Date.now });
      expect(db.select({ state: queue.state, code: queue.last_error_code }).from(queue).get()).toEqual({ state: "cancelled", code: "cancelled" });
      expect(db.select({ status: executions.status }).from(executions).get()!.status).toBe("interrupted");
    } finally {
      closeDb(db);
    }
  });

  it("a Codex run killed with -9 keeps the usage of its finished requests: the recovery reads the rollout its pilot never read", async () => {
    const home = tmpDir("pilot-home-");
    writeConfig(home, FAST);
    const { execa } = await import("execa");
    const { PILOT_BIN } = await import("../helpers/paths.js");
    const run = execa(process.execPath, [PILOT_BIN, "run", "--backend", "codex", "--sim", "--sim-scenario", "stall", "--prompt", "x", "--project", project("c")], {
      env: { PATH: process.env.PATH!, HOME: home, PILOT_HOME: home, ...BINARIES },
      extendEnv: false,
      reject: false,
    });
    // The first request (a tool call) finished once its command ran; the second one stalls.
    const row = await until(() => withDb(home, (db) => db.select().from(executions).all().find((r) => r.status === "running" && r.recording_path && existsSync(r.recording_path) && readFileSync(r.recording_path, "utf8").includes('"command_execution"'))), 30_000, "the stalled Codex run");
    await new Promise((resolve) => setTimeout(resolve, 500));
    run.kill("SIGKILL");
    await run;
    const daemon = startDaemon(home);
    await daemon.waitFor((l) => l.executionId === row.id && typeof l.msg === "string" && l.msg.includes("now interrupted"));
    daemon.child.kill("SIGTERM");
    await daemon.child;
    const after = withDb(home, (db) => db.select().from(executions).all()[0]!);
    expect([after.status, after.telemetry_status, after.tokens_total, after.model_name]).toEqual(["interrupted", "partial", 10224, "gpt-5-codex"]);
    // The rollout is now in the recording: a reparse agrees.
    expect((await pilot(["reparse", row.id], { home })).stdout.split("\n")[0]).toBe(`reparsed ${row.id}: no change`);
  });
});

