import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { PilotError } from "../../src/util/errors.js";
import { tmpDir } from "../helpers/tmp.js";

async function configError(run: () => Promise<unknown>): Promise<PilotError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof PilotError) return error;
    throw error;
  }
  throw new Error("expected a config error");
}

describe("config loading", () => {
  it("gives every key a default when there is no file", async () => {
    const home = tmpDir();
    const { config, paths } = await loadConfig({ env: { PILOT_HOME: home } });
    expect(config.backends["claude-code"]).toEqual({ binary: "claude", model: null, permission_mode: "acceptEdits", max_turns: null, extra_args: [], env: {} });
    expect(config.limits).toEqual({ task_timeout_s: 3600, inactivity_timeout_s: 600, max_line_bytes: 268435456, kill_grace_s: 5 });
    expect(paths.database).toBe(join(home, "data", "pilot.db"));
    expect(Object.isFrozen(config.limits)).toBe(true);
  });

  it("applies precedence: flags > env > project file > user file > defaults", async () => {
    const home = tmpDir();
    const project = tmpDir();
    writeFileSync(join(home, "config.yaml"), "limits:\n  task_timeout_s: 100\n  inactivity_timeout_s: 50\nbackends:\n  claude-code:\n    model: from-user\n    max_turns: 3\n");
    mkdirSync(join(project, ".pilot"));
    writeFileSync(join(project, ".pilot", "config.yaml"), "limits:\n  task_timeout_s: 200\nbackends:\n  claude-code:\n    model: from-project\n");
    const { config, sources } = await loadConfig({
      env: { PILOT_HOME: home, PILOT_BACKENDS__CLAUDE_CODE__MODEL: "from-env", PILOT_LOG_LEVEL: "debug" },
      projectDir: project,
      flags: { limits: { task_timeout_s: 300 } },
    });
    expect(config.limits.task_timeout_s).toBe(300);
    expect(config.limits.inactivity_timeout_s).toBe(50);
    expect(config.backends["claude-code"].model).toBe("from-env");
    expect(config.backends["claude-code"].max_turns).toBe(3);
    expect(config.log.level).toBe("debug");
    expect(sources).toEqual([join(home, "config.yaml"), join(project, ".pilot", "config.yaml"), "env PILOT_BACKENDS__CLAUDE_CODE__MODEL", "env PILOT_LOG_LEVEL", "command-line flags"]);
  });

  it("names the field path, the bad value and the file of every invalid value", async () => {
    const home = tmpDir();
    const file = join(home, "config.yaml");
    writeFileSync(file, "backends:\n  claude-code:\n    max_turns: -1\n    modle: x\n");
    const error = await configError(() => loadConfig({ env: { PILOT_HOME: home } }));
    expect(error.exitCode).toBe(78);
    expect(error.message).toBe(
      `invalid configuration: backends.claude-code.max_turns: Too small: expected number to be >0, got -1 (in ${file}); backends.claude-code.modle: unknown key (in ${file})`,
    );
  });

  it("names the env variable that set a bad value", async () => {
    const error = await configError(() => loadConfig({ env: { PILOT_HOME: tmpDir(), PILOT_LIMITS__TASK_TIMEOUT_S: "soon" } }));
    expect(error.message).toBe('invalid configuration: limits.task_timeout_s: Invalid input: expected number, received string, got "soon" (in env PILOT_LIMITS__TASK_TIMEOUT_S)');
    expect((await configError(() => loadConfig({ env: { PILOT_HOME: tmpDir(), PILOT_LIMITS__NOPE: "1" } }))).message).toBe("env PILOT_LIMITS__NOPE: no config key limits.nope");
  });

  it("fails on broken YAML with the line, on a non-mapping, and on a missing --config file", async () => {
    const home = tmpDir();
    const file = join(home, "config.yaml");
    writeFileSync(file, "limits:\n  task_timeout_s: [1,\n");
    expect((await configError(() => loadConfig({ env: { PILOT_HOME: home } }))).message).toMatch(new RegExp(`^config file ${file} \\(line \\d+, column \\d+\\): invalid YAML: [^\\n]*[^:\\n]$`));
    writeFileSync(file, "dispatch:\n\tconcurrency: 2\n");
    expect((await configError(() => loadConfig({ env: { PILOT_HOME: home } }))).message).toBe(`config file ${file} (line 2, column 1): invalid YAML: Tabs are not allowed as indentation`);
    writeFileSync(file, "- a\n- b\n");
    expect((await configError(() => loadConfig({ env: { PILOT_HOME: home } }))).message).toBe(`config file ${file}: expected a mapping of keys at the top level`);
    expect((await configError(() => loadConfig({ env: { PILOT_HOME: home }, configFile: join(home, "nope.yaml") }))).message).toBe(`config file ${join(home, "nope.yaml")}: file not found`);
  });

  it("reads --config and $PILOT_CONFIG instead of $PILOT_HOME/config.yaml", async () => {
    const home = tmpDir();
    const other = join(home, "other.yaml");
    writeFileSync(other, "default_backend: claude-code\nlimits:\n  kill_grace_s: 1\n");
    expect((await loadConfig({ env: { PILOT_HOME: home }, configFile: other })).config.limits.kill_grace_s).toBe(1);
    expect((await loadConfig({ env: { PILOT_HOME: home, PILOT_CONFIG: other } })).config.limits.kill_grace_s).toBe(1);
  });
});
