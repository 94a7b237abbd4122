import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.js";
import { enqueueTask } from "../../src/dispatch/enqueue.js";
import { takeInIssues } from "../../src/dispatch/intake.js";
import { executionRowFor } from "../../src/dispatch/worker.js";
import { closeDb, openDb, type Db } from "../../src/store/db.js";
import { claimNext, renewLeases, settleClaim } from "../../src/store/queue.js";
import { executions, queue, type ExecutionId } from "../../src/store/schema.js";
import { silentLogger } from "../../src/util/logger.js";
import { executionFrom, pilot } from "../helpers/pilot.js";
import { BINARIES, until, withDb } from "../helpers/daemon.js";
import { PILOT_BIN } from "../helpers/paths.js";
import { tmpDir } from "../helpers/tmp.js";

const config = configSchema.parse({});
let db: Db | null = null;
afterEach(() => {
  if (db) closeDb(db);
  db = null;
});

const task = (ref: string) => ({ ref, source: "prompt" as const, title: ref, prompt: ref });
const add = (d: Db, ref: string, project: string, priority = 0, now = 1000) =>
  enqueueTask(d, { task: task(ref), project, backend: "noop", model: null, priority, maxAttempts: 3, budget: { usd: null, tokens: null }, timeoutS: null, sim: false, simScenario: null, now });
let n = 0;
const claim = (d: Db, owner: string, now: number) => {
  const id = `ex_test${++n}` as ExecutionId;
  return claimNext(d, { owner, sim: false, leaseMs: 60_000, clock: () => now, executionId: id, execution: (item, attempt, at) => executionRowFor(item, attempt, id, config, at) });
};

describe("the queue", () => {
  it("queues a task once while it is queued or running, and again once it is done", async () => {
    db = openDb(join(tmpDir(), "pilot.db"));
    const first = await add(db, "t1", "/p");
    const again = await add(db, "t1", "/p");
    expect([first.created, again.created, again.item.id]).toEqual([true, false, first.item.id]);
    expect((await add(db, "t1", "/other")).created).toBe(true);
    await claim(db, "w1", 2000);
    expect((await add(db, "t1", "/p")).created).toBe(false);
    db.update(queue).set({ state: "done" }).run();
    expect((await add(db, "t1", "/p")).created).toBe(true);
  });

  it("claims by priority then age, only due items, never a second one in a busy project", async () => {
    db = openDb(join(tmpDir(), "pilot.db"));
    await add(db, "old", "/a", 0, 1000);
    await add(db, "urgent", "/a", 9, 2000);
    await add(db, "b", "/b", 0, 3000);
    db.update(queue).set({ available_at: 10_000 }).where(eq(queue.task_ref, "b")).run();
    const c1 = await claim(db, "w1", 5000);
    expect(c1?.item.task_ref).toBe("urgent");
    // /a is busy and /b not due yet.
    expect(await claim(db, "w2", 5000)).toBeNull();
    expect((await claim(db, "w2", 10_000))?.item.task_ref).toBe("b");
    expect([c1!.attempt, c1!.item.attempts, c1!.item.lease_owner]).toEqual([1, 1, "w1"]);
  });

  it("a real daemon never claims an item queued for the simulator, nor a sim daemon a real one", async () => {
    db = openDb(join(tmpDir(), "pilot.db"));
    await enqueueTask(db, { task: task("for-sim"), project: "/s", backend: "noop", model: null, priority: 9, maxAttempts: 3, budget: { usd: null, tokens: null }, timeoutS: null, sim: true, simScenario: null, now: 1000 });
    await add(db, "for-real", "/r");
    const claimAs = (sim: boolean) => {
      const id = `ex_simfilter${++n}` as ExecutionId;
      return claimNext(db!, { owner: "w", sim, leaseMs: 60_000, clock: () => 2000, executionId: id, execution: (item, attempt, at) => executionRowFor(item, attempt, id, config, at) });
    };
    expect((await claimAs(false))?.item.task_ref).toBe("for-real");
    expect(await claimAs(false)).toBeNull();
    const sim = await claimAs(true);
    expect([sim?.item.task_ref, sim?.item.sim, (sim?.item.payload as { sim_scenario: string }).sim_scenario]).toEqual(["for-sim", true, "ok"]);
  });

  it("a cancel asked for during a run wins over requeueing it at shutdown or for a retry", async () => {
    db = openDb(join(tmpDir(), "pilot.db"));
    await add(db, "c", "/c");
    const c = await claim(db, "w1", 1000);
    db.update(queue).set({ cancel_requested_at: 1500 }).run();
    const settled = db.transaction((tx) => settleClaim(tx, c!.item.id, "w1", { state: "queued", availableAt: 2000, uncount: true }, { code: "cancelled", message: "stopped" }, 2000));
    expect([settled, db.select().from(queue).get()!.state]).toEqual([true, "cancelled"]);
  });

  it("renews only the leases its owner holds", async () => {
    db = openDb(join(tmpDir(), "pilot.db"));
    await add(db, "x", "/x");
    const c = await claim(db, "w1", 1000);
    expect(await renewLeases(db, "w1", [c!.item.id], 60_000, 2000)).toEqual([]);
    expect(await renewLeases(db, "w2", [c!.item.id], 60_000, 2000)).toEqual([c!.item.id]);
    expect(db.select().from(queue).get()!.lease_expires_at).toBe(62_000);
  });
});

describe("GitHub intake", () => {
  it("enqueues each open labelled issue once, skipping pull requests", async () => {
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(req.url ?? "");
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify([
          { number: 7, title: "Fix login", body: "plus signs", html_url: "https://github.com/acme/shop/issues/7" },
          { number: 8, title: "A PR", body: "", pull_request: { url: "x" } },
          { number: 9, title: "Add a test", body: null },
        ]),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      db = openDb(join(tmpDir(), "pilot.db"));
      const cfg = configSchema.parse({ github: { repo: "acme/shop", api_url: api, label: "agent", intake: true } });
      const ctx = { db, config: cfg, logger: silentLogger(), env: {}, project: "/work/shop", sim: false, now: () => 1000 };
      const taken = await takeInIssues(ctx);
      expect(taken).toHaveLength(2);
      expect(requests[0]).toBe("/repos/acme/shop/issues?state=open&labels=agent&per_page=100");
      expect(db.select().from(queue).all().map((i) => [i.task_ref, i.task_title, i.project]).sort()).toEqual([
        ["GH-7", "Fix login", "/work/shop"],
        ["GH-9", "Add a test", "/work/shop"],
      ]);
      db.update(queue).set({ state: "done" }).run();
      expect(await takeInIssues(ctx)).toEqual([]);
    } finally {
      server.close();
    }
  });
});

describe("pilot logs", () => {
  it("renders a recording as readable lines, and follows a running execution until it ends", async () => {
    const home = tmpDir();
    const project = tmpDir();
    writeFileSync(join(project, "README.md"), "# x\n");
    const done = executionFrom(await pilot(["run", "--sim", "--sim-scenario", "tooluse", "--prompt", "x", "--project", project, "--json"], { home, env: BINARIES }));
    const logs = await pilot(["logs", done.id], { home });
    expect(logs.exitCode).toBe(0);
    const lines = logs.stdout.split("\n");
    expect(lines[0]).toBe(`# ${done.id} ${done.task_ref} on claude-code (completed)`);
    expect(lines).toContain("model   claude-opus-4-8");
    expect(lines).toContain("tool    Read");
    expect(lines).toContain("usage   call msg_sim_" + lines.find((l) => l.startsWith("usage   call msg_sim_"))!.slice("usage   call msg_sim_".length));
    expect(lines.filter((l) => l.startsWith("usage   final claude-opus-4-8[1m]: input 1,289, output 96"))).toHaveLength(1);
    expect(lines).toContain("result  ok (success): done");
    expect(lines).toContain("exit    code 0");

    const running = execa(process.execPath, [PILOT_BIN, "run", "--sim", "--sim-scenario", "stall", "--prompt", "y", "--project", project], { env: { PATH: process.env.PATH!, HOME: home, PILOT_HOME: home, ...BINARIES }, extendEnv: false, reject: false });
    const row = await until(() => withDb(home, (d) => d.$client.prepare("SELECT id FROM executions WHERE status = 'running'").get() as { id: string } | undefined), 20_000, "a running execution");
    const follow = execa(process.execPath, [PILOT_BIN, "logs", row.id, "--follow"], { env: { PATH: process.env.PATH!, HOME: home, PILOT_HOME: home }, extendEnv: false, reject: false });
    await new Promise((r) => setTimeout(r, 2500));
    await pilot(["cancel", row.id], { home });
    const [followed] = await Promise.all([follow, running]);
    expect(followed.exitCode).toBe(0);
    expect(String(followed.stdout)).toContain("tool    Read");
    expect(String(followed.stdout)).toMatch(/exit {4}(signal SIGTERM|code \d+) \(stopped by pilot: cancel\)/);
    // The stalled call's usage, known from its start, is shown like the row counts it.
    expect(String(followed.stdout)).toMatch(/\nusage {3}call msg_\S+ \(unfinished\): input 55, output 1, cache read 9,999, cache write 66\n/);
  });

  it("stops following a run whose pilot is gone, and takes a queue item for its latest execution", async () => {
    const home = tmpDir();
    const project = tmpDir();
    writeFileSync(join(project, "README.md"), "# x\n");
    const done = executionFrom(await pilot(["run", "--sim", "--prompt", "x", "--project", project, "--json"], { home, env: BINARIES }));
    // As a pilot killed with -9 leaves it: running, owned by a process that no longer exists.
    withDb(home, (d) => d.update(executions).set({ status: "running", runner: `${hostname()}:2147483646` }).where(eq(executions.id, done.id as ExecutionId)).run());
    const started = Date.now();
    const follow = await pilot(["logs", done.id, "-f"], { home, timeoutMs: 20_000 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect([follow.exitCode, follow.stdout]).toEqual([0, expect.stringContaining(`# the pilot running it (${hostname()}:2147483646) is gone; pilot start recovers the run`)]);

    const item = JSON.parse((await pilot(["enqueue", "--prompt", "later", "--project", project, "--json"], { home })).stdout).item.id as string;
    expect(await pilot(["logs", item], { home })).toMatchObject({ exitCode: 1, stderr: `pilot: queue item ${item} has not run yet\n` });
    withDb(home, (d) => d.update(queue).set({ last_execution_id: done.id as ExecutionId }).run());
    expect((await pilot(["logs", item], { home })).stdout.split("\n")[0]).toBe(`# ${done.id} ${done.task_ref} on claude-code (running)`);
  });
});

describe("pilot cancel", () => {
  it("says what is wrong with an id it cannot cancel, and does not cancel twice", async () => {
    const home = tmpDir();
    const item = JSON.parse((await pilot(["enqueue", "--prompt", "never", "--project", tmpDir(), "--json"], { home })).stdout).item.id as string;
    expect((await pilot(["cancel", item], { home })).exitCode).toBe(0);
    expect(await pilot(["cancel", item], { home })).toMatchObject({ exitCode: 2, stderr: `pilot: ${item} is already cancelled: nothing to cancel\n` });
    expect(await pilot(["cancel", "q_nonexistent"], { home })).toMatchObject({ exitCode: 1, stderr: "pilot: no queue item q_nonexistent\n" });
    expect(await pilot(["cancel", "foo"], { home })).toMatchObject({ exitCode: 2, stderr: 'pilot: expected a queue item id (q_…) or an execution id (ex_…), got "foo"\n' });
  });
});

describe("pilot queue", () => {
  it("lists live items in the order the daemon claims them, finished ones newest first with --all", async () => {
    const home = tmpDir();
    const add = async (prompt: string, priority: string) => JSON.parse((await pilot(["enqueue", "--prompt", prompt, "--project", tmpDir(), "--priority", priority, "--json"], { home })).stdout).item.id as string;
    const low = await add("low", "0");
    const high = await add("high", "5");
    const low2 = await add("low again", "0");
    const gone = await add("gone", "9");
    await pilot(["cancel", gone], { home });
    withDb(home, (d) => d.update(queue).set({ available_at: Date.now() + 3_600_000, last_error_code: "rate_limited" }).where(eq(queue.id, low2 as never)).run());

    const live = await pilot(["queue"], { home });
    const rows = live.stdout.trim().split("\n");
    expect(rows[0]).toMatch(/^ID +STATE +PRI +ATTEMPTS +BACKEND +NEXT TRY \(UTC\) +LAST ERROR +TASK +PROJECT$/);
    expect(rows.slice(1).map((r) => r.split(/ +/)[0])).toEqual([high, low, low2]);
    expect(rows[2]).toMatch(/ queued +0 +0\/3 +claude-code +now +prompt:/);
    expect(rows[3]).toMatch(/ queued +0 +0\/3 +claude-code +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +rate_limited +prompt:/);
    expect((await pilot(["queue", "--limit", "2"], { home })).stdout.trim().split("\n").at(-1)).toBe("… 1 more (pilot queue --limit 3)");
    const json = JSON.parse((await pilot(["queue", "--json"], { home })).stdout) as { id: string; runs: number; attempts: number }[];
    expect(json.map((i) => [i.id, i.attempts, i.runs])).toEqual([[high, 0, 0], [low, 0, 0], [low2, 0, 0]]);
    const all = JSON.parse((await pilot(["queue", "--all", "--json"], { home })).stdout) as { id: string; state: string }[];
    expect(all.map((i) => [i.id, i.state])).toEqual([[gone, "cancelled"], [low2, "queued"], [high, "queued"], [low, "queued"]]);
  });
});
