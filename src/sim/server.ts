import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { answerMessages, readMessagesCall } from "./anthropic.js";
import type { Handling } from "./http.js";
import { answerChat, answerResponses, readChatCall, readResponsesCall } from "./openai.js";
import { parseScenario, type Scenario } from "./scenarios.js";

/**
 * The loopback model simulator: an HTTP server on 127.0.0.1 that answers model API calls
 * with scripted replies and exact, distinctive usage numbers. Used by `pilot run --sim`,
 * `pilot sim` and the conformance tests; it never forwards anything anywhere.
 *
 * Routing: `/s/<scenario>/<api path>` picks a scenario for that base URL;
 * `/r/<run key>/<api path>` uses a run registered with `registerRun` (scenario and the
 * agent's working directory); anything else is scenario `ok`.
 */

export interface SimRequestRecord {
  at: number;
  method: string;
  path: string;
  scenario: string;
  runKey: string | null;
  model: string | null;
  stream: boolean | null;
  status: number;
}

export interface SimRunOptions {
  scenario: string;
  cwd?: string | null;
}

export interface Simulator {
  url: string;
  port: number;
  /** Base URL for a registered run: `http://127.0.0.1:PORT/r/<key>`. */
  registerRun(key: string, options: SimRunOptions): string;
  requests: SimRequestRecord[];
  close(): Promise<void>;
}

export interface StartSimulatorOptions {
  port?: number;
  /** Called for each request (the foreground `pilot sim` logs them). */
  onRequest?: (record: SimRequestRecord) => void;
}

interface RunEntry {
  scenario: Scenario;
  cwd: string | null;
  /** Calls seen per model: "first N calls" scenarios count per model. */
  calls: Map<string, number>;
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** The model APIs the simulator speaks, by path (after an optional `/s/…` or `/r/…` prefix). */
const API_ROUTES: Record<string, "messages" | "responses" | "chat"> = {
  "/v1/messages": "messages",
  "/v1/responses": "responses",
  "/v1/chat/completions": "chat",
};

export async function startSimulator(options: StartSimulatorOptions = {}): Promise<Simulator> {
  const runs = new Map<string, RunEntry>();
  const requests: SimRequestRecord[] = [];
  const hanging = new Set<ServerResponse>();

  const entryFor = (prefix: "s" | "r", key: string): RunEntry | undefined => {
    const id = `${prefix}:${key}`;
    const existing = runs.get(id);
    if (existing) return existing;
    if (prefix === "r") return undefined;
    const scenario = parseScenario(key);
    if (!scenario) return undefined;
    const entry: RunEntry = { scenario, cwd: null, calls: new Map() };
    runs.set(id, entry);
    return entry;
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ type: "error", error: { type: "api_error", message: `simulator failure: ${String(error)}` } }));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const route = /^\/(s|r)\/([^/]+)(\/.*)?$/.exec(url.pathname);
    const prefix = (route?.[1] as "s" | "r" | undefined) ?? "s";
    const key = route ? decodeURIComponent(route[2]!) : "ok";
    const path = route ? route[3] ?? "/" : url.pathname;
    const record: SimRequestRecord = { at: Date.now(), method: req.method ?? "GET", path, scenario: key, runKey: prefix === "r" ? key : null, model: null, stream: null, status: 0 };
    const finish = (status: number) => {
      record.status = status;
      requests.push(record);
      options.onRequest?.(record);
    };

    const entry = entryFor(prefix, key);
    if (!entry) {
      finish(404);
      return json(res, 404, { type: "error", error: { type: "not_found_error", message: `unknown simulator ${prefix === "r" ? "run" : "scenario"} ${key}` } });
    }
    record.scenario = entry.scenario.name;
    if (req.method === "HEAD") {
      finish(200);
      res.writeHead(200).end();
      return;
    }
    const api = req.method === "POST" ? API_ROUTES[path] : undefined;
    if (api) {
      const body = await readJson(req);
      if (body === undefined) {
        finish(400);
        return json(res, 400, { type: "error", error: { type: "invalid_request_error", message: "request body is not a JSON object (simulator)" } });
      }
      const call = api === "messages" ? readMessagesCall(body, entry.cwd) : api === "responses" ? readResponsesCall(body, entry.cwd) : readChatCall(body, entry.cwd);
      const index = entry.calls.get(call.model) ?? 0;
      entry.calls.set(call.model, index + 1);
      record.model = call.model;
      record.stream = call.stream;
      const how: Handling = {
        misbehave: entry.scenario.firstN === undefined || index < entry.scenario.firstN,
        onHang: (response) => {
          hanging.add(response);
          response.on("close", () => hanging.delete(response));
        },
      };
      if (api === "messages") answerMessages(req, res, entry.scenario, call, how);
      else if (api === "responses") answerResponses(req, res, entry.scenario, call, how);
      else answerChat(req, res, entry.scenario, readChatCall(body, entry.cwd), how);
      finish(res.statusCode);
      return;
    }
    if (req.method === "GET" && path === "/") {
      finish(200);
      return json(res, 200, { simulator: "pilot", scenario: entry.scenario.name });
    }
    finish(404);
    json(res, 404, { type: "error", error: { type: "not_found_error", message: `simulator: no route ${req.method} ${path}` } });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    port,
    requests,
    registerRun(key, runOptions) {
      const scenario = parseScenario(runOptions.scenario);
      if (!scenario) throw new Error(`unknown simulator scenario ${runOptions.scenario}`);
      runs.set(`r:${key}`, { scenario, cwd: runOptions.cwd ?? null, calls: new Map() });
      return `${url}/r/${encodeURIComponent(key)}`;
    },
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error("request body too large");
    chunks.push(chunk as Buffer);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
