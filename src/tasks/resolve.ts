import { createHash } from "node:crypto";
import type { PilotConfig } from "../config/schema.js";
import { PilotError } from "../util/errors.js";
import { isExistingFile, looksLikeTaskFile, resolveFileTask } from "./file.js";
import { parseGithubRef, resolveGithubTask } from "./github.js";
import type { Task } from "./task.js";

export interface ResolveTaskInput {
  ref?: string;
  prompt?: string;
}

export interface ResolveTaskContext {
  config: PilotConfig;
  projectDir: string;
  env: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
}

/**
 * Turns what the user named into a task: `--prompt TEXT`, a GitHub issue (`GH-1234`,
 * `owner/name#1234`, an issue URL) or a task file. Fails before anything is written.
 */
export async function resolveTask(input: ResolveTaskInput, ctx: ResolveTaskContext): Promise<Task> {
  return checkedTask(await resolveAny(input, ctx));
}

/**
 * A prompt every backend can take: no NUL byte (a command-line argument cannot hold one, and
 * it is never meant). Whatever the source, so `enqueue` refuses what `run` would.
 */
export function checkedTask(task: Task): Task {
  const at = task.prompt.indexOf("\0");
  if (at !== -1) throw new PilotError("task", `task ${task.ref}: the prompt contains a NUL byte (at character ${at + 1}); remove it`);
  return task;
}

async function resolveAny(input: ResolveTaskInput, ctx: ResolveTaskContext): Promise<Task> {
  if (input.prompt !== undefined) {
    if (input.ref !== undefined) throw new PilotError("usage", "give either a TASK or --prompt, not both");
    const prompt = input.prompt.trim();
    if (prompt.length === 0) throw new PilotError("usage", "--prompt is empty");
    const hash = createHash("sha256").update(prompt).digest("hex").slice(0, 12);
    const firstLine = prompt.split("\n")[0]!;
    return { ref: `prompt:${hash}`, source: "prompt", title: firstLine.length > 80 ? `${firstLine.slice(0, 77)}...` : firstLine, prompt };
  }
  const ref = input.ref?.trim();
  if (!ref) throw new PilotError("usage", "missing TASK (GH-1234, owner/name#1234, a task file, or --prompt TEXT)");

  const github = parseGithubRef(ref, ctx.config.github.api_url);
  if (github) return resolveGithubTask(github, ctx);
  if (isExistingFile(ref) || looksLikeTaskFile(ref)) return resolveFileTask(ref, ctx.projectDir);
  throw new PilotError("task", `unknown task ref ${JSON.stringify(ref)}: expected GH-<number>, owner/name#<number>, a GitHub issue URL, a task file path, or --prompt TEXT`);
}
