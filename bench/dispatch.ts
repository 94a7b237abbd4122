import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configSchema } from "../src/config/schema.js";
import { resolvePaths } from "../src/config/paths.js";
import { enqueueTask } from "../src/dispatch/enqueue.js";
import { runDaemon } from "../src/dispatch/daemon.js";
import { closeDb, openDb } from "../src/store/db.js";
import { loadPriceTable } from "../src/telemetry/pricing.js";
import { silentLogger } from "../src/util/logger.js";

/**
 * Dispatch throughput with the `noop` backend: `tasks` items enqueued (one project each, so
 * the one-per-project rule does not serialise them), then the real daemon loop claims each in
 * its own transaction (inserting the execution row), runs it through the executor (recording
 * file, outcome, the one metrics writer) and settles the queue item. The clock runs from the
 * first enqueue to the last item `done`.
 */
export async function measureDispatch(tasks: number, concurrency: number): Promise<{ tasks: number; concurrency: number; enqueueSeconds: number; seconds: number; perSecond: number; done: number }> {
  await loadPriceTable();
  const home = mkdtempSync(join(tmpdir(), "pilot-bench-dispatch-"));
  const paths = resolvePaths({ PILOT_HOME: home });
  const db = openDb(paths.database);
  const config = configSchema.parse({ default_backend: "noop", dispatch: { concurrency, poll_interval_ms: 50 } });
  const projects = Array.from({ length: tasks }, (_, i) => join(home, "projects", `p${i}`));
  for (const p of projects) mkdirSync(p, { recursive: true });
  try {
    const started = performance.now();
    for (let i = 0; i < tasks; i++) {
      await enqueueTask(db, {
        task: { ref: `bench-${i}`, source: "prompt", title: null, prompt: "nothing to do" },
        project: projects[i]!,
        backend: "noop",
        model: null,
        priority: 0,
        maxAttempts: 1,
        budget: { usd: null, tokens: null },
        timeoutS: null,
        sim: false,
        simScenario: null,
        now: Date.now(),
      });
    }
    const enqueueSeconds = (performance.now() - started) / 1000;
    const stop = new AbortController();
    const countDone = db.$client.prepare("SELECT count(*) AS n FROM queue WHERE state IN ('done', 'failed')");
    const daemon = runDaemon({ db, config, paths, logger: silentLogger(), env: {}, sim: false, project: home, stop: stop.signal });
    let done = 0;
    while (done < tasks) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      done = (countDone.get() as { n: number }).n;
    }
    const seconds = (performance.now() - started) / 1000;
    stop.abort();
    await daemon;
    const completed = (db.$client.prepare("SELECT count(*) AS n FROM executions WHERE status = 'completed'").get() as { n: number }).n;
    return { tasks, concurrency, enqueueSeconds, seconds, perSecond: tasks / seconds, done: completed };
  } finally {
    closeDb(db);
    rmSync(home, { recursive: true, force: true });
  }
}
