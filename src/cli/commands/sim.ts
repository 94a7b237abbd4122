import { startSimulator } from "../../sim/server.js";
import { SCENARIO_NAMES } from "../../sim/scenarios.js";
import { errnoCode, PilotError } from "../../util/errors.js";

/** `pilot sim`: the simulator in the foreground, one line per request on stderr. */
export async function simCommand(options: { port?: number }): Promise<number> {
  const port = options.port ?? 0;
  const sim = await startSimulator({
    port,
    onRequest: (r) => process.stderr.write(`${new Date(r.at).toISOString()} ${r.method} ${r.path} scenario=${r.scenario}${r.model ? ` model=${r.model}` : ""} -> ${r.status}\n`),
  }).catch((error: unknown) => {
    const code = errnoCode(error);
    if (code === "EADDRINUSE") throw new PilotError("usage", `--port ${port}: already in use on 127.0.0.1`);
    if (code === "EACCES") throw new PilotError("usage", `--port ${port}: not allowed (ports below 1024 need privileges)`);
    throw error;
  });
  process.stdout.write(
    [
      `pilot simulator listening on ${sim.url}`,
      `  Anthropic base URL: ${sim.url}  (scenario ok)`,
      `  other scenarios:    ${sim.url}/s/<scenario>  (${SCENARIO_NAMES.join(", ")})`,
      `  try: ANTHROPIC_BASE_URL=${sim.url} ANTHROPIC_API_KEY=dummy claude -p "say done"`,
      "",
    ].join("\n"),
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await sim.close();
  return 0;
}
