import { existsSync } from "node:fs";
import { closeDb, openDb } from "../../store/db.js";
import { runHealthChecks, type Finding } from "../../health/checks.js";
import { loadContext, type GlobalOptions } from "../context.js";

/** `pilot doctor`: the daemon's startup checks, printed; exit 1 when any warns. */
export async function doctorCommand(options: GlobalOptions & { json?: boolean }): Promise<number> {
  const ctx = await loadContext(options);
  const findings: Finding[] = [];
  if (existsSync(ctx.paths.database)) {
    // Without migrating: pending migrations are one of the things to report.
    const db = openDb(ctx.paths.database, { migrate: false });
    try {
      findings.push(...(await runHealthChecks({ db, config: ctx.config, paths: ctx.paths, env: process.env, now: Date.now() })));
    } finally {
      closeDb(db);
    }
  } else {
    findings.push({ level: "info", check: "data_dir", message: `no database yet at ${ctx.paths.database} (it is created by the first run)`, fields: { database: ctx.paths.database } });
  }
  const warnings = findings.filter((f) => f.level === "warn").length;
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ok: warnings === 0, findings }, null, 2)}\n`);
  } else {
    for (const f of findings) process.stdout.write(`${f.level === "warn" ? "warn" : "info"}  ${f.check}: ${f.message}${"sampleIds" in f.fields ? ` (e.g. ${(f.fields.sampleIds as string[]).join(", ")})` : ""}\n`);
    process.stdout.write(warnings === 0 ? "ok: no warnings\n" : `${warnings} warning${warnings === 1 ? "" : "s"}\n`);
  }
  return warnings === 0 ? 0 : 1;
}
