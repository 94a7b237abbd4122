import { accessSync, constants, existsSync } from "node:fs";
import { and, desc, eq, gte, ne, inArray } from "drizzle-orm";
import { BACKEND_NAMES, getBackend } from "../backends/registry.js";
import type { PilotPaths } from "../config/paths.js";
import type { PilotConfig } from "../config/schema.js";
import { packageVersionOf, resolveBinary } from "../executor/binary.js";
import { isAbandoned } from "../dispatch/runner-liveness.js";
import { pendingMigrations, type Db } from "../store/db.js";
import { executions, modelsSeen, queue } from "../store/schema.js";
import { loadPriceTable, PriceBook } from "../telemetry/pricing.js";

/**
 * Startup health checks (logged by `pilot start`, printed by `pilot doctor`). Every query
 * here is served by an index, so they stay fast on millions of executions.
 */

export interface Finding {
  level: "warn" | "info";
  check: "telemetry_gap" | "binary_missing" | "binary_version" | "stuck_running" | "unpriced_model" | "pending_migrations" | "data_dir";
  message: string;
  fields: Record<string, unknown>;
}

/** The CLI versions pilot's conformance tests ran against. */
export const TESTED_VERSIONS: Record<string, string> = { "claude-code": "2.1.197", codex: "0.171.0", opencode: "1.18.33" };

export interface HealthContext {
  db: Db;
  config: PilotConfig;
  paths: PilotPaths;
  env: NodeJS.ProcessEnv;
  now: number;
}

export async function runHealthChecks(ctx: HealthContext): Promise<Finding[]> {
  const findings = await databaseChecks(ctx.db, ctx.config, ctx.now);
  findings.push(...(await unpricedModels(ctx)), ...binaries(ctx), ...dataDirs(ctx.paths));
  return findings;
}

/** The checks that only read the database (benchmarked on 1,000,000 executions). */
export async function databaseChecks(db: Db, config: PilotConfig, now: number): Promise<Finding[]> {
  const findings: Finding[] = [...telemetryGaps(db, config.health), ...stuckRunning(db, config, now)];
  const pending = pendingMigrations(db);
  if (pending > 0) findings.push({ level: "warn", check: "pending_migrations", message: `${pending} database migration(s) not applied yet`, fields: { pending } });
  return findings;
}

/**
 * Per backend: of its last `gap_window` completed executions (not `none_expected`), how many
 * have no tokens, no model, or telemetry `missing` / `estimated`. At `gap_threshold` or more,
 * usage is going missing: the failure pilot exists to catch.
 */
export function telemetryGaps(db: Db, health: PilotConfig["health"]): Finding[] {
  const findings: Finding[] = [];
  for (const backend of BACKEND_NAMES) {
    const recent = db
      .select({ id: executions.id, tokens: executions.tokens_total, model: executions.model_name, telemetry: executions.telemetry_status })
      .from(executions)
      .where(and(eq(executions.backend, backend), eq(executions.status, "completed"), ne(executions.telemetry_status, "none_expected")))
      .orderBy(desc(executions.finished_at))
      .limit(health.gap_window)
      .all();
    if (recent.length === 0) continue;
    const gaps = recent.filter((r) => r.tokens === 0 || !r.model || r.telemetry === "missing" || r.telemetry === "estimated");
    if (gaps.length / recent.length >= health.gap_threshold) {
      findings.push({
        level: "warn",
        check: "telemetry_gap",
        message: `${gaps.length} of the last ${recent.length} completed ${backend} executions have no usage (0 tokens, no model, or telemetry missing/estimated)`,
        fields: { backend, count: gaps.length, window: recent.length, sampleIds: gaps.slice(0, 5).map((g) => g.id) },
      });
    }
  }
  return findings;
}

export function stuckRunning(db: Db, config: PilotConfig, now: number): Finding[] {
  const rows = db.select({ id: executions.id, runner: executions.runner, updated: executions.updated_at }).from(executions).where(eq(executions.status, "running")).all();
  const stuck = rows.filter((r) => isAbandoned({ runner: r.runner, updated_at: r.updated }, now, config.dispatch.stale_after_s * 1000));
  if (stuck.length === 0) return [];
  return [
    {
      level: "warn",
      check: "stuck_running",
      message: `${stuck.length} execution(s) marked running whose pilot process is gone (pilot start recovers them)`,
      fields: { count: stuck.length, sampleIds: stuck.slice(0, 5).map((r) => r.id) },
    },
  ];
}

async function unpricedModels(ctx: HealthContext): Promise<Finding[]> {
  const since = ctx.now - ctx.config.health.unpriced_window_days * 86_400_000;
  const models = ctx.db.select({ model: modelsSeen.model }).from(modelsSeen).where(gte(modelsSeen.last_seen_at, since)).all();
  if (models.length === 0) return [];
  await loadPriceTable();
  const prices = new PriceBook({ overrides: ctx.config.pricing.models, at: new Date(ctx.now) });
  const unpriced = models.map((m) => m.model).filter((m) => m !== "unknown" && prices.card(m) === null);
  if (unpriced.length === 0) return [];
  return [
    {
      level: "warn",
      check: "unpriced_model",
      message: `model(s) used in the last ${ctx.config.health.unpriced_window_days} days have no price: their executions have cost_usd null (add them under pricing.models)`,
      fields: { models: unpriced },
    },
  ];
}

/** Binaries of the backends in use: the default one and any with executions or queued work. */
function binaries(ctx: HealthContext): Finding[] {
  const findings: Finding[] = [];
  for (const name of BACKEND_NAMES) {
    const backend = getBackend(name);
    const binary = backend.binary(ctx.config);
    if (binary === null) continue;
    const inUse =
      name === ctx.config.default_backend ||
      ctx.db.select({ id: executions.id }).from(executions).where(eq(executions.backend, name)).limit(1).get() !== undefined ||
      ctx.db.select({ id: queue.id }).from(queue).where(and(eq(queue.backend, name), inArray(queue.state, ["queued", "leased"]))).limit(1).get() !== undefined;
    if (!inUse) continue;
    const path = resolveBinary(binary, ctx.env.PATH);
    if (!path) {
      findings.push({ level: "warn", check: "binary_missing", message: `backend ${name}: binary ${JSON.stringify(binary)} not found (config key ${backend.binaryConfigKey})`, fields: { backend: name, binary } });
      continue;
    }
    const version = packageVersionOf(path);
    const tested = TESTED_VERSIONS[name];
    if (version && tested && version !== tested) {
      findings.push({ level: "info", check: "binary_version", message: `backend ${name}: ${binary} is version ${version}; pilot was tested with ${tested}`, fields: { backend: name, version, tested } });
    }
  }
  return findings;
}

function dataDirs(paths: PilotPaths): Finding[] {
  const findings: Finding[] = [];
  for (const dir of [paths.dataDir, paths.recordingsDir]) {
    if (!existsSync(dir)) continue;
    try {
      accessSync(dir, constants.W_OK);
    } catch {
      findings.push({ level: "warn", check: "data_dir", message: `${dir} is not writable`, fields: { dir } });
    }
  }
  return findings;
}
