import { accessSync, constants, readFileSync, realpathSync, statSync } from "node:fs";
import { delimiter, dirname, isAbsolute, join, resolve } from "node:path";
import { packageRoot } from "../util/package-root.js";

/**
 * Finds an executable the way a shell would (a path, or a name on PATH), then in pilot's
 * own node_modules/.bin, so a checkout runs its pinned CLIs without touching PATH.
 * Returns null when there is none.
 */
export function resolveBinary(name: string, pathEnv: string | undefined, cwd: string = process.cwd()): string | null {
  if (name.includes("/")) {
    const candidate = isAbsolute(name) ? name : resolve(cwd, name);
    return isExecutableFile(candidate) ? candidate : null;
  }
  // pilot's own node_modules/.bin: where `npm ci` put the pinned CLIs of a checkout.
  const ownBin = join(packageRoot(), "node_modules", ".bin");
  for (const dir of [...(pathEnv ?? "").split(delimiter).filter((d) => d.length > 0), ownBin]) {
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The CLI's version without running it (running `claude --version` would add ~100 ms to
 * every run): the `package.json` of the npm package the binary belongs to. Null when the
 * binary is not from an npm package; the stream's own version line fills in then.
 */
export function packageVersionOf(binary: string): string | null {
  let dir: string;
  try {
    dir = dirname(realpathSync(binary));
  } catch {
    return null;
  }
  for (let depth = 0; depth < 4; depth++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version?: unknown };
      if (typeof pkg.version === "string") return pkg.version;
    } catch {
      // no package.json here; keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}
