import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { parsedTelemetrySchema } from "../../src/contracts/execution.js";
import { closeDb, openDb } from "../../src/store/db.js";
import { executionFrom, pilot } from "../helpers/pilot.js";
import { CLAUDE_BIN, CLAUDE_FIXTURES, FIXTURES, PILOT_BIN } from "../helpers/paths.js";
import { databaseExists } from "../helpers/store.js";
import { tmpDir } from "../helpers/tmp.js";

const omitted = ["id", "status", "created_at", "started_at", "finished_at", "task_ref", "task_source", "task_title", "queue_item_id", "attempt", "project", "exit_code", "sim", "duration_ms"];

describe("pilot parse", () => {
  it("prints exactly the telemetry a run stored, from that run's recording", async () => {
    const home = tmpDir();
    const run = executionFrom(await pilot(["run", "--sim", "--sim-scenario", "tooluse", "--prompt", "read it", "--project", tmpDir(), "--json"], { home, env: { PILOT_BACKENDS__CLAUDE_CODE__BINARY: CLAUDE_BIN } }));
    const parsed = await pilot(["parse", run.recording!, "--json"], { home });
    expect(parsed.exitCode).toBe(0);
    const expected = Object.fromEntries(Object.entries(run).filter(([key]) => !omitted.includes(key)));
    expect(JSON.parse(parsed.stdout)).toEqual(expected);
  });

  it("parses a raw capture with --backend, from a file or stdin, and writes nothing", async () => {
    const home = tmpDir();
    const file = join(CLAUDE_FIXTURES, "stream-json-tooluse.jsonl");
    const fromFile = await pilot(["parse", "--backend", "claude-code", file, "--json"], { home });
    const telemetry = parsedTelemetrySchema.parse(JSON.parse(fromFile.stdout));
    expect(telemetry).toMatchObject({ backend: "claude-code", model_name: "claude-opus-4-8", telemetry_status: "reported", cost_usd: 0.02225125, cost_reported_usd: 0.02225125, recording: null, error: null, num_turns: 2 });
    expect(telemetry.tokens.total).toBe(20918);

    const fromStdin = await execa(process.execPath, [PILOT_BIN, "parse", "--backend", "claude-code", "-", "--json"], { input: readFileSync(file), env: { PILOT_HOME: home }, reject: false });
    expect(JSON.parse(String(fromStdin.stdout))).toEqual(JSON.parse(fromFile.stdout));
    expect(databaseExists(home)).toBe(false);
  });

  it("parses raw Codex JSONL and OpenCode SSE and NDJSON captures, telling SSE from NDJSON itself", async () => {
    const home = tmpDir();
    const parse = async (backend: string, file: string) => JSON.parse((await pilot(["parse", "--backend", backend, file, "--json"], { home })).stdout);
    const codex = await parse("codex", join(FIXTURES, "codex", "exec-json-ok.jsonl"));
    expect(codex).toMatchObject({ backend: "codex", mode: "exec-json", model_name: "gpt-5-codex", model_source: "config", tokens: { input: 1234, cache_read: 8901, output: 89, reasoning: 34, total: 10224 } });
    const serve = await parse("opencode", join(FIXTURES, "opencode", "serve-openai-async", "event.sse"));
    expect(serve).toMatchObject({ backend: "opencode", mode: "serve", model_name: "gpt-5", model_source: "served", tokens: { total: 10224, reasoning: 34 } });
    const run = await parse("opencode", join(FIXTURES, "opencode", "run-json-anthropic.jsonl"));
    expect(run).toMatchObject({ backend: "opencode", mode: "run", model_name: "claude-sonnet-4-5", tokens: { total: 10791 } });
  });

  it("reports the failure a capture shows", async () => {
    const r = await pilot(["parse", "--backend", "claude-code", join(CLAUDE_FIXTURES, "stream-json-http401-retries2.jsonl"), "--json"], { home: tmpDir() });
    expect(JSON.parse(r.stdout).error).toEqual({ code: "auth", message: "Invalid API key · Fix external API key" });
  });

  it("refuses input it cannot place, with exit 2", async () => {
    const home = tmpDir();
    const raw = await pilot(["parse", join(CLAUDE_FIXTURES, "stream-json-ok.jsonl")], { home });
    expect([raw.exitCode, raw.stderr]).toEqual([2, `pilot: ${join(CLAUDE_FIXTURES, "stream-json-ok.jsonl")}: not a pilot recording, so --backend is required (the CLI that printed it)\n`]);
    const sse = join(home, "events.sse");
    writeFileSync(sse, 'data: {"type":"server.connected"}\n\n');
    const wrongFormat = await pilot(["parse", "--backend", "claude-code", sse], { home });
    expect([wrongFormat.exitCode, wrongFormat.stderr]).toEqual([2, `pilot: ${sse}: claude-code prints NDJSON, but this is SSE\n`]);
    const missing = await pilot(["parse", "--backend", "claude-code", join(home, "nope.jsonl")], { home });
    expect(missing.exitCode).toBe(2);
    const garbage = join(home, "garbage.txt");
    writeFileSync(garbage, "hello world\n");
    expect((await pilot(["parse", "--backend", "claude-code", garbage], { home })).stderr).toContain("neither a pilot recording nor a CLI's NDJSON or SSE output");
  });

  it("warns when no line of a raw capture is recognised as the given backend's output", async () => {
    const home = tmpDir();
    const file = join(CLAUDE_FIXTURES, "stream-json-ok.jsonl");
    const wrong = await pilot(["parse", "--backend", "codex", file], { home });
    expect([wrong.exitCode, wrong.stderr]).toEqual([0, `pilot: no line of ${file} was recognised as codex output; is --backend right?\n`]);
    const right = await pilot(["parse", "--backend", "claude-code", file], { home });
    expect([right.exitCode, right.stderr]).toEqual([0, ""]);
  });

  it("skips leading non-JSON lines when telling what a capture is; they count as parse errors", async () => {
    const home = tmpDir();
    const fixture = readFileSync(join(CLAUDE_FIXTURES, "stream-json-ok.jsonl"), "utf8");
    const file = join(home, "warned.jsonl");
    writeFileSync(file, `Warning: something the CLI printed first\n\n${fixture}`);
    const clean = JSON.parse((await pilot(["parse", "--backend", "claude-code", join(CLAUDE_FIXTURES, "stream-json-ok.jsonl"), "--json"], { home })).stdout);
    const r = await pilot(["parse", "--backend", "claude-code", file, "--json"], { home });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ...clean, parse_errors: 1 });
    // A recording header must be the first line.
    const header = readFileSync(join(home, "warned.jsonl"), "utf8").replace(/^Warning.*\n\n/, `Warning\n${recordingHeader("claude-code", "stream-json")}\n`);
    writeFileSync(file, header);
    const late = await pilot(["parse", file], { home });
    expect([late.exitCode, late.stderr]).toEqual([2, `pilot: ${file}: line 2 is a pilot recording header, but a recording starts with its header\n`]);
    // Only so many leading lines are skipped.
    writeFileSync(file, `${"noise\n".repeat(100)}${fixture}`);
    expect((await pilot(["parse", "--backend", "claude-code", file], { home })).stderr).toContain("neither a pilot recording nor a CLI's NDJSON or SSE output");
  });

  it("logs the first unusable lines, at most 5, and counts them all", async () => {
    const home = tmpDir();
    const lines = readFileSync(join(CLAUDE_FIXTURES, "stream-json-ok.jsonl"), "utf8").split("\n");
    const file = join(home, "bad.jsonl");
    writeFileSync(file, [lines[0], ...Array.from({ length: 7 }, (_, i) => `{broken ${i}`), ...lines.slice(1)].join("\n"));
    const r = await pilot(["parse", "--backend", "claude-code", file, "--json"], { home });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).parse_errors).toBe(7);
    const logged = r.stderr.split("\n").filter((l) => l.includes("unusable stream line"));
    expect(logged).toHaveLength(5);
    expect(JSON.parse(logged[0]!)).toMatchObject({ level: 40, line: 2, reason: "invalid_json" });
  });

  it("names a directory a directory, and rejects an unknown mode or backend with the known ones", async () => {
    const home = tmpDir();
    const dir = await pilot(["parse", "--backend", "claude-code", home], { home });
    expect([dir.exitCode, dir.stderr]).toEqual([2, `pilot: ${home}: is a directory, not a file\n`]);

    const fixture = readFileSync(join(CLAUDE_FIXTURES, "stream-json-ok.jsonl"), "utf8");
    const bogus = join(home, "bogus.rec");
    writeFileSync(bogus, `${recordingHeader("claude-code", "bogus")}\n${fixture}`);
    const mode = await pilot(["parse", bogus], { home });
    expect([mode.exitCode, mode.stderr]).toEqual([2, `pilot: ${bogus}: unknown mode "bogus" for backend claude-code (known: stream-json)\n`]);
    const opencode = join(home, "opencode.rec");
    writeFileSync(opencode, `${recordingHeader("opencode", "bogus")}\n`);
    expect((await pilot(["parse", opencode], { home })).stderr).toBe(`pilot: ${opencode}: unknown mode "bogus" for backend opencode (known: run, serve)\n`);

    const recording = join(home, "ok.rec");
    writeFileSync(recording, `${recordingHeader("claude-code", "stream-json")}\n${fixture}`);
    expect((await pilot(["parse", recording, "--json"], { home })).exitCode).toBe(0);
    for (const file of [recording, join(CLAUDE_FIXTURES, "stream-json-ok.jsonl"), join(home, "nope.jsonl"), home]) {
      const r = await pilot(["parse", "--backend", "gemini", file], { home });
      expect([r.exitCode, r.stderr]).toEqual([2, `pilot: unknown backend "gemini" (expected one of: claude-code, codex, opencode, noop)\n`]);
    }
  });
});

describe("pilot reparse", () => {
  it("recomputes telemetry from the recording, prints before and after, and is idempotent", async () => {
    const home = tmpDir();
    const run = executionFrom(await pilot(["run", "--sim", "--prompt", "say done", "--project", tmpDir(), "--json"], { home, env: { PILOT_BACKENDS__CLAUDE_CODE__BINARY: CLAUDE_BIN } }));
    // What an older parser might have stored: no tokens, no model, no per-model rows.
    const db = openDb(join(home, "data", "pilot.db"));
    db.$client.prepare("UPDATE executions SET tokens_input = 0, tokens_output = 0, tokens_cache_read = 0, tokens_cache_write_5m = 0, tokens_total = 0, cost_usd = 0, model_name = NULL, model_source = NULL, telemetry_status = 'missing' WHERE id = ?").run(run.id);
    db.$client.prepare("DELETE FROM execution_model_usage WHERE execution_id = ?").run(run.id);
    closeDb(db);

    const first = await pilot(["reparse", run.id.slice(0, 12), "--json"], { home });
    expect(first.exitCode).toBe(0);
    const { before, after } = JSON.parse(first.stdout);
    expect(before).toMatchObject({ tokens: { total: 0 }, model_name: null, telemetry_status: "missing" });
    expect(after).toEqual({ ...run, tokens: run.tokens }); // back to exactly what the run stored
    const second = await pilot(["reparse", run.id], { home });
    expect(second.stdout.split("\n")[0]).toBe(`reparsed ${run.id}: no change`);
    const shown = executionFrom(await pilot(["show", run.id, "--json"], { home }));
    expect(shown).toEqual(run);
  });

  it("refuses a reparse that would lose telemetry, unless --force; a forced one is then stable", async () => {
    const home = tmpDir();
    const run = executionFrom(await pilot(["run", "--sim", "--prompt", "say done", "--project", tmpDir(), "--json"], { home, env: { PILOT_BACKENDS__CLAUDE_CODE__BINARY: CLAUDE_BIN } }));
    expect(run).toMatchObject({ status: "completed", telemetry_status: "reported" });
    const recording = readFileSync(run.recording!, "utf8");
    writeFileSync(run.recording!, `${recording.split("\n")[0]}\n`); // cut down to its header

    const refused = await pilot(["reparse", run.id], { home });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toBe(
      `pilot: reparse of ${run.id} would lose telemetry (tokens ${run.tokens.total} -> 0, telemetry reported -> missing, model ${run.model_name} -> unknown); nothing changed (--force replaces it anyway)\n`,
    );
    expect(refused.stdout).toBe("");
    expect(executionFrom(await pilot(["show", run.id, "--json"], { home }))).toEqual(run);

    const forced = await pilot(["reparse", run.id, "--force"], { home });
    expect(forced.exitCode).toBe(0);
    expect(forced.stdout).toContain(`tokens.total           ${run.tokens.total} -> 0`);
    expect(forced.stdout).toMatch(/cost_usd +\$[0-9.]+ \(computed\) -> -\n/);
    expect(forced.stdout).not.toContain("unpriced");
    const again = await pilot(["reparse", run.id], { home });
    expect([again.exitCode, again.stdout.split("\n")[0]]).toEqual([0, `reparsed ${run.id}: no change`]);
  });

  it("refuses each kind of loss on its own: fewer tokens, a worse telemetry status, a model no longer known", async () => {
    const home = tmpDir();
    const run = executionFrom(await pilot(["run", "--sim", "--prompt", "say done", "--project", tmpDir(), "--json"], { home, env: { PILOT_BACKENDS__CLAUDE_CODE__BINARY: CLAUDE_BIN } }));
    writeFileSync(run.recording!, `${readFileSync(run.recording!, "utf8").split("\n")[0]}\n`);
    expect((await pilot(["reparse", run.id, "--force"], { home })).exitCode).toBe(0); // stored: 0 tokens, missing, no model
    const cases: [string, string][] = [
      ["tokens_total = 5", "tokens 5 -> 0"],
      ["telemetry_status = 'estimated'", "telemetry estimated -> missing"],
      ["model_name = 'claude-opus-4-8', model_source = 'served'", "model claude-opus-4-8 -> unknown"],
    ];
    for (const [set, loss] of cases) {
      const db = openDb(join(home, "data", "pilot.db"));
      db.$client.prepare(`UPDATE executions SET tokens_total = 0, telemetry_status = 'missing', model_name = NULL, model_source = NULL WHERE id = ?`).run(run.id);
      db.$client.prepare(`UPDATE executions SET ${set} WHERE id = ?`).run(run.id);
      closeDb(db);
      const stored = (await pilot(["show", run.id, "--json"], { home })).stdout;
      const r = await pilot(["reparse", run.id, "--json"], { home });
      expect([r.exitCode, r.stderr]).toEqual([1, `pilot: reparse of ${run.id} would lose telemetry (${loss}); nothing changed (--force replaces it anyway)\n`]);
      expect((await pilot(["show", run.id, "--json"], { home })).stdout).toBe(stored);
    }
  });

  it("refuses an execution without a recording", async () => {
    const home = tmpDir();
    const run = executionFrom(await pilot(["run", "--sim", "--prompt", "x", "--project", tmpDir(), "--json"], { home, env: { PILOT_BACKENDS__CLAUDE_CODE__BINARY: CLAUDE_BIN } }));
    writeFileSync(run.recording!, "");
    const { rmSync } = await import("node:fs");
    rmSync(run.recording!);
    const r = await pilot(["reparse", run.id], { home });
    expect([r.exitCode, r.stderr]).toEqual([1, `pilot: execution ${run.id} has no recording to reparse (${run.recording} is gone)\n`]);
  });
});

function recordingHeader(backend: string, mode: string): string {
  return JSON.stringify({ pilot_recording: 1, backend, mode, format: "ndjson", cli_version: null, model_requested: null, baseline: null });
}
