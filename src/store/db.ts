import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { isBusy, PilotError } from "../util/errors.js";
import { ensureDir } from "../util/fs.js";
import { packageRoot } from "../util/package-root.js";
import * as schema from "./schema.js";

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/** migrations/ at the package root (drizzle-kit writes it; it ships with the package). */
export const migrationsDir = () => join(packageRoot(), "migrations");

const BUSY_TIMEOUT_MS = 10_000;

export interface OpenDbOptions {
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  readonly?: boolean;
}

/**
 * Opens the SQLite store: busy timeout first (so it already applies to the WAL switch),
 * then WAL, foreign keys and normal fsync. Pending migrations are applied under a
 * cross-process lock.
 */
export function openDb(file: string, options: OpenDbOptions = {}): Db {
  if (!options.readonly) ensureDir(dirname(file), "data directory");
  let client: Database.Database;
  try {
    client = new Database(file, { timeout: BUSY_TIMEOUT_MS, readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    if (!options.readonly) client.pragma("journal_mode = WAL");
    client.pragma("foreign_keys = ON");
    client.pragma("synchronous = NORMAL");
  } catch (error) {
    throw new PilotError("store", `cannot open database ${file}: ${(error as Error).message} (is PILOT_HOME writable?)`, { cause: error });
  }
  const db = drizzle(client, { schema }) as Db;
  if (options.migrate !== false && !options.readonly) applyMigrations(db, file);
  return db;
}

/** Migrations not yet applied to this database (0 when up to date). */
export function pendingMigrations(db: Db): number {
  const files = readMigrationFiles({ migrationsFolder: migrationsDir() });
  const table = db.$client.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").get();
  if (!table) return files.length;
  const row = db.$client.prepare("SELECT MAX(created_at) AS last FROM __drizzle_migrations").get() as { last: number | null };
  const last = Number(row.last ?? 0);
  return files.filter((m) => m.folderMillis > last).length;
}

/**
 * drizzle's migrator reads the last applied migration before it opens its transaction, so
 * two processes starting at once both try to create the tables. An exclusive transaction on
 * a separate lock database serialises them: the second waits, then finds nothing to do.
 */
function applyMigrations(db: Db, file: string): void {
  if (pendingMigrations(db) === 0) return;
  const lock = new Database(`${file}.migrate-lock`, { timeout: 60_000 });
  try {
    lock.exec("BEGIN EXCLUSIVE");
    if (pendingMigrations(db) > 0) migrate(db, { migrationsFolder: migrationsDir() });
    lock.exec("COMMIT");
  } catch (error) {
    throw new PilotError("store", `cannot migrate database ${file}: ${(error as Error).message}`, { cause: error });
  } finally {
    lock.close();
  }
}

export function closeDb(db: Db): void {
  if (db.$client.open) db.$client.close();
}

/**
 * For the writes that must not be lost (a run's outcome): each attempt already waits
 * BUSY_TIMEOUT_MS for the lock; between attempts the event loop is free, so the run's
 * timers and signals still work. About a minute and a half in all before giving up.
 */
export async function retryWhileBusy<T>(write: () => Promise<T>, onRetry: (attempt: number, error: unknown) => void, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!isBusy(error) || attempt >= attempts) throw error;
      onRetry(attempt, error);
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    }
  }
}
