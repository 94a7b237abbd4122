import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { closeDb, openDb, type Db } from "../../src/store/db.js";
import { PILOT_BIN, ROOT } from "./paths.js";

/** The pilot daemon as a child process (`pilot start`), its JSON log lines parsed as they come. */
export interface DaemonProcess {
  child: ResultPromise;
  lines: Record<string, unknown>[];
  waitFor(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export const BINARIES = {
  PILOT_BACKENDS__CLAUDE_CODE__BINARY: join(ROOT, "node_modules", ".bin", "claude"),
  PILOT_BACKENDS__CODEX__BINARY: join(ROOT, "node_modules", ".bin", "codex"),
  PILOT_BACKENDS__OPENCODE__BINARY: join(ROOT, "node_modules", ".bin", "opencode"),
};

export function startDaemon(home: string, args: string[] = ["--sim"], env: Record<string, string> = {}): DaemonProcess {
  const child = execa(process.execPath, [PILOT_BIN, "start", ...args], {
    cwd: home,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, PILOT_HOME: home, LANG: "C.UTF-8", ...BINARIES, ...env },
    extendEnv: false,
    reject: false,
    stdin: "ignore",
    buffer: false,
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: { predicate: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let pending = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    pending += chunk.toString("utf8");
    let nl = pending.indexOf("\n");
    while (nl !== -1) {
      const text = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      nl = pending.indexOf("\n");
      try {
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        for (const w of [...waiters]) {
          if (w.predicate(line)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      } catch {
        // not a log line
      }
    }
  });
  child.stderr!.on("data", () => {});
  return {
    child,
    lines,
    waitFor(predicate, timeoutMs = 30_000) {
      const found = lines.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`daemon log line not seen in ${timeoutMs} ms; last lines:\n${lines.slice(-8).map((l) => JSON.stringify(l)).join("\n")}`)), timeoutMs);
        waiters.push({
          predicate,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      });
    },
  };
}

/** Reads the database of a PILOT_HOME (another process may be writing it: WAL allows that). */
export function withDb<T>(home: string, read: (db: Db) => T): T {
  const db = openDb(join(home, "data", "pilot.db"));
  try {
    return read(db);
  } finally {
    closeDb(db);
  }
}

export async function until<T>(probe: () => T | undefined | false | null, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function writeConfig(home: string, yaml: string): void {
  writeFileSync(join(home, "config.yaml"), yaml);
}

/** Processes of a process group that are still alive (zombies waiting to be reaped do not count). */
export function liveInGroup(pgid: number): number[] {
  const alive: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // fields: state, ppid, pgrp, …
      if (Number(fields[2]) === pgid && fields[0] !== "Z") alive.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return alive;
}
