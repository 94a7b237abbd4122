import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { calcPrice } from "@pydantic/genai-prices";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { roundUsd } from "../../src/telemetry/pricing.js";
import { SIM_FILE_CONTENT, SIM_FILE_NAME } from "../../src/sim/plan.js";
import { executionFrom, pilot } from "../helpers/pilot.js";
import { CLAUDE_BIN, PILOT_BIN } from "../helpers/paths.js";
import { storedExecution } from "../helpers/store.js";
import { liveInGroup } from "../helpers/daemon.js";
import { tmpDir } from "../helpers/tmp.js";

/**
 * The real Claude Code CLI (pinned devDependency) driven through `pilot run --sim`, against
 * the loopback simulator. Every number asserted is one the simulator served.
 */

const CLAUDE_VERSION = JSON.parse(readFileSync(join(CLAUDE_BIN, "..", "..", "@anthropic-ai", "claude-code", "package.json"), "utf8")).version as string;

function project(): string {
  const dir = tmpDir("pilot-proj-");
  writeFileSync(join(dir, "README.md"), "# demo project\n");
  return dir;
}

async function runSim(scenario: string, extra: string[] = [], env: Record<string, string> = {}) {
  const home = tmpDir("pilot-home-");
  const proj = project();
  const result = await pilot(["run", "--sim", "--sim-scenario", scenario, "--prompt", "say done", "--project", proj, "--json", ...extra], {
    home,
    env: { PILOT_BACKENDS__CLAUDE_CODE__BINARY: CLAUDE_BIN, ...env },
  });
  const execution = executionFrom(result);
  const stored = await storedExecution(home, execution.id);
  return { home, proj, result, execution, stored };
}

const priceOf = (model: string, input: number, cacheWrite: number, cacheRead: number, output: number) =>
  roundUsd(calcPrice({ input_tokens: input + cacheWrite + cacheRead, cache_write_tokens: cacheWrite, cache_read_tokens: cacheRead, output_tokens: output }, model)!.total_price);

describe(`Claude Code ${CLAUDE_VERSION} through pilot run --sim`, () => {
  it("uses the pinned CLI version", () => {
    expect(CLAUDE_VERSION).toBe("2.1.197");
  });

  it("text reply: the stored row holds exactly the usage the simulator served", async () => {
    const { result, execution, stored } = await runSim("ok");
    expect(result.exitCode).toBe(0);
    expect(execution).toMatchObject({
      status: "completed",
      error: null,
      backend: "claude-code",
      mode: "stream-json",
      sim: true,
      model_name: "claude-opus-4-8",
      model_source: "served",
      tokens: { input: 1234, output: 89, cache_write_5m: 567, cache_write_1h: 0, cache_read: 8901, reasoning: 0, total: 10791 },
      cost_usd: priceOf("claude-opus-4-8", 1234, 567, 8901, 89),
      cost_source: "computed",
      cost_reported_usd: 0.01638925,
      telemetry_status: "reported",
      num_turns: 1,
      parse_errors: 0,
      result_text: "done",
      cli_version: CLAUDE_VERSION,
    });
    expect(execution.per_model).toEqual([
      { model: "claude-opus-4-8", tokens: execution.tokens, cost_usd: execution.cost_usd, cost_source: "computed", usage_source: "final", calls: 1 },
    ]);
    const row = stored.row;
    expect([row.tokens_input, row.tokens_output, row.tokens_cache_write_5m, row.tokens_cache_write_1h, row.tokens_cache_read, row.tokens_total]).toEqual([1234, 89, 567, 0, 8901, 10791]);
    expect([row.model_name, row.model_source, row.cost_usd, row.cost_reported_usd, row.telemetry_status, row.status]).toEqual(["claude-opus-4-8", "served", execution.cost_usd, 0.01638925, "reported", "completed"]);
    expect(typeof row.pgid).toBe("number");

    const recording = readFileSync(execution.recording!, "utf8").split("\n");
    expect(JSON.parse(recording[0]!)).toMatchObject({ pilot_recording: 1, backend: "claude-code", mode: "stream-json", format: "ndjson", cli_version: CLAUDE_VERSION, model_requested: null, baseline: null });
    expect(recording.some((l) => l.includes('"type":"message_delta"'))).toBe(true);
    expect(recording.filter((l) => l.startsWith('{"pilot_side":"exit"'))).toHaveLength(1);
  });

  it("tool call then text: both calls' usage summed", async () => {
    const { execution } = await runSim("tooluse");
    expect(execution.status).toBe("completed");
    expect(execution.tokens).toEqual({ input: 1234 + 55, output: 89 + 7, cache_write_5m: 567 + 66, cache_write_1h: 0, cache_read: 8901 + 9999, reasoning: 0, total: 20918 });
    expect(execution.num_turns).toBe(2);
    expect(execution.per_model[0]!.calls).toBe(2);
    expect(execution.cost_usd).toBe(roundUsd(priceOf("claude-opus-4-8", 1234, 567, 8901, 89) + priceOf("claude-opus-4-8", 55, 66, 9999, 7)));
  });

  it("the agent really edits: the Write tool creates the file in the project, and both calls are counted", async () => {
    const { proj, execution } = await runSim("write");
    expect(execution.status).toBe("completed");
    expect(readFileSync(join(proj, SIM_FILE_NAME), "utf8")).toBe(SIM_FILE_CONTENT);
    expect(execution.tokens.total).toBe(20918);
  });

  it("asks for the model given with --model and records the one served", async () => {
    const { execution, result } = await runSim("ok", ["--model", "claude-haiku-4-5"]);
    expect(result.exitCode).toBe(0);
    expect(execution).toMatchObject({ model_name: "claude-haiku-4-5", model_source: "served", tokens: { input: 321, output: 21, cache_read: 0, cache_write_5m: 0, total: 342 } });
    expect(execution.cost_usd).toBe(0.000426);
  });

  it("always-500: failed, error stored, usage zero, model still recorded", async () => {
    const { result, execution } = await runSim("http500");
    expect(result.exitCode).toBe(1);
    expect(execution).toMatchObject({ status: "failed", model_name: "claude-opus-4-8", model_source: "backend_default", telemetry_status: "reported", cost_usd: 0 });
    expect(execution.error?.code).toBe("api_error");
    expect(execution.error?.message).toMatch(/^API Error: 500 Internal server error \(simulator\)/);
    expect(execution.tokens.total).toBe(0);
  });

  it("401: failed as auth at once (retries capped by the sim env)", async () => {
    const { result, execution } = await runSim("http401");
    expect(result.exitCode).toBe(1);
    expect(execution.error).toEqual({ code: "auth", message: "Invalid API key · Fix external API key" });
  });

  it("max-turns exhaustion: failed with code max_turns and exit 3, the first call's usage kept", async () => {
    const { result, execution } = await runSim("tooluse", [], { PILOT_BACKENDS__CLAUDE_CODE__MAX_TURNS: "1" });
    expect(result.exitCode).toBe(3);
    expect(execution).toMatchObject({ status: "failed", error: { code: "max_turns", message: "Reached maximum number of turns (1)" }, telemetry_status: "reported" });
    expect(execution.tokens.total).toBe(10791);
  });

  it("a run killed by the total timeout keeps its per-call usage, marked partial", async () => {
    const { result, execution } = await runSim("stall", ["--timeout", "4"], { PILOT_LIMITS__KILL_GRACE_S: "1" });
    expect(result.exitCode).toBe(75);
    expect(execution).toMatchObject({ status: "timed_out", error: { code: "timeout", message: "total timeout of 4s reached" }, telemetry_status: "partial", model_name: "claude-opus-4-8" });
    // The first call complete (89 output), the second only started (message_start: output 1).
    expect(execution.tokens).toEqual({ input: 1234 + 55, output: 89 + 1, cache_write_5m: 567 + 66, cache_write_1h: 0, cache_read: 8901 + 9999, reasoning: 0, total: 20912 });
    expect(execution.cost_reported_usd).toBeNull();
  });

  it("Ctrl-C: the process group is gone, the row is cancelled with its in-flight usage, exit 130", async () => {
    const home = tmpDir("pilot-home-");
    const proj = project();
    const child = execa(process.execPath, [PILOT_BIN, "run", "--sim", "--sim-scenario", "stall", "--prompt", "say done", "--project", proj, "--json"], {
      env: { PATH: process.env.PATH!, HOME: home, PILOT_HOME: home, PILOT_BACKENDS__CLAUDE_CODE__BINARY: CLAUDE_BIN, PILOT_LIMITS__KILL_GRACE_S: "2" },
      extendEnv: false,
      reject: false,
      stripFinalNewline: false,
    });
    // Wait until the first call's usage is in the row as an in-flight snapshot.
    const deadline = Date.now() + 30_000;
    let id: string | null = null;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      if (!existsSync(join(home, "data", "pilot.db"))) continue;
      const { openDb, closeDb } = await import("../../src/store/db.js");
      const db = openDb(join(home, "data", "pilot.db"));
      const row = db.$client.prepare("SELECT id, status, tokens_total FROM executions").get() as { id: string; status: string; tokens_total: number } | undefined;
      closeDb(db);
      if (row && row.tokens_total > 0) {
        expect(row.status).toBe("running");
        id = row.id;
        break;
      }
    }
    expect(id).not.toBeNull();
    child.kill("SIGINT");
    const result = await child;
    expect(result.exitCode).toBe(130);
    const execution = executionFrom({ exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) });
    expect(execution).toMatchObject({ id, status: "cancelled", error: { code: "cancelled", message: "cancelled (SIGINT)" }, telemetry_status: "partial" });
    expect(execution.tokens.total).toBe(20912);
    const stored = await storedExecution(home, id!);
    expect(liveInGroup(stored.row.pgid!)).toEqual([]);
  });

  it("as root, bypassPermissions is refused by the CLI and reported clearly", async () => {
    if (process.getuid?.() !== 0) return; // the refusal only happens as root
    const { result, execution } = await runSim("ok", [], { PILOT_BACKENDS__CLAUDE_CODE__PERMISSION_MODE: "bypassPermissions" });
    expect(result.exitCode).toBe(1);
    expect(execution.error?.code).toBe("permission_refused");
    expect(execution.error?.message).toContain("IS_SANDBOX=1");
  });
});
