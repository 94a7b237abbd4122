import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

/**
 * The directory of pilot's own package.json, found by walking up from this module: the
 * same answer from src/ (tests), from the bundle in dist/ and from a global install.
 */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "pilot") return (root = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find pilot's package.json above its own code");
    dir = parent;
  }
}
