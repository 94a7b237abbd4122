import { readFileSync, statSync } from "node:fs";
import { relative, resolve } from "node:path";
import { z } from "zod";
import { PilotError } from "../util/errors.js";
import type { Task } from "./task.js";

/**
 * A markdown task file. Optional YAML front matter sets `id`, `title`, `backend` and
 * `model`; the body is the prompt.
 *
 *   ---
 *   id: fix-login
 *   backend: claude-code
 *   ---
 *   The login form rejects valid emails with a plus sign. Fix it and add a test.
 */
const frontMatterSchema = z
  .object({
    // A ref is shown on one line everywhere (queue, logs): no line breaks or control characters.
    id: z
      .union([z.string(), z.number()], { error: "expected text or a number" })
      .transform(String)
      .pipe(z.string().trim().min(1, "must not be empty").regex(/^[^\p{Cc}]+$/u, "must be one line without control characters"))
      .optional(),
    title: z.string().min(1).optional(),
    backend: z.string().min(1).optional(),
    model: z.string().min(1).optional(),
    max_usd: z.number().positive().optional(),
    max_tokens: z.number().int().positive().optional(),
  })
  // Like the config: a misspelt key is reported, not silently ignored.
  .strict();

const FRONT_MATTER = /^---[ \t]*\r?\n(?:([\s\S]*?)\r?\n)?---[ \t]*(?:\r?\n|$)/;
const OPENING = /^---[ \t]*\r?\n/;

export function looksLikeTaskFile(ref: string): boolean {
  return /\.(md|markdown|txt)$/i.test(ref) || ref.startsWith("./") || ref.startsWith("../") || ref.startsWith("/");
}

export function isExistingFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export async function resolveFileTask(path: string, projectDir: string): Promise<Task> {
  const absolute = resolve(path);
  let text: string;
  try {
    text = readFileSync(absolute, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? `not found${absolute === path ? "" : ` (${absolute})`}` : (error as Error).message;
    throw new PilotError("task", `task file ${path}: ${reason}`, { cause: error });
  }
  // Editors on Windows start UTF-8 files with a byte order mark; it would hide the front matter.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const match = FRONT_MATTER.exec(text);
  if (!match && OPENING.test(text)) throw new PilotError("task", `task file ${path}: front matter opened with --- is never closed with a --- line`);
  let front: z.output<typeof frontMatterSchema> = {};
  if (match) {
    let value: unknown;
    try {
      value = (await import("../util/yaml.js")).parseYaml(match[1] ?? "") ?? {};
    } catch (error) {
      throw new PilotError("task", `task file ${path}: invalid front matter: ${(error as Error).message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`);
    }
    const parsed = frontMatterSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.code === "unrecognized_keys" ? issue.keys.join(", ") : issue.path.join(".") || "(top level)";
      const got = issue.path.length > 0 ? (value as Record<PropertyKey, unknown>)[issue.path[0]!] : undefined;
      const message = issue.code === "unrecognized_keys" ? `unknown key (known: id, title, backend, model, max_usd, max_tokens)` : `${issue.message} (got ${JSON.stringify(got) ?? "nothing"})`;
      throw new PilotError("task", `task file ${path}: front matter ${field}: ${message}`);
    }
    front = parsed.data;
  }
  const body = (match ? text.slice(match[0].length) : text).trim();
  if (body.length === 0) throw new PilotError("task", `task file ${path}: no prompt text after the front matter`);
  const title = front.title ?? firstHeading(body);
  const prompt = front.title ? `# ${front.title}\n\n${body}` : body;
  const rel = relative(resolve(projectDir), absolute);
  const ref = front.id ?? (rel.startsWith("..") ? absolute : rel);
  return {
    ref,
    source: "file",
    title,
    prompt,
    ...(front.backend ? { backend: front.backend } : {}),
    ...(front.model ? { model: front.model } : {}),
    ...(front.max_usd !== undefined ? { maxUsd: front.max_usd } : {}),
    ...(front.max_tokens !== undefined ? { maxTokens: front.max_tokens } : {}),
  };
}

function firstHeading(body: string): string | null {
  const heading = /^#{1,6}\s+(.+)$/m.exec(body);
  return heading ? heading[1]!.trim() : null;
}
