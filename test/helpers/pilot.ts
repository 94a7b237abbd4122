import { execa } from "execa";
import { executionObjectSchema, type ExecutionObject } from "../../src/contracts/execution.js";
import { PILOT_BIN } from "./paths.js";

export interface PilotResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `pilot` CLI as a user would, with its own PILOT_HOME and a minimal
 * environment (no keys, no proxies from the machine running the tests).
 */
export async function pilot(args: string[], options: { home: string; cwd?: string; env?: Record<string, string>; timeoutMs?: number }): Promise<PilotResult> {
  const result = await execa(process.execPath, [PILOT_BIN, ...args], {
    cwd: options.cwd ?? options.home,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: options.home, PILOT_HOME: options.home, LANG: "C.UTF-8", ...options.env },
    extendEnv: false,
    reject: false,
    stdin: "ignore",
    timeout: options.timeoutMs ?? 120_000,
    stripFinalNewline: false,
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** Parses `--json` output with the contract's own schema (fails the test on any drift). */
export function executionFrom(result: PilotResult): ExecutionObject {
  try {
    return executionObjectSchema.parse(JSON.parse(result.stdout));
  } catch (error) {
    throw new Error(`pilot did not print an execution object (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}\n${String(error)}`);
  }
}
