// The npm registry this project installs from serves only some platform builds of
// opencode-ai (linux-x64 here), so `npm install` leaves the other platforms' optional
// packages out of package-lock.json, and `npm ci` then refuses the lock as out of sync.
// This adds lock entries for them (optional, with their os/cpu, so npm skips them on other
// machines without downloading). Run it after `npm install` changes the lock.
import { readFileSync, writeFileSync } from "node:fs";

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
const packages = lock.packages;
const added = [];
for (const [key, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const match = /^opencode-(darwin|linux|windows)-(x64|arm64)(-baseline)?(-musl)?$/.exec(name);
    const target = `node_modules/${name}`;
    if (!match || packages[target] || !key.endsWith("opencode-ai")) continue;
    packages[target] = {
      version,
      cpu: [match[2]],
      dev: entry.dev ?? false,
      optional: true,
      os: [{ darwin: "darwin", linux: "linux", windows: "win32" }[match[1]]],
      ...(match[4] ? { libc: ["musl"] } : {}),
    };
    added.push(name);
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : a > b ? 1 : 0)));
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(added.length > 0 ? `added lock entries: ${added.join(", ")}` : "package-lock.json already lists every platform package");
