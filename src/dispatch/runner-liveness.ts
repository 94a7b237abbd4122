import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { errnoCode } from "../util/errors.js";

/**
 * Whether the pilot process that owns a run or a lease (`host:pid[:nonce]`) is alive:
 * true or false on this host, null for another host (then only staleness can tell).
 */
export function runnerAlive(runner: string | null): boolean | null {
  if (!runner) return null;
  const [host, pidText] = runner.split(":");
  if (host !== hostname()) return null;
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return errnoCode(error) === "EPERM";
  }
  // A killed process whose parent has not reaped it yet is a zombie: gone for our purposes.
  return processState(pid) !== "Z";
}

/**
 * A `running` row nobody runs any more: its pilot is gone (this host), or on another host has
 * not touched the row for `staleAfterMs`. A live pilot's run (this process included) is never
 * abandoned.
 */
export function isAbandoned(row: { runner: string | null; updated_at: number }, now: number, staleAfterMs: number): boolean {
  const alive = runnerAlive(row.runner);
  if (alive !== null) return !alive;
  return row.updated_at < now - staleAfterMs;
}

/** The state letter of a process (R, S, D, Z, …) from /proc, or null when unknown. */
export function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state …": comm may contain spaces and parentheses, the state follows the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) || null;
  } catch {
    return null;
  }
}

/**
 * Whether a process group still runs the given CLI: before a recovered run's leftover
 * processes are killed, make sure the group id was not reused by something else.
 */
export function groupRuns(pgid: number, binaryName: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pgid}/cmdline`, "utf8").split("\0").join(" ");
    const name = binaryName.split("/").pop() ?? binaryName;
    return cmdline.includes(name);
  } catch {
    return false;
  }
}
