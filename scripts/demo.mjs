// `npm run demo`: pilot's main job on the embedded defaults. A task file goes through the
// real Claude Code CLI (the pinned devDependency) against pilot's loopback model simulator;
// the agent edits a file in a demo project; the execution lands in SQLite with its exact
// tokens, cost and model. Then the same task on Codex and OpenCode. Nothing leaves 127.0.0.1
// and nothing is billed.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const home = join(root, ".pilot-demo");
const project = join(home, "project");
const pilot = join(root, "dist", "pilot.js");

rmSync(project, { recursive: true, force: true });
mkdirSync(join(project, "tasks"), { recursive: true });
writeFileSync(join(project, "README.md"), "# demo project\n");
const taskFile = join(project, "tasks", "add-note.md");
writeFileSync(taskFile, "---\nid: demo-add-note\n---\n# Add a note\n\nCreate PILOT_SIM.md in the project root saying who wrote it.\n");

// Info logs repeat what the summary says; keep the demo's output to the summary and warnings.
const env = { ...process.env, PILOT_HOME: home, PILOT_LOG_LEVEL: process.env.PILOT_LOG_LEVEL ?? "warn" };
const run = (args, options = {}) => spawnSync(process.execPath, [pilot, ...args], { env, stdio: "inherit", ...options });
// Bold on a terminal only: a log file or CI output gets plain text.
const say = (text) => process.stdout.write(process.stdout.isTTY ? `\n\x1b[1m${text}\x1b[0m\n` : `\n${text}\n`);

say(`$ pilot run ${relative(root, taskFile)} --sim --sim-scenario write   (PILOT_HOME=${relative(root, home)})`);
const result = run(["run", taskFile, "--project", project, "--sim", "--sim-scenario", "write"]);
if (result.status !== 0) {
  process.stderr.write(`\ndemo: pilot run exited with ${result.status}\n`);
  process.exit(result.status ?? 1);
}

say("The agent's edit, in the demo project:");
process.stdout.write(`  ${join(relative(root, project), "PILOT_SIM.md")}: ${readFileSync(join(project, "PILOT_SIM.md"), "utf8")}`);

for (const backend of ["codex", "opencode"]) {
  say(`$ pilot run ${relative(root, taskFile)} --backend ${backend} --sim --sim-scenario write`);
  const other = run(["run", taskFile, "--project", project, "--backend", backend, "--sim", "--sim-scenario", "write"]);
  if (other.status !== 0) {
    process.stderr.write(`\ndemo: pilot run --backend ${backend} exited with ${other.status}\n`);
    process.exit(other.status ?? 1);
  }
}

say("$ pilot executions --limit 3");
run(["executions", "--limit", "3"]);

const latest = spawnSync(process.execPath, [pilot, "executions", "--limit", "3", "--json"], { env, encoding: "utf8" });
const execution = JSON.parse(latest.stdout).find((e) => e.backend === "claude-code");
say(`$ pilot show ${execution.id} --json   (abridged)`);
const { id, status, model_name, model_source, tokens, cost_usd, cost_reported_usd, telemetry_status, recording } = execution;
process.stdout.write(`${JSON.stringify({ id, status, model_name, model_source, tokens, cost_usd, cost_reported_usd, telemetry_status, recording }, null, 2)}\n`);

say("Try more:");
process.stdout.write(
  [
    `  PILOT_HOME=${relative(root, home)} npx pilot run --sim --sim-scenario tooluse --prompt "read the README"`,
    `  PILOT_HOME=${relative(root, home)} npx pilot run --sim --sim-scenario http500 --prompt "fail please"`,
    `  PILOT_HOME=${relative(root, home)} npx pilot show ${execution.id}`,
    "",
  ].join("\n"),
);
