/**
 * Errors that reach the user carry a stable `code` and the exit code the CLI should use.
 * The original error, when there is one, is kept as `cause`.
 */
export type PilotErrorCode =
  | "usage" // bad command line (exit 2)
  | "config" // bad configuration (exit 78)
  | "task" // task ref cannot be resolved (exit 1, no row written)
  | "not_found" // an id that does not exist
  | "store" // the database cannot be opened or written
  | "internal";

const EXIT_CODES: Record<PilotErrorCode, number> = {
  usage: 2,
  config: 78,
  task: 1,
  not_found: 1,
  store: 1,
  internal: 1,
};

export class PilotError extends Error {
  readonly code: PilotErrorCode;
  readonly exitCode: number;

  constructor(code: PilotErrorCode, message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.exitCode = options?.exitCode ?? EXIT_CODES[code];
  }
}
PilotError.prototype.name = "PilotError";

/** Turns anything thrown into an Error without losing the original. */
export function coerceError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === "string") return new Error(value);
  try {
    return new Error(JSON.stringify(value));
  } catch {
    return new Error(String(value));
  }
}

/** `ENOENT` and friends from Node's errors, without casts at every call site. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  const code = (error as { code: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

/** SQLite gave up waiting (its busy timeout) for another process's write lock. */
export function isBusy(error: unknown): boolean {
  const code = errnoCode(error);
  return code === "SQLITE_BUSY" || code === "SQLITE_LOCKED" || (code?.startsWith("SQLITE_BUSY_") ?? false);
}
