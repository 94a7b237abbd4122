import type { BackendRun, StartContext } from "../backend.js";
import { spawnBackend } from "../../executor/process.js";
import type { SideRecord } from "../../executor/recording.js";
import { coerceError } from "../../util/errors.js";

/**
 * `opencode serve`, one server per pilot execution. Why not one per daemon: the server's
 * configuration (provider, model, OPENCODE_CONFIG_CONTENT) and working directory are per
 * run, a stuck or crashed session cannot affect other runs, and every event on its stream
 * belongs to this run. The cost is the server's start (~1 s) per run.
 *
 * Sequence: start on 127.0.0.1 port 0 and read the port it prints; subscribe to
 * `GET /event` BEFORE anything else, so no event of the session is missed; `POST /session`;
 * `POST /session/:id/prompt_async`. The SSE bytes are the run's output. The executor calls
 * `complete()` when the parser sees the session go idle. If the stream goes quiet for
 * `quiet_timeout_s`, the session's messages are read instead (a server version has been
 * seen that sent nothing after `server.connected`). Cancel: `POST /session/:id/abort`,
 * then the server's process group is stopped.
 */

const LISTEN_TIMEOUT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 30_000;

export interface ServeOptions {
  env: Record<string, string>;
  extendEnv: boolean;
  provider: string;
  model: string;
  quietTimeoutS: number;
}

export async function startServe(ctx: StartContext, options: ServeOptions): Promise<BackendRun> {
  const proc = spawnBackend(ctx.binary, ["serve", "--hostname", "127.0.0.1", "--port", "0"], { cwd: ctx.projectDir, env: options.env, extendEnv: options.extendEnv });
  const graceMs = ctx.config.limits.kill_grace_s * 1000;
  const notes: string[] = [];
  const stderrTail = () => [proc.stderrTail().trim(), ...notes].filter((s) => s.length > 0).join("\n");
  const events = new AbortController();
  let sessionId: string | null = null;
  let completed = false;
  let messagesFallback: unknown = null;

  const stopServer = async () => {
    events.abort();
    await proc.stop(graceMs);
  };
  const request = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`${method} ${path} answered HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`);
    return response;
  };

  let base = "";
  let stream: ReadableStream<Uint8Array> | null = null;
  // A stop while the server comes up or the session is created ends the start at once.
  let onStartAbort = () => {};
  const startAborted = new Promise<never>((_, reject) => {
    onStartAbort = () => reject(new Error(`stopped (${String(ctx.signal.reason)}) before the session started`));
    if (ctx.signal.aborted) onStartAbort();
    else ctx.signal.addEventListener("abort", onStartAbort, { once: true });
  });
  startAborted.catch(() => undefined);
  try {
    const session = startSession();
    session.catch(() => undefined); // when the stop won the race, its own failure is no news
    await Promise.race([session, startAborted]);
  } catch (error) {
    notes.push(`pilot: opencode serve: ${coerceError(error).message}`);
    if (ctx.signal.aborted) ctx.log.info("opencode serve stopped before the session started");
    else ctx.log.warn({ err: coerceError(error) }, "opencode serve did not start the session");
    await stopServer();
    stream = null;
  } finally {
    ctx.signal.removeEventListener("abort", onStartAbort);
  }

  async function startSession(): Promise<void> {
    base = await listeningUrl(proc);
    // Subscribe first: the session's events start with its creation.
    const subscription = await fetch(`${base}/event`, { headers: { accept: "text/event-stream" }, signal: events.signal });
    if (!subscription.ok || !subscription.body) throw new Error(`GET /event answered HTTP ${subscription.status}`);
    if (ctx.signal.aborted) throw new Error("stopped before the session started");
    stream = subscription.body;
    const session = (await (await request("POST", "/session", {})).json()) as { id?: unknown };
    if (typeof session.id !== "string") throw new Error("POST /session returned no session id");
    sessionId = session.id;
    await request("POST", `/session/${sessionId}/prompt_async`, { parts: [{ type: "text", text: ctx.prompt }], model: { providerID: options.provider, modelID: options.model } });
  }

  let lastChunkAt = Date.now();
  let polling = false;
  const quietMs = options.quietTimeoutS * 1000;
  const watchdog = setInterval(() => {
    if (completed || polling || sessionId === null || Date.now() - lastChunkAt < quietMs) return;
    polling = true;
    void (async () => {
      try {
        const messages: unknown = await (await request("GET", `/session/${sessionId}/message`)).json();
        if (lastAssistantDone(messages)) {
          ctx.log.warn({ quietSeconds: options.quietTimeoutS }, "opencode's event stream went quiet; took the session's final numbers from its messages");
          messagesFallback = messages;
          complete();
        }
      } catch (error) {
        ctx.log.debug({ err: coerceError(error) }, "cannot read the session's messages yet");
      } finally {
        polling = false;
        lastChunkAt = Date.now();
      }
    })();
  }, Math.min(1000, quietMs));
  watchdog.unref();

  const complete = () => {
    completed = true;
    events.abort();
  };

  async function* output(): AsyncGenerator<Uint8Array> {
    if (!stream) return;
    const reader = stream.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        lastChunkAt = Date.now();
        yield value;
      }
    } catch (error) {
      if (!events.signal.aborted) notes.push(`pilot: opencode event stream failed: ${coerceError(error).message}`);
    } finally {
      clearInterval(watchdog);
      // The run is over (or its stream is): the server has nothing more to do.
      await stopServer();
    }
  }

  return {
    pid: proc.pid,
    output: output(),
    stderrTail,
    exited: proc.exited,
    complete,
    async stop() {
      if (sessionId !== null && base) await request("POST", `/session/${sessionId}/abort`).catch(() => undefined);
      clearInterval(watchdog);
      await stopServer();
    },
    async collectSide(): Promise<SideRecord[]> {
      return messagesFallback === null ? [] : [{ pilot_side: "opencode_messages", session: sessionId, messages: messagesFallback }];
    },
  };
}

/** The URL `opencode serve` prints once it listens ("opencode server listening on http://127.0.0.1:P"). */
function listeningUrl(proc: ReturnType<typeof spawnBackend>): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`not listening after ${LISTEN_TIMEOUT_MS / 1000} s`)), LISTEN_TIMEOUT_MS);
    proc.stdout.on("data", (chunk: Buffer) => {
      seen = (seen + chunk.toString("utf8")).slice(-4096);
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void proc.exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (code ${exit.exitCode ?? exit.signal ?? "?"}) before it listened`));
    });
  });
}

function lastAssistantDone(messages: unknown): boolean {
  if (!Array.isArray(messages)) return false;
  for (let i = messages.length - 1; i >= 0; i--) {
    const info = (messages[i] as { info?: { role?: unknown; time?: { completed?: unknown } } } | null)?.info;
    if (info?.role === "assistant") return info.time?.completed !== undefined && info.time.completed !== null;
  }
  return false;
}
