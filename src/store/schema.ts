import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * Tables. Columns are snake_case; timestamps are integer milliseconds since the epoch (the
 * execution object shows them as ISO strings); token counts are integers; costs are USD.
 * Indexes are named `<table>_<columns>_idx`, one for each query the CLI and daemon run.
 */

export type ExecutionId = string & { readonly __brand: "ExecutionId" };
export type QueueItemId = string & { readonly __brand: "QueueItemId" };

export const EXECUTION_STATUSES = ["running", "completed", "failed", "timed_out", "cancelled", "interrupted"] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export const TELEMETRY_STATUSES = ["reported", "partial", "estimated", "missing", "none_expected"] as const;
export type TelemetryStatus = (typeof TELEMETRY_STATUSES)[number];

export const MODEL_SOURCES = ["served", "requested", "config", "backend_default"] as const;
export type ModelSource = (typeof MODEL_SOURCES)[number];

export const COST_SOURCES = ["computed", "override", "unpriced"] as const;

const tokenColumns = {
  tokens_input: integer("tokens_input").notNull().default(0),
  tokens_output: integer("tokens_output").notNull().default(0),
  tokens_cache_write_5m: integer("tokens_cache_write_5m").notNull().default(0),
  tokens_cache_write_1h: integer("tokens_cache_write_1h").notNull().default(0),
  tokens_cache_read: integer("tokens_cache_read").notNull().default(0),
  tokens_reasoning: integer("tokens_reasoning").notNull().default(0),
  tokens_total: integer("tokens_total").notNull().default(0),
};

export const executions = sqliteTable(
  "executions",
  {
    id: text("id").$type<ExecutionId>().primaryKey(),
    /** The queue item this execution ran for; null for a one-shot `pilot run`. */
    queue_item_id: text("queue_item_id"),
    attempt: integer("attempt").notNull().default(1),
    task_ref: text("task_ref").notNull(),
    task_source: text("task_source", { enum: ["github", "file", "prompt"] }).notNull(),
    task_title: text("task_title"),
    project: text("project").notNull(),
    backend: text("backend").notNull(),
    mode: text("mode").notNull(),
    /** True when the run used the loopback simulator. */
    sim: integer("sim", { mode: "boolean" }).notNull().default(false),
    status: text("status", { enum: EXECUTION_STATUSES }).notNull(),
    created_at: integer("created_at").notNull(),
    started_at: integer("started_at"),
    finished_at: integer("finished_at"),
    /** Last time the running process wrote to the row (snapshots, heartbeats). */
    updated_at: integer("updated_at").notNull(),
    duration_ms: integer("duration_ms"),
    exit_code: integer("exit_code"),
    /** Process group of the backend CLI, so a restarted daemon can clean up after a crash. */
    pgid: integer("pgid"),
    /** The pilot process running it (`host:pid`): a restarted daemon tells a live run from an abandoned one. */
    runner: text("runner"),
    /** `pilot cancel` asks the running process to stop (the database is the channel). */
    cancel_requested_at: integer("cancel_requested_at"),
    error_code: text("error_code"),
    error: text("error"),
    result_text: text("result_text"),
    session_id: text("session_id"),
    num_turns: integer("num_turns"),
    cli_version: text("cli_version"),
    model_requested: text("model_requested"),
    model_name: text("model_name"),
    model_source: text("model_source", { enum: MODEL_SOURCES }),
    ...tokenColumns,
    cost_usd: real("cost_usd"),
    cost_reported_usd: real("cost_reported_usd"),
    cost_source: text("cost_source", { enum: COST_SOURCES }),
    telemetry_status: text("telemetry_status", { enum: TELEMETRY_STATUSES }).notNull().default("missing"),
    parse_errors: integer("parse_errors").notNull().default(0),
    branch: text("branch"),
    commit_sha: text("commit_sha"),
    pr_url: text("pr_url"),
    recording_path: text("recording_path"),
  },
  (t) => [
    // A re-claimed queue item cannot write two rows for one attempt; one-shot runs (NULL) repeat freely.
    uniqueIndex("executions_queue_item_id_attempt_idx").on(t.queue_item_id, t.attempt),
    // Listings (newest first) and the daily / monthly spend (covering: no table reads).
    index("executions_created_at_cost_usd_idx").on(t.created_at, t.cost_usd),
    index("executions_status_idx").on(t.status),
    index("executions_backend_status_finished_at_idx").on(t.backend, t.status, t.finished_at),
    index("executions_task_ref_project_idx").on(t.task_ref, t.project),
  ],
);

export const QUEUE_STATES = ["queued", "leased", "done", "dead", "cancelled"] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

/**
 * The durable queue. A claim sets the lease (`lease_owner`, `lease_expires_at`) and counts
 * the attempt in one statement; the execution row of that attempt is inserted in the same
 * transaction. `idempotency_key` (task ref + project) is unique among queued and leased items.
 */
export const queue = sqliteTable(
  "queue",
  {
    id: text("id").$type<QueueItemId>().primaryKey(),
    task_ref: text("task_ref").notNull(),
    task_source: text("task_source", { enum: ["github", "file", "prompt"] }).notNull(),
    task_title: text("task_title"),
    project: text("project").notNull(),
    backend: text("backend").notNull(),
    model: text("model"),
    /** The resolved task (prompt and per-task settings) as JSON, so a run does not depend on the source changing. */
    payload: text("payload", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    /** Queued for the loopback simulator (`enqueue --sim`): only a `pilot start --sim` claims it, and only it. */
    sim: integer("sim", { mode: "boolean" }).notNull().default(false),
    state: text("state", { enum: QUEUE_STATES }).notNull(),
    priority: integer("priority").notNull().default(0),
    /** Counted at claim (a crash still counts); the retry budget. */
    attempts: integer("attempts").notNull().default(0),
    max_attempts: integer("max_attempts").notNull(),
    /** Claims so far: the `attempt` number of each execution (unique per item). */
    runs: integer("runs").notNull().default(0),
    lease_owner: text("lease_owner"),
    lease_expires_at: integer("lease_expires_at"),
    available_at: integer("available_at").notNull(),
    idempotency_key: text("idempotency_key").notNull(),
    last_execution_id: text("last_execution_id").$type<ExecutionId>(),
    last_error_code: text("last_error_code"),
    last_error: text("last_error"),
    cancel_requested_at: integer("cancel_requested_at"),
    created_at: integer("created_at").notNull(),
    updated_at: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("queue_idempotency_key_active_idx").on(t.idempotency_key).where(sql`state in ('queued', 'leased')`),
    // The claim: the next queued item of the daemon's kind (sim or real) by priority and age, among those due.
    index("queue_state_sim_priority_created_at_idx").on(t.state, t.sim, sql`${t.priority} desc`, t.created_at),
    // Per-project exclusivity and lease recovery look at leased items.
    index("queue_state_project_idx").on(t.state, t.project),
    index("queue_idempotency_key_idx").on(t.idempotency_key),
  ],
);

export type QueueRow = typeof queue.$inferSelect;

/** Models seen in executions and when last: the health check of unpriced models reads this, not every execution. */
export const modelsSeen = sqliteTable("models_seen", {
  model: text("model").primaryKey(),
  last_seen_at: integer("last_seen_at").notNull(),
});

export const executionModelUsage = sqliteTable(
  "execution_model_usage",
  {
    execution_id: text("execution_id")
      .$type<ExecutionId>()
      .notNull()
      .references(() => executions.id, { onDelete: "cascade" }),
    model: text("model").notNull(),
    ...tokenColumns,
    cost_usd: real("cost_usd"),
    cost_source: text("cost_source", { enum: COST_SOURCES }).notNull(),
    priced_as: text("priced_as"),
    /** Which source the numbers came from: final report, cumulative counter or per-call samples. */
    usage_source: text("usage_source", { enum: ["final", "cumulative", "call"] }).notNull(),
    calls: integer("calls").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.execution_id, t.model] })],
);

export type ExecutionRow = typeof executions.$inferSelect;
export type NewExecutionRow = typeof executions.$inferInsert;
export type ModelUsageRow = typeof executionModelUsage.$inferSelect;

/**
 * The last cumulative usage counter seen per backend thread (Codex reports a thread's whole
 * total on every turn): the baseline a later run in the same thread subtracts.
 */
export const threadUsage = sqliteTable(
  "thread_usage",
  {
    backend: text("backend").notNull(),
    thread_id: text("thread_id").notNull(),
    ...tokenColumns,
    /** The execution that saw this total last. */
    execution_id: text("execution_id").$type<ExecutionId>(),
    updated_at: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.backend, t.thread_id] })],
);

export type ThreadUsageRow = typeof threadUsage.$inferSelect;
