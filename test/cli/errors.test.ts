import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pilot } from "../helpers/pilot.js";
import { databaseExists } from "../helpers/store.js";
import { tmpDir } from "../helpers/tmp.js";

describe("pilot fails fast on bad input, before writing anything", () => {
  it("exits 78 on a bad config value, naming the field path and the file", async () => {
    const home = tmpDir();
    writeFileSync(join(home, "config.yaml"), "limits:\n  task_timeout_s: 0\n");
    const r = await pilot(["run", "--prompt", "x", "--sim"], { home });
    expect(r.exitCode).toBe(78);
    expect(r.stderr).toBe(`pilot: invalid configuration: limits.task_timeout_s: Too small: expected number to be >0, got 0 (in ${join(home, "config.yaml")})\n`);
    expect(databaseExists(home)).toBe(false);
  });

  it("exits 78 on a bad env override", async () => {
    const home = tmpDir();
    const r = await pilot(["executions"], { home, env: { PILOT_BACKENDS__CLAUDE_CODE__PERMISSION_MODE: "yolo" } });
    expect(r.exitCode).toBe(78);
    expect(r.stderr).toContain("backends.claude-code.permission_mode: Invalid option");
    expect(r.stderr).toContain("(in env PILOT_BACKENDS__CLAUDE_CODE__PERMISSION_MODE)");
    expect(databaseExists(home)).toBe(false);
  });

  it("exits 2 on bad command-line usage", async () => {
    const home = tmpDir();
    for (const args of [["run", "--prompt", "x", "--timeout", "soon"], ["run", "--bogus"], ["nosuchcommand"], ["run", "--prompt", "x", "--backend", "nope"], ["run", "--prompt", "x", "--sim", "--sim-scenario", "explode"], ["run", "--prompt", "x", "--sim-scenario", "tooluse"], ["run"]]) {
      const r = await pilot(args, { home });
      expect([args.join(" "), r.exitCode]).toEqual([args.join(" "), 2]);
      expect(r.stderr.length).toBeGreaterThan(0);
    }
    expect(databaseExists(home)).toBe(false);
  });

  it("exits 1 with a one-line error and no row for an unknown task ref or a missing task file", async () => {
    const home = tmpDir();
    const unknown = await pilot(["run", "JIRA-12"], { home });
    expect([unknown.exitCode, unknown.stderr]).toEqual([1, 'pilot: unknown task ref "JIRA-12": expected GH-<number>, owner/name#<number>, a GitHub issue URL, a task file path, or --prompt TEXT\n']);
    const missing = await pilot(["run", "./tasks/nope.md"], { home });
    expect([missing.exitCode, missing.stderr]).toEqual([1, `pilot: task file ./tasks/nope.md: not found (${home}/tasks/nope.md)\n`]);
    expect(databaseExists(home)).toBe(false);
  });

  it("exits 1 for an unknown execution id", async () => {
    const r = await pilot(["show", "ex_nothing_here"], { home: tmpDir() });
    expect([r.exitCode, r.stderr]).toEqual([1, "pilot: no execution ex_nothing_here\n"]);
  });

  it("prints help and version with exit 0, and an empty list as JSON", async () => {
    const home = tmpDir();
    expect((await pilot(["--help"], { home })).stdout).toContain("Usage: pilot");
    expect((await pilot(["--version"], { home })).stdout.trim()).toBe("0.1.0");
    const list = await pilot(["executions", "--json"], { home });
    expect([list.exitCode, JSON.parse(list.stdout)]).toEqual([0, []]);
    const config = await pilot(["config", "--json"], { home });
    expect(JSON.parse(config.stdout).config.backends["claude-code"].permission_mode).toBe("acceptEdits");
    writeFileSync(join(home, "config.yaml"), "backends:\n  claude-code:\n    max_turns: 7\n");
    const yaml = await pilot(["config"], { home });
    expect(yaml.stdout).toContain("    max_turns: 7\n");
    expect(yaml.stdout).toContain(`# sources (lowest precedence first): ${join(home, "config.yaml")}`);
  });
});
