import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { executionFrom, pilot } from "../helpers/pilot.js";
import { ROOT } from "../helpers/paths.js";
import { tmpDir } from "../helpers/tmp.js";

/** The real OpenCode CLI (pinned devDependency) through `pilot run --sim`, serve and run modes. */

const OPENCODE_BIN = join(ROOT, "node_modules", ".bin", "opencode");
const VERSION = JSON.parse(readFileSync(join(ROOT, "node_modules", "opencode-ai", "package.json"), "utf8")).version as string;

async function runSim(scenario: string, env: Record<string, string> = {}) {
  const home = tmpDir("pilot-home-");
  const project = tmpDir("pilot-proj-");
  writeFileSync(join(project, "README.md"), "# demo project\n");
  const result = await pilot(["run", "--backend", "opencode", "--sim", "--sim-scenario", scenario, "--prompt", "say done", "--project", project, "--json"], {
    home,
    env: { PILOT_BACKENDS__OPENCODE__BINARY: OPENCODE_BIN, ...env },
  });
  return { result, execution: executionFrom(result) };
}

/** The model calls the simulator answered during a run, from the run's recording. */
function simCalls(recording: string): { model: string; status: number }[] {
  const line = readFileSync(recording, "utf8").split("\n").find((l) => l.startsWith('{"pilot_side":"sim_requests"'));
  return (JSON.parse(line!).requests as { model: string | null; status: number; method: string }[]).filter((r) => r.model !== null).map(({ model, status }) => ({ model: model!, status }));
}

describe(`OpenCode ${VERSION} through pilot run --sim`, () => {
  it("uses the pinned CLI version", () => {
    expect(VERSION).toBe("1.18.33");
  });

  it("serve, anthropic provider: 1234 / cache write 567 / cache read 8901 / output 89, the configured model; the title call is OpenCode's unreported gap", async () => {
    const { result, execution } = await runSim("ok");
    expect(result.exitCode).toBe(0);
    expect(execution).toMatchObject({
      status: "completed",
      backend: "opencode",
      mode: "serve",
      model_name: "claude-sonnet-4-5",
      model_source: "served",
      tokens: { input: 1234, output: 89, cache_write_5m: 567, cache_write_1h: 0, cache_read: 8901, reasoning: 0, total: 10791 },
      cost_usd: 0.00983355,
      cost_reported_usd: 0.00983355,
      telemetry_status: "reported",
      cli_version: VERSION,
    });
    // OpenCode also asked its small model for a title (321 / 21 tokens): it never reports that call.
    const calls = simCalls(execution.recording!);
    expect(calls.map((c) => c.model).sort()).toEqual(["claude-haiku-4-5-20251001", "claude-sonnet-4-5"]);
    expect(execution.per_model.map((m) => m.model)).toEqual(["claude-sonnet-4-5"]);
  });

  it("serve, openai provider: fresh 1234, cache read 8901, output 89 (55 + 34 reasoning)", async () => {
    const { execution } = await runSim("ok", { PILOT_BACKENDS__OPENCODE__PROVIDER: "openai", PILOT_BACKENDS__OPENCODE__MODEL: "gpt-5" });
    expect(execution).toMatchObject({ status: "completed", model_name: "gpt-5", telemetry_status: "reported" });
    expect(execution.tokens).toEqual({ input: 1234, output: 89, cache_write_5m: 0, cache_write_1h: 0, cache_read: 8901, reasoning: 34, total: 10224 });
    expect(execution.cost_usd).toBe(0.003545125);
  });

  it("serve, tool call then text: both steps summed", async () => {
    const { execution } = await runSim("tooluse");
    expect(execution.status).toBe("completed");
    expect(execution.tokens).toEqual({ input: 1289, output: 96, cache_write_5m: 633, cache_write_1h: 0, cache_read: 18900, reasoning: 0, total: 20918 });
    expect(execution.num_turns).toBe(2);
  });

  it("serve, 401: failed at once as auth, error kept, model recorded", async () => {
    const started = Date.now();
    const { result, execution } = await runSim("http401");
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(result.exitCode).toBe(1);
    expect(execution.error).toEqual({ code: "auth", message: "invalid x-api-key (simulator)" });
    expect([execution.model_name, execution.model_source, execution.tokens.total, execution.telemetry_status]).toEqual(["claude-sonnet-4-5", "config", 0, "reported"]);
  });

  it("serve, always-500: OpenCode's own retries follow the simulator's retry-after-ms, then the run fails as api_error", async () => {
    const started = Date.now();
    const { result, execution } = await runSim("http500");
    expect(Date.now() - started).toBeLessThan(20_000); // its default backoff would take over a minute
    expect([result.exitCode, execution.status, execution.error?.code, execution.tokens.total]).toEqual([1, "failed", "api_error", 0]);
    const mainCalls = simCalls(execution.recording!).filter((c) => c.model === "claude-sonnet-4-5");
    expect(mainCalls.length).toBeGreaterThan(1);
    expect(mainCalls.every((c) => c.status === 500)).toBe(true);
  });

  it("run mode: the same numbers, the model from config", async () => {
    const { execution } = await runSim("ok", { PILOT_BACKENDS__OPENCODE__MODE: "run" });
    expect(execution).toMatchObject({ status: "completed", mode: "run", model_name: "claude-sonnet-4-5", model_source: "config", telemetry_status: "reported" });
    expect(execution.tokens.total).toBe(10791);
  });
});
