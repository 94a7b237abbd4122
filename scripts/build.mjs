// Bundles the `pilot` CLI into dist/ with esbuild: one file to load instead of hundreds of
// small modules, so `pilot --help` and the start of `pilot run` stay fast. Dynamic imports
// (command modules, the price table) become chunks loaded only when needed.
// Type checking is `npm run typecheck` (tsc), not part of this step.
import { rmSync } from "node:fs";
import { build } from "esbuild";

rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { pilot: "src/cli/main.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  chunkNames: "chunks/[name]-[hash]",
  sourcemap: true,
  // A native addon, a pretty-printer required only on a terminal, and the tokenizer (30 MB
  // of data) loaded only to estimate a run that reported no usage: all resolved from
  // node_modules at run time.
  external: ["better-sqlite3", "pino-pretty", "gpt-tokenizer"],
  // Some bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: { js: 'import { createRequire as __pilotCreateRequire } from "node:module"; const require = __pilotCreateRequire(import.meta.url);' },
  logLevel: "warning",
});
