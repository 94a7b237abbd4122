import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { executionFrom, pilot } from "../helpers/pilot.js";
import { FIXTURES } from "../helpers/paths.js";
import { storedExecution } from "../helpers/store.js";
import { tmpDir } from "../helpers/tmp.js";

const FAKE = join(FIXTURES, "bin", "fake-claude.mjs");

async function runFake(mode: string, env: Record<string, string> = {}) {
  const home = tmpDir();
  const result = await pilot(["run", "--prompt", "do the thing", "--json"], { home, env: { PILOT_BACKENDS__CLAUDE_CODE__BINARY: FAKE, FAKE_CLAUDE_MODE: mode, ...env } });
  const execution = executionFrom(result);
  const stored = await storedExecution(home, execution.id);
  return { result, execution, stored };
}

describe("pilot run survives what a backend process can do wrong", () => {
  it("parses a 50 MB line and stores the run", async () => {
    const { result, execution } = await runFake("huge-line");
    expect(result.exitCode).toBe(0);
    expect(execution).toMatchObject({ status: "completed", parse_errors: 0, telemetry_status: "reported", model_name: "claude-opus-4-8" });
    expect(execution.tokens.total).toBe(10791);
  });

  it("counts invalid UTF-8, truncated JSON and an over-long line as parse errors, ignores unknown types, and keeps the usage", async () => {
    const { result, execution, stored } = await runFake("bad-lines", { PILOT_LIMITS__MAX_LINE_BYTES: "1000000" });
    expect(result.exitCode).toBe(0);
    expect(execution.status).toBe("completed");
    expect(execution.parse_errors).toBe(3);
    expect(stored.row.parse_errors).toBe(3);
    expect(execution.tokens).toEqual({ input: 1234, output: 89, cache_write_5m: 567, cache_write_1h: 0, cache_read: 8901, reasoning: 0, total: 10791 });
    expect(result.stderr).toContain("stream lines could not be used");
  });

  it("records an empty stream as failed (no result) with telemetry missing", async () => {
    const { result, execution } = await runFake("empty");
    expect(result.exitCode).toBe(1);
    expect(execution).toMatchObject({ status: "failed", error: { code: "no_result", message: "claude exited with code 0 without a result line" }, telemetry_status: "missing", cost_usd: null });
    expect(execution.tokens.total).toBe(0);
  });

  it("keeps the usage of a CLI that crashes after one call, marked partial, with its stderr as the error", async () => {
    const { result, execution } = await runFake("crash");
    expect(result.exitCode).toBe(1);
    expect(execution).toMatchObject({ status: "failed", error: { code: "backend_error", message: "claude exited with code 2: fatal: something broke inside the CLI" }, telemetry_status: "partial", model_name: "claude-opus-4-8" });
    expect(execution.tokens.total).toBe(10791);
    expect(execution.cost_usd).toBe(0.01638925);
  });

  it("stops a silent CLI after the inactivity timeout, keeping its usage", async () => {
    const { result, execution } = await runFake("hang", { PILOT_LIMITS__INACTIVITY_TIMEOUT_S: "1", PILOT_LIMITS__KILL_GRACE_S: "1" });
    expect(result.exitCode).toBe(75);
    expect(execution).toMatchObject({ status: "timed_out", error: { code: "inactivity_timeout", message: "no output from the backend for 1s" }, telemetry_status: "partial" });
    expect(execution.tokens.total).toBe(10791);
  });

  it("fails with exit 69 and a row when the binary is missing, naming it and the config key", async () => {
    const home = tmpDir();
    const result = await pilot(["run", "--prompt", "x", "--json"], { home, env: { PILOT_BACKENDS__CLAUDE_CODE__BINARY: "/nonexistent/claude" } });
    expect(result.exitCode).toBe(69);
    const execution = executionFrom(result);
    expect(execution).toMatchObject({ status: "failed", error: { code: "backend_missing", message: 'claude-code: binary "/nonexistent/claude" not found (config key backends.claude-code.binary)' }, telemetry_status: "missing" });
    expect((await storedExecution(home, execution.id)).row.status).toBe("failed");
  });
});

describe("cost disagreement", () => {
  it("stores both costs and logs a warning with both when the CLI's figure is ~100x the token math", async () => {
    const home = tmpDir();
    const stream = join(home, "stream.jsonl");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(
      stream,
      [
        { type: "system", subtype: "init", session_id: "s", model: "claude-haiku-4-5", claude_code_version: "0.0.0" },
        { type: "result", subtype: "success", is_error: false, result: "done", num_turns: 1, total_cost_usd: 0.0426, modelUsage: { "claude-haiku-4-5": { inputTokens: 321, outputTokens: 21, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, costUSD: 0.0426 } } },
      ]
        .map((l) => JSON.stringify(l))
        .join("\n") + "\n",
    );
    const result = await pilot(["run", "--prompt", "x", "--json"], { home, env: { PILOT_BACKENDS__CLAUDE_CODE__BINARY: FAKE, FAKE_CLAUDE_MODE: "file", FAKE_CLAUDE_FILE: stream } });
    const execution = executionFrom(result);
    expect([execution.cost_usd, execution.cost_reported_usd]).toEqual([0.000426, 0.0426]);
    const warning = result.stderr
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === "the backend's reported cost and pilot's computed cost disagree");
    expect(warning).toMatchObject({ level: 40, costUsd: 0.000426, costReportedUsd: 0.0426, executionId: execution.id, backend: "claude-code" });
  });
});
