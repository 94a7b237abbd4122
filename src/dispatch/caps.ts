import { gte, sql } from "drizzle-orm";
import type { Db } from "../store/db.js";
import { executions } from "../store/schema.js";

/**
 * Daily and monthly USD caps across all executions, running ones included (their in-flight
 * snapshots). Windows are UTC calendar days and months.
 */

export function dayStart(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}

export function monthStart(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** USD spent by executions created since `since` (an index range: no table reads). */
export async function spentSince(db: Db, since: number): Promise<number> {
  const row = db.select({ total: sql<number | null>`sum(${executions.cost_usd})` }).from(executions).where(gte(executions.created_at, since)).get();
  return row?.total ?? 0;
}

export interface CapState {
  /** Set when a cap is reached: which, and until when dispatch waits. */
  reached: { cap: "daily" | "monthly"; limitUsd: number; spentUsd: number; windowStart: number; until: number } | null;
}

export async function checkCaps(db: Db, caps: { daily_usd: number | null; monthly_usd: number | null }, now: number): Promise<CapState> {
  if (caps.monthly_usd !== null) {
    const start = monthStart(now);
    const spent = await spentSince(db, start);
    if (spent >= caps.monthly_usd) {
      const d = new Date(start);
      return { reached: { cap: "monthly", limitUsd: caps.monthly_usd, spentUsd: spent, windowStart: start, until: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) } };
    }
  }
  if (caps.daily_usd !== null) {
    const start = dayStart(now);
    const spent = await spentSince(db, start);
    if (spent >= caps.daily_usd) return { reached: { cap: "daily", limitUsd: caps.daily_usd, spentUsd: spent, windowStart: start, until: start + 86_400_000 } };
  }
  return { reached: null };
}
