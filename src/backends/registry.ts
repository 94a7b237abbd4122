import { PilotError } from "../util/errors.js";
import type { Backend } from "./backend.js";
import { claudeCodeBackend } from "./claude-code/backend.js";
import { codexBackend } from "./codex/backend.js";
import { noopBackend } from "./noop/backend.js";
import { opencodeBackend } from "./opencode/backend.js";

const BACKENDS: Record<string, Backend> = {
  "claude-code": claudeCodeBackend,
  codex: codexBackend,
  opencode: opencodeBackend,
  noop: noopBackend,
};

export const BACKEND_NAMES = Object.keys(BACKENDS);

export function getBackend(name: string): Backend {
  const backend = BACKENDS[name];
  if (!backend) throw new PilotError("usage", `unknown backend ${JSON.stringify(name)} (expected one of: ${BACKEND_NAMES.join(", ")})`);
  return backend;
}
