import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { executions, queue, type QueueItemId } from "../../src/store/schema.js";
import { pilot } from "../helpers/pilot.js";
import { BINARIES, liveInGroup, startDaemon, until, withDb, writeConfig } from "../helpers/daemon.js";
import { FIXTURES } from "../helpers/paths.js";
import { tmpDir } from "../helpers/tmp.js";

/** The daemon as a real child process, running the real Claude Code CLI against the simulator. */

const FAST = "dispatch:\n  poll_interval_ms: 100\n  concurrency: 2\n  retry_base_s: 0\n  shutdown_grace_s: 1\nlimits:\n  kill_grace_s: 1\n";

function project(name: string): string {
  const dir = tmpDir(`pilot-${name}-`);
  writeFileSync(join(dir, "README.md"), `# ${name}\n`);
  return dir;
}

const enqueue = (home: string, args: string[]) => pilot(["enqueue", "--sim", ...args], { home, env: BINARIES });

describe("pilot start: dispatch", () => {
  it("runs everything once, in priority order per project, never two at once in a project, at most the concurrency cap", async () => {
    const home = tmpDir("pilot-home-");
    writeConfig(home, FAST);
    const a = project("a");
    const b = project("b");
    // Enqueued before the daemon starts, so the order is decided by priority and age alone.
    for (const [proj, name, priority] of [
      [a, "a1", "0"],
      [a, "a2", "5"],
      [a, "a3", "0"],
      [b, "b1", "0"],
      [b, "b2", "0"],
      [b, "b3", "9"],
    ] as const) {
      expect((await enqueue(home, ["--prompt", `task ${name}`, "--project", proj, "--priority", priority])).exitCode).toBe(0);
    }
    const again = await enqueue(home, ["--prompt", "task a1", "--project", a]);
    expect([again.exitCode, again.stdout]).toEqual([0, expect.stringContaining("is already queued as q_")]);

    const daemon = startDaemon(home);
    const rows = await until(
      () => withDb(home, (db) => {
        const items = db.select().from(queue).all();
        return items.length === 6 && items.every((i) => i.state === "done") ? db.select().from(executions).all() : undefined;
      }),
      60_000,
      "all six tasks done",
    );
    daemon.child.kill("SIGTERM");
    expect((await daemon.child).exitCode).toBe(0);

    expect(rows).toHaveLength(6);
    expect(rows.every((r) => r.status === "completed" && r.tokens_total === 10791 && r.queue_item_id !== null && r.attempt === 1)).toBe(true);
    const byProject = (p: string) => rows.filter((r) => r.project === p).sort((x, y) => x.started_at! - y.started_at!);
    // Priority first, then age.
    expect(byProject(a).map((r) => r.task_title)).toEqual(["task a2", "task a1", "task a3"]);
    expect(byProject(b).map((r) => r.task_title)).toEqual(["task b3", "task b1", "task b2"]);
    for (const p of [a, b]) {
      const runs = byProject(p);
      for (let i = 1; i < runs.length; i++) expect(runs[i]!.started_at!).toBeGreaterThanOrEqual(runs[i - 1]!.finished_at!);
    }
    // Never more than two running at once.
    const points = rows.flatMap((r) => [
      { t: r.started_at!, d: 1 },
      { t: r.finished_at!, d: -1 },
    ]);
    points.sort((x, y) => x.t - y.t || x.d - y.d);
    let open = 0;
    let peak = 0;
    for (const p of points) peak = Math.max(peak, (open += p.d));
    expect(peak).toBeLessThanOrEqual(2);
    expect(peak).toBe(2);
    // Every line about a run says which execution, task and backend it is about.
    const runLines = daemon.lines.filter((l) => l.msg === "execution finished");
    expect(runLines).toHaveLength(6);
    expect(runLines.every((l) => typeof l.executionId === "string" && typeof l.taskRef === "string" && l.backend === "claude-code")).toBe(true);
  });

  it("retries retryable failures with backoff and stops at max attempts; auth failures are not retried", async () => {
    const home = tmpDir("pilot-home-");
    writeConfig(home, `${FAST.replace("  retry_base_s: 0\n", "  retry_base_s: 0\n  max_attempts: 2\n")}`);
    await enqueue(home, ["--prompt", "overloaded", "--project", project("c"), "--sim-scenario", "http529"]);
    await enqueue(home, ["--prompt", "bad key", "--project", project("d"), "--sim-scenario", "http401"]);
    const daemon = startDaemon(home);
    const items = await until(
      () => withDb(home, (db) => {
        const all = db.select().from(queue).all();
        return all.every((i) => i.state === "dead") ? all : undefined;
      }),
      60_000,
      "both tasks dead",
    );
    daemon.child.kill("SIGTERM");
    await daemon.child;
    const byTitle = Object.fromEntries(items.map((i) => [i.task_title, i]));
    expect([byTitle.overloaded!.attempts, byTitle.overloaded!.last_error_code]).toEqual([2, "overloaded"]);
    expect([byTitle["bad key"]!.attempts, byTitle["bad key"]!.last_error_code]).toEqual([1, "auth"]);
    const rows = withDb(home, (db) => db.select().from(executions).all());
    expect(rows.map((r) => [r.task_title, r.attempt, r.status]).sort()).toEqual([
      ["bad key", 1, "failed"],
      ["overloaded", 1, "failed"],
      ["overloaded", 2, "failed"],
    ]);
  });

  it("SIGTERM with a run in flight: the CLI's process group is gone, the row is cancelled with its usage, the task goes back to the queue", async () => {
    const home = tmpDir("pilot-home-");
    writeConfig(home, FAST);
    await enqueue(home, ["--prompt", "stall", "--project", project("e"), "--sim-scenario", "stall"]);
    const daemon = startDaemon(home);
    const running = await until(() => withDb(home, (db) => db.select().from(executions).all().find((r) => r.status === "running" && r.tokens_total > 0 && r.pgid !== null)), 30_000, "a running execution with usage");
    daemon.child.kill("SIGTERM");
    expect((await daemon.child).exitCode).toBe(0);
    const row = withDb(home, (db) => db.select().from(executions).all()[0]!);
    expect([row.status, row.error_code, row.telemetry_status]).toEqual(["cancelled", "cancelled", "partial"]);
    expect(row.tokens_total).toBe(20912);
    expect(liveInGroup(running.pgid!)).toEqual([]);
    const item = withDb(home, (db) => db.select().from(queue).all()[0]!);
    // Stopped by the shutdown, not by its own failure: queued again without losing an attempt.
    expect([item.state, item.attempts, item.lease_owner]).toEqual(["queued", 0, null]);
  });

  it("cancels a queued task at once and a running one within a couple of seconds", async () => {
    const home = tmpDir("pilot-home-");
    writeConfig(home, FAST);
    const queued = JSON.parse((await pilot(["enqueue", "--sim", "--prompt", "never", "--project", project("f"), "--json"], { home })).stdout).item.id as string;
    expect((await pilot(["cancel", queued], { home })).stdout).toContain("it was queued and will not run");
    expect(withDb(home, (db) => db.select().from(queue).all()[0]!.state)).toBe("cancelled");

    const stalled = JSON.parse((await pilot(["enqueue", "--sim", "--prompt", "stall", "--project", project("g"), "--sim-scenario", "stall", "--json"], { home })).stdout).item.id as string;
    const daemon = startDaemon(home);
    await until(() => withDb(home, (db) => db.select().from(executions).all().find((r) => r.status === "running" && r.tokens_total > 0)), 30_000, "the stalled run");
    const asked = Date.now();
    expect((await pilot(["cancel", stalled], { home })).stdout).toContain("cancel requested");
    const row = await until(() => withDb(home, (db) => db.select().from(executions).all().find((r) => r.status === "cancelled")), 15_000, "the cancelled row");
    expect(row.finished_at! - asked).toBeLessThan(5_000);
    expect(row.error).toBe("cancelled by pilot cancel");
    expect(withDb(home, (db) => db.select().from(queue).all().find((i) => i.id === stalled)!.state)).toBe("cancelled");
    daemon.child.kill("SIGTERM");
    expect((await daemon.child).exitCode).toBe(0);
  });

  it("a real daemon never runs a task queued for the simulator, and a sim daemon never a real one", async () => {
    const home = tmpDir("pilot-home-");
    writeConfig(home, FAST);
    const marker = join(home, "fake-claude-ran");
    const add = async (args: string[]) => JSON.parse((await pilot(["enqueue", ...args, "--json"], { home })).stdout).item.id as string;
    const forSim = await add(["--sim", "--prompt", "meant for sim", "--project", project("h")]);
    const forReal = await add(["--backend", "noop", "--prompt", "real work", "--project", project("i")]);
    const realClaude = await add(["--prompt", "real claude", "--project", project("j")]);
    const state = (id: string) => withDb(home, (db) => db.select().from(queue).all().find((i) => i.id === id)!.state);

    // The real daemon, its Claude a script that leaves a mark if started.
    const real = startDaemon(home, [], {
      PILOT_BACKENDS__CLAUDE_CODE__BINARY: join(FIXTURES, "bin", "fake-claude.mjs"),
      FAKE_CLAUDE_TOUCH: marker,
      FAKE_CLAUDE_FILE: join(FIXTURES, "claude", "stream-json-ok.jsonl"),
    });
    await until(() => (state(forReal) === "done" && state(realClaude) === "done" ? true : undefined), 15_000, "the real tasks");
    real.child.kill("SIGTERM");
    expect((await real.child).exitCode).toBe(0);
    expect(state(forSim)).toBe("queued");
    expect(existsSync(marker)).toBe(true); // it did run the real Claude task: the marker works

    // Put the real Claude task back: a sim daemon must leave it alone.
    withDb(home, (db) => db.update(queue).set({ state: "queued" }).where(eq(queue.id, realClaude as QueueItemId)).run());
    const sim = startDaemon(home, ["--sim"]);
    await until(() => (state(forSim) === "done" ? true : undefined), 30_000, "the sim task");
    sim.child.kill("SIGTERM");
    expect((await sim.child).exitCode).toBe(0);
    expect(state(realClaude)).toBe("queued");
    expect(withDb(home, (db) => db.select().from(executions).all().filter((r) => r.sim).map((r) => r.task_ref))).toEqual([expect.stringMatching(/^prompt:/)]);
  });

  it("stops gracefully on SIGHUP (its terminal closed), exit 0", async () => {
    const home = tmpDir("pilot-home-");
    writeConfig(home, FAST);
    const daemon = startDaemon(home);
    await daemon.waitFor((l) => l.msg === "pilot daemon starting");
    daemon.child.kill("SIGHUP");
    expect((await daemon.child).exitCode).toBe(0);
    expect(daemon.lines.some((l) => l.msg === "shutdown requested" && l.signal === "SIGHUP")).toBe(true);
  });
});

