import { mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { errnoCode, PilotError } from "./errors.js";

/**
 * Creates a directory and its missing parents one level at a time, so a location pilot
 * cannot write (a read-only PILOT_HOME, /sys, /proc) gives one clear error instead of a
 * stack trace (or, under /proc, a recursive mkdir that never returns).
 */
export function ensureDir(dir: string, what: string): void {
  const missing: string[] = [];
  let current = dir;
  for (;;) {
    try {
      if (!statSync(current).isDirectory()) throw new PilotError("store", `cannot use ${what} ${dir}: ${current} is not a directory`);
      break;
    } catch (error) {
      if (error instanceof PilotError) throw error;
      if (errnoCode(error) !== "ENOENT" && errnoCode(error) !== "ENOTDIR") throw new PilotError("store", `cannot use ${what} ${dir}: ${errnoCode(error) ?? (error as Error).message}`, { cause: error });
    }
    missing.push(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const path of missing.reverse()) {
    try {
      mkdirSync(path);
    } catch (error) {
      if (errnoCode(error) === "EEXIST") continue;
      throw new PilotError("store", `cannot create ${what} ${dir}: ${errnoCode(error) ?? (error as Error).message} at ${path} (is PILOT_HOME writable?)`, { cause: error });
    }
  }
}
