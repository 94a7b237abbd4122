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
    return true;
  } catch (error) {
    return errnoCode(error) === "EPERM";
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
