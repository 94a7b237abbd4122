import { startSimulator } from "../../sim/server.js";
import { SCENARIO_NAMES } from "../../sim/scenarios.js";

/** `pilot sim`: the simulator in the foreground, one line per request on stderr. */
export async function simCommand(options: { port?: number }): Promise<number> {
  const sim = await startSimulator({
    port: options.port ?? 0,
    onRequest: (r) => process.stderr.write(`${new Date(r.at).toISOString()} ${r.method} ${r.path} scenario=${r.scenario}${r.model ? ` model=${r.model}` : ""} -> ${r.status}\n`),
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
