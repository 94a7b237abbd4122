import { readdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { executionFrom, pilot } from "../helpers/pilot.js";
import { CLAUDE_BIN, PILOT_BIN } from "../helpers/paths.js";
import { databaseExists } from "../helpers/store.js";
import { until, withDb } from "../helpers/daemon.js";
import { executions, type ExecutionId } from "../../src/store/schema.js";
import { tmpDir } from "../helpers/tmp.js";

/** Regressions for what a first user found by trying to break pilot. */

const SIM_ENV = { PILOT_BACKENDS__CLAUDE_CODE__BINARY: CLAUDE_BIN };

describe("pilot on a terminal", () => {
  it("draws the live line and pretty logs without crashing (stderr and stdout are a TTY)", async () => {
    const home = tmpDir();
    const command = `node ${PILOT_BIN} run --sim --prompt "say done" --project ${tmpDir()}`;
    const r = await execa("script", ["-qec", command, "/dev/null"], { env: { ...process.env, PILOT_HOME: home, ...SIM_ENV, COLUMNS: "200" }, reject: false, stdin: "ignore" });
    expect(r.exitCode).toBe(0);
    expect(String(r.stdout)).toContain("✔ completed");
    expect(String(r.stdout)).toContain("10,791 total");
    expect(String(r.stdout)).not.toContain("internal error");
  });
});

describe("prompts are prompts", () => {
  it("a prompt that looks like an option reaches the model as text (--model=… does not switch models)", async () => {
    const home = tmpDir();
    const r = await pilot(["run", "--sim", "--prompt=--model=claude-haiku-4-5 say done", "--project", tmpDir(), "--json"], { home, env: SIM_ENV });
    expect(r.exitCode).toBe(0);
    expect(executionFrom(r).model_name).toBe("claude-opus-4-8");
  });

  it("a task file whose body starts with a markdown list runs", async () => {
    const home = tmpDir();
    const project = tmpDir();
    writeFileSync(join(project, "task.md"), "- Fix the login form\n- Add a test\n");
    const r = await pilot(["run", join(project, "task.md"), "--sim", "--project", project, "--json"], { home, env: SIM_ENV });
    expect([r.exitCode, executionFrom(r).status]).toEqual([0, "completed"]);
  });

  it("--prompt - reads the prompt from stdin", async () => {
    const home = tmpDir();
    const r = await execa(process.execPath, [PILOT_BIN, "run", "--sim", "--prompt", "-", "--project", tmpDir(), "--json"], { input: "say done\nfrom stdin", env: { PATH: process.env.PATH, PILOT_HOME: home, ...SIM_ENV }, extendEnv: false, reject: false });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(String(r.stdout)).task_title).toBe("say done");
  });

  it("terminal control characters from outside are not printed raw", async () => {
    const home = tmpDir();
    const r = await pilot(["run", "--sim", "--prompt", "\u001b]0;pwned\u0007\u001b[2Jtitle", "--project", tmpDir()], { home, env: SIM_ENV });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).not.toContain("\u001b");
    expect(r.stdout).toContain("?]0;pwned??[2Jtitle");
  });
});

describe("limits and values that cannot work are refused", () => {
  it("timeouts beyond what a timer can hold", async () => {
    const home = tmpDir();
    expect((await pilot(["run", "--sim", "--prompt", "x", "--timeout", "99999999999"], { home })).exitCode).toBe(2);
    for (const bad of ["1e3", "0x10", " 5", "-1", "0"]) expect((await pilot(["run", "--sim", "--prompt", "x", "--timeout", bad], { home })).exitCode).toBe(2);
    const env = await pilot(["run", "--sim", "--prompt", "x"], { home, env: { PILOT_LIMITS__TASK_TIMEOUT_S: "3000000" } });
    expect(env.exitCode).toBe(78);
    expect(env.stderr).toContain("limits.task_timeout_s: Too big");
    expect(databaseExists(home)).toBe(false);
  });

  it("empty --model, x0 scenarios, issue number 0 and issue URLs of other forges", async () => {
    const home = tmpDir();
    expect((await pilot(["run", "--sim", "--prompt", "x", "--model", ""], { home })).exitCode).toBe(2);
    expect((await pilot(["run", "--sim", "--prompt", "x", "--sim-scenario", "http500x0"], { home })).exitCode).toBe(2);
    // Even the default scenario: without --sim the run would be real, and paid.
    for (const command of ["run", "enqueue"]) {
      expect(await pilot([command, "--prompt", "x", "--sim-scenario", "ok"], { home })).toMatchObject({ exitCode: 2, stderr: "pilot: --sim-scenario needs --sim\n" });
    }
    expect((await pilot(["run", "GH-0"], { home })).exitCode).toBe(1);
    expect((await pilot(["run", "https://gitlab.com/acme/widgets/-/issues/1"], { home })).stderr).toContain("unknown task ref");
    expect(databaseExists(home)).toBe(false);
  });

  it("budgets of 0 and a concurrency past the cap are usage errors", async () => {
    const home = tmpDir();
    for (const bad of ["0", "0.0", "-1", "abc"]) expect((await pilot(["run", "--sim", "--prompt", "x", "--max-usd", bad], { home })).exitCode).toBe(2);
    for (const bad of ["0", "65"]) expect((await pilot(["start", "--concurrency", bad], { home })).exitCode).toBe(2);
    const config = await pilot(["run", "--sim", "--prompt", "x"], { home, env: { PILOT_BUDGETS__PER_TASK_USD: "0" } });
    expect([config.exitCode, config.stderr]).toEqual([78, expect.stringContaining("budgets.per_task_usd: Too small")]);
    expect(databaseExists(home)).toBe(false);
  });

  it("execution ids too short to mean anything", async () => {
    const home = tmpDir();
    await pilot(["executions"], { home });
    expect(await pilot(["show", "ex_"], { home })).toMatchObject({ exitCode: 2, stderr: 'pilot: execution id "ex_" is too short: give the id or at least its first 6 characters\n' });
    expect((await pilot(["show", ""], { home })).exitCode).toBe(2);
  });
});

describe("PILOT_HOME that cannot be written", () => {
  it("fails with one line, not a stack trace or a hang", async () => {
    for (const home of ["/proc/pilot-nope", "/sys/pilot-nope"]) {
      const r = await pilot(["executions"], { home, cwd: tmpDir(), timeoutMs: 20_000 });
      expect(r.exitCode).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/^pilot: cannot create data directory .*pilot-nope\/data/);
    }
    const file = join(tmpDir(), "home-is-a-file");
    writeFileSync(file, "");
    expect((await pilot(["executions"], { home: file, cwd: tmpDir() })).stderr).toBe(`pilot: cannot use data directory ${file}/data: ${file} is not a directory\n`);
  });

  it("a run whose simulator home cannot be made still ends with a final status", async () => {
    const home = tmpDir();
    writeFileSync(join(home, "sim"), "not a directory");
    const r = await pilot(["run", "--sim", "--prompt", "x", "--project", tmpDir(), "--json"], { home, env: SIM_ENV });
    expect(r.exitCode).toBe(1);
    const execution = executionFrom(r);
    expect(execution).toMatchObject({ status: "failed", error: { code: "internal" } });
    expect(execution.error!.message).toContain("simulator home");
  });
});

describe("environment overrides", () => {
  it("set top-level keys, keep map keys as written, and leave unrelated PILOT_ variables alone", async () => {
    const home = tmpDir();
    const r = await pilot(["config", "--json"], { home, env: { PILOT_DEFAULT_BACKEND: "claude-code", PILOT_BACKENDS__CLAUDE_CODE__ENV__IS_SANDBOX: "1", PILOT_SOMETHING_ELSE: "x", PILOT_BACKENDS__CLAUDE_CODE__MODEL: "123" } });
    expect(r.exitCode).toBe(0);
    const { config, sources } = JSON.parse(r.stdout);
    expect(config.backends["claude-code"].env).toEqual({ IS_SANDBOX: "1" });
    expect(config.backends["claude-code"].model).toBe("123");
    expect(sources).toContain("env PILOT_DEFAULT_BACKEND");
    expect((await pilot(["config"], { home, env: { PILOT_DEFAULT_BACKEND: "nope" } })).exitCode).toBe(78);
  });

  it("pilot config masks secrets", async () => {
    const home = tmpDir();
    writeFileSync(join(home, "config.yaml"), "backends:\n  claude-code:\n    env:\n      ANTHROPIC_API_KEY: sk-ant-api03-SECRETSECRETSECRET\n      HTTPS_PROXY: http://proxy:3128\n");
    const r = await pilot(["config"], { home });
    expect(r.stdout).not.toContain("SECRETSECRET");
    expect(r.stdout).toContain('ANTHROPIC_API_KEY: "[redacted]"');
    expect(r.stdout).toContain("HTTPS_PROXY: http://proxy:3128");
  });
});

describe("task files", () => {
  it("report unknown front matter keys and unclosed front matter; accept an empty block; a bad backend is a bad task", async () => {
    const home = tmpDir();
    const project = tmpDir();
    const write = (name: string, text: string) => {
      writeFileSync(join(project, name), text);
      return join(project, name);
    };
    const unknown = await pilot(["run", write("a.md", "---\nid: x\nlabels: [a]\n---\nbody\n"), "--sim"], { home });
    expect([unknown.exitCode, unknown.stderr]).toEqual([1, `pilot: task file ${join(project, "a.md")}: front matter labels: unknown key (known: id, title, backend, model, max_usd, max_tokens)\n`]);
    const unclosed = await pilot(["run", write("b.md", "---\nid: x\nbody\n"), "--sim"], { home });
    expect([unclosed.exitCode, unclosed.stderr]).toEqual([1, `pilot: task file ${join(project, "b.md")}: front matter opened with --- is never closed with a --- line\n`]);
    const badBackend = await pilot(["run", write("c.md", "---\nbackend: cursor\n---\nbody\n"), "--sim"], { home });
    expect(badBackend.exitCode).toBe(1);
    expect(badBackend.stderr).toContain('unknown backend "cursor"');
    expect(databaseExists(home)).toBe(false);
    const empty = await pilot(["run", write("d.md", "---\n---\nsay done\n"), "--sim", "--project", project, "--json"], { home, env: SIM_ENV });
    expect([empty.exitCode, executionFrom(empty).task_ref]).toEqual([0, "d.md"]);
  });
});

describe("pilot sim", () => {
  it("refuses a port in use with one line and exit 2", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const r = await pilot(["sim", "--port", String(port)], { home: tmpDir() });
    server.close();
    expect([r.exitCode, r.stderr]).toEqual([2, `pilot: --port ${port}: already in use on 127.0.0.1\n`]);
  });
});

describe("a run that never started", () => {
  it("still has its recording on the row and shows no cost rather than $0", async () => {
    const home = tmpDir();
    const r = await pilot(["run", "--prompt", "x", "--json"], { home, env: { PILOT_BACKENDS__CLAUDE_CODE__BINARY: "/nonexistent/claude" } });
    const execution = executionFrom(r);
    expect(execution.recording).toBe(join(home, "recordings", `${execution.id}.rec`));
    expect([execution.cost_usd, execution.cost_source]).toEqual([null, null]);
    const shown = await pilot(["show", execution.id], { home });
    expect(shown.stdout).toContain("  cost       -\n");
    expect(readdirSync(join(home, "recordings"))).toEqual([`${execution.id}.rec`]);
  });
});

describe("output into a pipe", () => {
  it("reaches a slow reader whole (no cut at the pipe buffer), and a reader that leaves early is no error", async () => {
    const home = tmpDir("pilot-home-");
    await pilot(["executions"], { home }); // creates the database
    withDb(home, (db) => {
      for (let i = 0; i < 400; i++) {
        db.insert(executions)
          .values({ id: `ex_pipe${String(i).padStart(6, "0")}` as ExecutionId, task_ref: `t-${i}`, task_source: "prompt", project: "/p", backend: "claude-code", mode: "stream-json", status: "completed", created_at: i, updated_at: i })
          .run();
      }
    });
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, PILOT_HOME: home };
    const command = `"${process.execPath}" "${PILOT_BIN}" executions --limit 400 --json`;
    const slow = await execa("sh", ["-c", `${command} | (sleep 1; cat)`], { env, extendEnv: false, reject: false });
    expect(slow.stdout.length).toBeGreaterThan(128 * 1024);
    expect((JSON.parse(slow.stdout) as unknown[]).length).toBe(400);
    const early = await execa("sh", ["-c", `${command} | head -c 10`], { env, extendEnv: false, reject: false });
    expect([early.exitCode, early.stderr]).toEqual([0, ""]);
    const full = await execa("sh", ["-c", `${command} > /dev/full`], { env, extendEnv: false, reject: false });
    expect([full.exitCode, full.stderr]).toEqual([1, expect.stringMatching(/^pilot: cannot write the output: ENOSPC/)]);
  });

  it("a log.file that cannot be written is a configuration error", async () => {
    const home = tmpDir();
    const r = await pilot(["run", "--sim", "--prompt", "x"], { home, env: { PILOT_LOG__FILE: home } });
    expect([r.exitCode, r.stderr]).toEqual([78, expect.stringContaining(`pilot: log.file ${home}: cannot write to it (EISDIR`)]);
  });
});

describe("project directories", () => {
  it("a symlink and its target are one project; an empty --project is refused", async () => {
    const home = tmpDir("pilot-home-");
    const project = tmpDir("pilot-proj-");
    const link = join(tmpDir(), "link");
    symlinkSync(project, link);
    const first = await pilot(["enqueue", "--prompt", "same task", "--project", project, "--json"], { home });
    const again = await pilot(["enqueue", "--prompt", "same task", "--project", link], { home });
    expect([first.exitCode, JSON.parse(first.stdout).item.project]).toEqual([0, realpathSync(project)]);
    expect([again.exitCode, again.stdout]).toEqual([0, expect.stringContaining("already queued")]);
    const empty = await pilot(["enqueue", "--prompt", "x", "--project", ""], { home });
    expect([empty.exitCode, empty.stderr]).toEqual([2, "pilot: --project: expected a directory, got an empty value\n"]);
  });
});

describe("a closed terminal (SIGHUP)", () => {
  it("stops a run as SIGTERM does, its row saved", async () => {
    const home = tmpDir();
    const project = tmpDir();
    writeFileSync(join(project, "README.md"), "# x\n");
    const run = execa(process.execPath, [PILOT_BIN, "run", "--sim", "--sim-scenario", "stall", "--prompt", "x", "--project", project, "--json"], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, PILOT_HOME: home, ...SIM_ENV },
      extendEnv: false,
      reject: false,
      stdin: "ignore",
    });
    await until(() => withDb(home, (db) => db.select().from(executions).all().find((r) => r.status === "running" && r.tokens_total > 0)), 30_000, "the stalled run");
    run.kill("SIGHUP");
    const r = await run;
    const e = executionFrom({ exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) });
    expect([r.exitCode, e.status, e.telemetry_status]).toEqual([143, "cancelled", "partial"]);
  }, 60_000);
});
