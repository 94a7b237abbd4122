import { describe, expect, it } from "vitest";
import { executions, type ExecutionId } from "../../src/store/schema.js";
import { pilot } from "../helpers/pilot.js";
import { BINARIES, startDaemon, withDb, writeConfig } from "../helpers/daemon.js";
import { tmpDir } from "../helpers/tmp.js";

/** Completed executions written straight into a PILOT_HOME's database. */
function seed(home: string, rows: { backend: string; tokens: number; model: string | null; telemetry: "reported" | "missing" | "estimated" | "none_expected" }[]) {
  withDb(home, (db) => {
    rows.forEach((r, i) => {
      const at = Date.now() - (rows.length - i) * 1000;
      db.insert(executions)
        .values({
          id: `ex_seed${String(i).padStart(6, "0")}` as ExecutionId,
          task_ref: `seed-${i}`,
          task_source: "prompt",
          project: "/p",
          backend: r.backend,
          mode: "x",
          status: "completed",
          created_at: at,
          started_at: at,
          finished_at: at + 500,
          updated_at: at + 500,
          tokens_total: r.tokens,
          tokens_input: r.tokens,
          model_name: r.model,
          telemetry_status: r.telemetry,
        })
        .run();
    });
  });
}

const healthy = (backend: string) => ({ backend, tokens: 10791, model: "claude-opus-4-8", telemetry: "reported" as const });
const gap = (backend: string) => ({ backend, tokens: 0, model: null, telemetry: "missing" as const });

describe("startup health checks", () => {
  it("warn when most recent completed runs of a backend report 0 tokens, naming backend, count and sample ids", async () => {
    const home = tmpDir("pilot-home-");
    await pilot(["executions"], { home }); // creates the database
    seed(home, [...Array.from({ length: 4 }, () => healthy("claude-code")), ...Array.from({ length: 6 }, () => gap("claude-code")), ...Array.from({ length: 5 }, () => healthy("codex"))]);
    const doctor = await pilot(["doctor", "--json"], { home, env: BINARIES });
    expect(doctor.exitCode).toBe(1);
    const findings = JSON.parse(doctor.stdout).findings as { check: string; fields: Record<string, unknown>; level: string }[];
    const gaps = findings.filter((f) => f.check === "telemetry_gap");
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ level: "warn", fields: { backend: "claude-code", count: 6, window: 10 } });
    expect(gaps[0]!.fields.sampleIds).toEqual(["ex_seed000009", "ex_seed000008", "ex_seed000007", "ex_seed000006", "ex_seed000005"]);

    const daemon = startDaemon(home, ["--sim"], { PILOT_DISPATCH__POLL_INTERVAL_MS: "100" });
    const line = await daemon.waitFor((l) => l.check === "telemetry_gap");
    expect(line).toMatchObject({ level: 40, backend: "claude-code", count: 6, window: 10 });
    daemon.child.kill("SIGTERM");
    expect((await daemon.child).exitCode).toBe(0);
  });

  it("stay quiet for a healthy database, and leave runs that by design call no model out", async () => {
    const home = tmpDir("pilot-home-");
    await pilot(["executions"], { home });
    seed(home, [...Array.from({ length: 8 }, () => healthy("claude-code")), ...Array.from({ length: 10 }, () => ({ backend: "noop", tokens: 0, model: null, telemetry: "none_expected" as const }))]);
    const doctor = await pilot(["doctor"], { home, env: BINARIES });
    expect([doctor.exitCode, doctor.stdout]).toEqual([0, "ok: no warnings\n"]);
    const daemon = startDaemon(home, ["--sim"], { PILOT_DISPATCH__POLL_INTERVAL_MS: "100" });
    await daemon.waitFor((l) => l.msg === "pilot daemon starting");
    await new Promise((r) => setTimeout(r, 500));
    daemon.child.kill("SIGTERM");
    await daemon.child;
    expect(daemon.lines.filter((l) => l.level === 40)).toEqual([]);
  });

  it("warn about unpriced models seen lately, missing binaries of backends in use, and pending migrations", async () => {
    const home = tmpDir("pilot-home-");
    writeConfig(home, "default_backend: codex\nbackends:\n  codex:\n    binary: /nonexistent/codex\n");
    await pilot(["executions"], { home });
    withDb(home, (db) => db.$client.prepare("INSERT INTO models_seen (model, last_seen_at) VALUES ('mystery-model-9', ?), ('claude-opus-4-8', ?)").run(Date.now(), Date.now()));
    const doctor = JSON.parse((await pilot(["doctor", "--json"], { home })).stdout).findings as { check: string; fields: Record<string, unknown> }[];
    expect(doctor.find((f) => f.check === "unpriced_model")?.fields.models).toEqual(["mystery-model-9"]);
    expect(doctor.find((f) => f.check === "binary_missing")?.fields).toEqual({ backend: "codex", binary: "/nonexistent/codex" });
    withDb(home, (db) => db.$client.prepare("DELETE FROM __drizzle_migrations WHERE created_at = (SELECT MAX(created_at) FROM __drizzle_migrations)").run());
    const after = JSON.parse((await pilot(["doctor", "--json"], { home })).stdout).findings as { check: string; fields: Record<string, unknown> }[];
    expect(after.find((f) => f.check === "pending_migrations")?.fields).toEqual({ pending: 1 });
  });
});
