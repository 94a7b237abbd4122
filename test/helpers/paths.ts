import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const FIXTURES = join(ROOT, "test", "fixtures");
export const CLAUDE_FIXTURES = join(FIXTURES, "claude");
/** The built CLI (npm test builds it first): what `npx pilot` runs. */
export const PILOT_BIN = join(ROOT, "dist", "pilot.js");
/** The pinned Claude Code CLI installed by `npm ci`. */
export const CLAUDE_BIN = join(ROOT, "node_modules", ".bin", "claude");
