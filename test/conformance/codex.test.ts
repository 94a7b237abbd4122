import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { calcPrice } from "@pydantic/genai-prices";
import { describe, expect, it } from "vitest";
import { roundUsd } from "../../src/telemetry/pricing.js";
import { executionFrom, pilot } from "../helpers/pilot.js";
import { ROOT } from "../helpers/paths.js";
import { storedExecution } from "../helpers/store.js";
import { tmpDir } from "../helpers/tmp.js";

/** The real Codex CLI (pinned devDependency) through `pilot run --sim` against the loopback simulator. */

const CODEX_BIN = join(ROOT, "node_modules", ".bin", "codex");
const VERSION = JSON.parse(readFileSync(join(ROOT, "node_modules", "@openai", "codex", "package.json"), "utf8")).version as string;

async function runSim(scenario: string, extra: string[] = [], env: Record<string, string> = {}) {
  const home = tmpDir("pilot-home-");
  const project = tmpDir("pilot-proj-");
  writeFileSync(join(project, "README.md"), "# demo project\n");
  const result = await pilot(["run", "--backend", "codex", "--sim", "--sim-scenario", scenario, "--prompt", "say done", "--project", project, "--json", ...extra], {
    home,
    env: { PILOT_BACKENDS__CODEX__BINARY: CODEX_BIN, ...env },
  });
  const execution = executionFrom(result);
  return { home, project, result, execution, stored: await storedExecution(home, execution.id) };
}

const gpt5 = (fresh: number, cached: number, output: number) => roundUsd(calcPrice({ input_tokens: fresh + cached, cache_read_tokens: cached, output_tokens: output }, "gpt-5")!.total_price);

describe(`Codex ${VERSION} through pilot run --sim`, () => {
  it("uses the pinned CLI version", () => {
    expect(VERSION).toBe("0.171.0");
  });

  it("text reply: fresh input 1234, cache read 8901, output 89 with 34 reasoning, the -m model, the price table's cost", async () => {
    const { result, execution, stored } = await runSim("ok");
    expect(result.exitCode).toBe(0);
    expect(execution).toMatchObject({
      status: "completed",
      backend: "codex",
      mode: "exec-json",
      model_name: "gpt-5-codex",
      // Confirmed by the rollout file Codex wrote for the thread.
      model_source: "served",
      tokens: { input: 1234, output: 89, cache_write_5m: 0, cache_write_1h: 0, cache_read: 8901, reasoning: 34, total: 10224 },
      cost_usd: gpt5(1234, 8901, 89),
      cost_source: "computed",
      cost_reported_usd: null,
      telemetry_status: "reported",
      result_text: "done",
      cli_version: VERSION,
    });
    expect(execution.cost_usd).toBe(0.003545125);
    expect(stored.row.tokens_total).toBe(10224);
    const recording = readFileSync(execution.recording!, "utf8");
    expect(recording).toContain('{"pilot_side":"codex_rollout"');
    expect(recording).toContain('"model":"gpt-5-codex"');
  });

  it("tool call then text: the thread's cumulative total covers both calls", async () => {
    const { execution } = await runSim("tooluse");
    expect(execution.status).toBe("completed");
    // main call 1234 fresh / 8901 cached / 89 out (34 reasoning) + follow-up 66 / 9999 / 8 (3)
    expect(execution.tokens).toEqual({ input: 1300, output: 97, cache_write_5m: 0, cache_write_1h: 0, cache_read: 18900, reasoning: 37, total: 20297 });
  });

  it("401: failed as auth, the error kept, the model recorded", async () => {
    const { result, execution } = await runSim("http401");
    expect(result.exitCode).toBe(1);
    expect(execution.error?.code).toBe("auth");
    expect(execution.error?.message).toMatch(/^unexpected status 401 Unauthorized: Incorrect API key provided \(simulator\)/);
    // No request completed: the model is the configured one, not one that answered.
    expect([execution.model_name, execution.model_source, execution.tokens.total]).toEqual(["gpt-5-codex", "config", 0]);
  });

  it("always-500 with retries capped by -c: failed in seconds, retries seen", async () => {
    const started = Date.now();
    const { execution } = await runSim("http500");
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(execution.status).toBe("failed");
    expect(execution.error?.code).toBe("api_error");
    expect(readFileSync(execution.recording!, "utf8")).toMatch(/Reconnecting\.\.\. 1\/1/);
  });
});
