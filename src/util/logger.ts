import { createRequire } from "node:module";
import { pino, type Logger, type DestinationStream, type LoggerOptions } from "pino";
import { PilotError } from "./errors.js";

export type { Logger };

/** Keys whose values are secrets wherever they appear in a log object. */
const SECRET_KEYS = [
  "apiKey",
  "api_key",
  "token",
  "accessToken",
  "access_token",
  "authorization",
  "Authorization",
  "password",
  "secret",
  "x-api-key",
  "GITHUB_TOKEN",
  "ANTHROPIC_API_KEY",
  "ANTHROPIC_AUTH_TOKEN",
  "OPENAI_API_KEY",
  "CODEX_API_KEY",
  "OPENCODE_SERVER_PASSWORD",
];

function redactPaths(): string[] {
  const paths: string[] = [];
  for (const key of SECRET_KEYS) {
    const quoted = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
    const join = (prefix: string) => (quoted.startsWith("[") ? `${prefix}${quoted}` : `${prefix}.${quoted}`);
    paths.push(quoted, join("*"), join("*.*"));
  }
  return paths;
}

/**
 * Secrets that slip into free text (an error message quoting a header, a URL with a token)
 * are masked too. Patterns: Anthropic/OpenAI keys (`sk-…`), GitHub tokens (`ghp_…`,
 * `github_pat_…`), and bearer headers.
 */
const SECRET_TEXT = /\b(sk-[A-Za-z0-9_-]{8,}|gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,})|(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g;

export function scrubSecrets(text: string): string {
  return text.replace(SECRET_TEXT, (_match, _key: string | undefined, bearer: string | undefined) => (bearer ? `${bearer}[redacted]` : "[redacted]"));
}

/** Free text from outside (CLI output, issue titles) can carry terminal control sequences. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export interface LoggerSetup {
  level?: string;
  /** JSON lines to this file instead of the default stream. */
  file?: string | null;
  /** Where logs go when no file is set: stderr for one-shot commands, stdout for the daemon. */
  fd?: 1 | 2;
  /** Pretty output; defaults to "is the target a terminal". */
  pretty?: boolean;
  /** For pretty output: write through this instead of the fd (a live status line does). */
  prettyStream?: NodeJS.WritableStream;
}

export function createLogger(setup: LoggerSetup = {}): Logger {
  const fd = setup.fd ?? 2;
  const options: LoggerOptions = {
    level: setup.level ?? "info",
    base: undefined,
    redact: { paths: redactPaths(), censor: "[redacted]" },
    hooks: {
      // Free-text arguments are scrubbed; objects are covered by `redact`.
      logMethod(args, method) {
        const cleaned = args.map((arg) => (typeof arg === "string" ? scrubSecrets(arg).replace(CONTROL, "?") : arg));
        method.apply(this, cleaned as Parameters<typeof method>);
      },
    },
    serializers: {
      err: (err: unknown) => {
        const serialized = pino.stdSerializers.err(err as Error);
        if (typeof serialized.message === "string") serialized.message = scrubSecrets(serialized.message);
        if (typeof serialized.stack === "string") serialized.stack = scrubSecrets(serialized.stack);
        return serialized;
      },
    },
  };
  return pino(options, destinationFor(setup, fd));
}

function destinationFor(setup: LoggerSetup, fd: 1 | 2): DestinationStream {
  if (setup.file) {
    try {
      return pino.destination({ dest: setup.file, sync: true, mkdir: true });
    } catch (error) {
      throw new PilotError("config", `log.file ${setup.file}: cannot write to it (${(error as Error).message})`, { cause: error });
    }
  }
  const isTty = fd === 2 ? process.stderr.isTTY : process.stdout.isTTY;
  if (setup.pretty ?? isTty) return prettyStream(setup.prettyStream ?? fd);
  // Synchronous writes: an asynchronous destination can lose the last lines at exit.
  return pino.destination({ dest: fd, sync: true });
}

function prettyStream(destination: 1 | 2 | NodeJS.WritableStream): DestinationStream {
  // Loaded only on a terminal, so non-interactive runs never pay for it.
  const require = createRequire(import.meta.url);
  const pretty = require("pino-pretty") as (opts: Record<string, unknown>) => DestinationStream;
  return pretty({ destination, sync: true, colorize: true, singleLine: true, ignore: "pid,hostname", translateTime: "HH:MM:ss" });
}

/** A logger that drops everything, for library use and tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
