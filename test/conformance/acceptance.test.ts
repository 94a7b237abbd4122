import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { executionObjectSchema } from "../../src/contracts/execution.js";
import { executionFrom, pilot } from "../helpers/pilot.js";
import { ROOT } from "../helpers/paths.js";
import { tmpDir } from "../helpers/tmp.js";

/**
 * The acceptance of the bug pilot exists to end (65% of a comparable executor's runs stored
 * 0 tokens and no model): the same task on every backend, through the real CLIs, and every
 * completed execution has tokens, a model name and the backend's own numbers.
 */
const BIN = (name: string) => join(ROOT, "node_modules", ".bin", name);

describe("the same task on claude-code, opencode and codex", () => {
  it("every completed execution has tokens.total > 0, a model name and telemetry reported", async () => {
    const home = tmpDir("pilot-home-");
    const project = tmpDir("pilot-proj-");
    writeFileSync(join(project, "README.md"), "# demo project\n");
    writeFileSync(join(project, "task.md"), "---\nid: read-readme\n---\nRead the README and say done.\n");
    const env = { PILOT_BACKENDS__CLAUDE_CODE__BINARY: BIN("claude"), PILOT_BACKENDS__OPENCODE__BINARY: BIN("opencode"), PILOT_BACKENDS__CODEX__BINARY: BIN("codex") };
    for (const backend of ["claude-code", "opencode", "codex"]) {
      for (const scenario of ["ok", "tooluse"]) {
        const r = await pilot(["run", join(project, "task.md"), "--backend", backend, "--sim", "--sim-scenario", scenario, "--project", project], { home, env });
        expect([backend, scenario, r.exitCode]).toEqual([backend, scenario, 0]);
      }
    }
    const listed = await pilot(["executions", "--json", "--limit", "100"], { home });
    const executions = executionObjectSchema.array().parse(JSON.parse(listed.stdout));
    expect(executions).toHaveLength(6);
    expect(new Set(executions.map((e) => e.backend))).toEqual(new Set(["claude-code", "opencode", "codex"]));
    for (const e of executions.filter((x) => x.status === "completed")) {
      expect([e.backend, e.tokens.total > 0, (e.model_name ?? "").length > 0, e.telemetry_status, e.cost_usd !== null]).toEqual([e.backend, true, true, "reported", true]);
    }
    expect(executions.every((e) => e.status === "completed")).toBe(true);
  });
});

describe("runs stopped before the backend's final report", () => {
  it("keep the usage of the calls that finished, marked partial, on every backend", async () => {
    const home = tmpDir("pilot-home-");
    const project = tmpDir("pilot-proj-");
    writeFileSync(join(project, "README.md"), "# demo project\n");
    // A git repository, as real projects are: OpenCode then ends an aborted session cleanly
    // (session.error + idle), which must still be `partial`.
    for (const args of [["init", "-q"], ["add", "."], ["-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "init"]]) await execa("git", args, { cwd: project });
    const env = { PILOT_BACKENDS__CLAUDE_CODE__BINARY: BIN("claude"), PILOT_BACKENDS__OPENCODE__BINARY: BIN("opencode"), PILOT_BACKENDS__CODEX__BINARY: BIN("codex"), PILOT_LIMITS__KILL_GRACE_S: "1" };
    // `stall`: the first call asks for a tool, the call after the tool result never finishes.
    const expected: Record<string, number> = {
      // message_start of the stalled call is already counted (its input and output 1)
      "claude-code": 10791 + 55 + 66 + 9999 + 1,
      // the first request, from Codex's rollout file (its turn never completed)
      codex: 10224,
      // the first step's step-finish part
      opencode: 10791,
    };
    for (const backend of Object.keys(expected)) {
      const r = await pilot(["run", "--backend", backend, "--sim", "--sim-scenario", "stall", "--timeout", "8", "--prompt", "read the README", "--project", project, "--json"], { home, env });
      const e = executionFrom(r);
      expect([backend, r.exitCode, e.status, e.telemetry_status, e.tokens.total, (e.model_name ?? "").length > 0]).toEqual([backend, 75, "timed_out", "partial", expected[backend], true]);
    }
  });
});
