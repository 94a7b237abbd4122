import { and, eq } from "drizzle-orm";
import type { TokenBuckets } from "../telemetry/usage.js";
import type { Db } from "./db.js";
import { threadUsage } from "./schema.js";

/** A thread's cumulative usage as last seen (the baseline of a run that resumes it), or null. */
export async function threadBaseline(db: Db, backend: string, threadId: string): Promise<TokenBuckets | null> {
  const row = db.select().from(threadUsage).where(and(eq(threadUsage.backend, backend), eq(threadUsage.thread_id, threadId))).get();
  if (!row) return null;
  return {
    input: row.tokens_input,
    output: row.tokens_output,
    cacheRead: row.tokens_cache_read,
    cacheWrite5m: row.tokens_cache_write_5m,
    cacheWrite1h: row.tokens_cache_write_1h,
    reasoning: row.tokens_reasoning,
  };
}
