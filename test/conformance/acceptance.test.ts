import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { executionObjectSchema } from "../../src/contracts/execution.js";
import { pilot } from "../helpers/pilot.js";
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
