import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { executionFrom, pilot } from "../helpers/pilot.js";
import { FIXTURES, PILOT_BIN } from "../helpers/paths.js";
import { tmpDir } from "../helpers/tmp.js";

/** Backend behaviours the real CLIs cannot be made to show offline, driven through fake processes. */

describe("OpenCode serve whose event stream goes quiet", () => {
  it("takes the final numbers from the session's messages after quiet_timeout_s, and a reparse agrees", async () => {
    const home = tmpDir();
    const r = await pilot(["run", "--backend", "opencode", "--prompt", "say done", "--project", tmpDir(), "--json"], {
      home,
      env: {
        PILOT_BACKENDS__OPENCODE__BINARY: join(FIXTURES, "bin", "fake-opencode.mjs"),
        PILOT_BACKENDS__OPENCODE__QUIET_TIMEOUT_S: "1",
        FAKE_OPENCODE_MESSAGES: join(FIXTURES, "opencode", "serve-anthropic-async", "session-messages.json"),
      },
    });
    expect(r.exitCode).toBe(0);
    const execution = executionFrom(r);
    expect(execution).toMatchObject({ status: "completed", model_name: "claude-sonnet-4-5", telemetry_status: "reported" });
    expect(execution.tokens).toEqual({ input: 1234, output: 89, cache_write_5m: 567, cache_write_1h: 0, cache_read: 8901, reasoning: 0, total: 10791 });
    expect(readFileSync(execution.recording!, "utf8")).toContain('{"pilot_side":"opencode_messages"');
    expect(r.stderr).toContain("event stream went quiet");
    const reparsed = await pilot(["reparse", execution.id], { home });
    expect(reparsed.stdout.split("\n")[0]).toBe(`reparsed ${execution.id}: no change`);
  });
});

describe("a resumed Codex thread", () => {
  it("stores each run's own usage: the thread's cumulative total minus what earlier runs saw", async () => {
    const home = tmpDir();
    const run = (usage: Record<string, number>) =>
      pilot(["run", "--backend", "codex", "--prompt", "continue", "--project", tmpDir(), "--json"], {
        home,
        env: { PILOT_BACKENDS__CODEX__BINARY: join(FIXTURES, "bin", "fake-codex.mjs"), FAKE_CODEX_THREAD: "thread-resumed-1", FAKE_CODEX_USAGE: JSON.stringify(usage) },
      });
    const first = executionFrom(await run({ input_tokens: 10135, cached_input_tokens: 8901, output_tokens: 89, reasoning_output_tokens: 34 }));
    expect(first.tokens).toMatchObject({ input: 1234, cache_read: 8901, output: 89, reasoning: 34, total: 10224 });
    const second = executionFrom(await run({ input_tokens: 20270, cached_input_tokens: 17802, output_tokens: 178, reasoning_output_tokens: 68 }));
    expect(second.tokens).toMatchObject({ input: 1234, cache_read: 8901, output: 89, reasoning: 34, total: 10224 });
    expect(readFileSync(second.recording!, "utf8")).toContain('{"pilot_side":"baseline","thread":"thread-resumed-1"');
    // The reparse of the second run applies the same baseline from its recording.
    const reparsed = await pilot(["reparse", second.id], { home });
    expect(reparsed.stdout.split("\n")[0]).toBe(`reparsed ${second.id}: no change`);
  });
});

/** Live processes whose working directory is `dir` (what a backend started there left running). */
function processesIn(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) === dir && !readFileSync(`/proc/${entry}/stat`, "utf8").includes(") Z ")) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

describe("an OpenCode server that never comes up", () => {
  const env = { PILOT_BACKENDS__OPENCODE__BINARY: join(FIXTURES, "bin", "fake-opencode.mjs"), FAKE_OPENCODE_NEVER_LISTEN: "1" };

  it("the total timeout still counts: timed_out in about --timeout seconds, the server stopped", async () => {
    const home = tmpDir();
    const project = tmpDir();
    const started = Date.now();
    const r = await pilot(["run", "--backend", "opencode", "--prompt", "say done", "--project", project, "--timeout", "2", "--json"], { home, env });
    const seconds = (Date.now() - started) / 1000;
    expect(r.exitCode).toBe(75);
    expect(executionFrom(r)).toMatchObject({ status: "timed_out", error: { code: "timeout" }, telemetry_status: "missing" });
    expect(seconds).toBeLessThan(15); // the server's own start limit is 60 s
    expect(processesIn(project)).toEqual([]);
  });

  it("Ctrl-C while it starts ends the run at once: cancelled, exit 130", async () => {
    const home = tmpDir();
    const project = tmpDir();
    const child = execa(process.execPath, [PILOT_BIN, "run", "--backend", "opencode", "--prompt", "say done", "--project", project, "--json"], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, PILOT_HOME: home, ...env },
      extendEnv: false,
      reject: false,
      stdin: "ignore",
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const signalledAt = Date.now();
    child.kill("SIGINT");
    const r = await child;
    expect(Date.now() - signalledAt).toBeLessThan(8000);
    expect(r.exitCode).toBe(130);
    expect(executionFrom({ exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) })).toMatchObject({ status: "cancelled", error: { code: "cancelled" } });
    expect(processesIn(project)).toEqual([]);
  });
});
