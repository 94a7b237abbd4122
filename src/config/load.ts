import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { z } from "zod";
import { PilotError, errnoCode } from "../util/errors.js";
import { configSchema, type PilotConfig } from "./schema.js";
import { resolvePaths, type PilotPaths } from "./paths.js";

/**
 * Loads the effective configuration. Precedence, highest first: flags, `PILOT_*` env
 * variables, the project's `.pilot/config.yaml`, the user file (`--config`, `$PILOT_CONFIG`
 * or `$PILOT_HOME/config.yaml`), then the schema's defaults.
 *
 * Every value remembers which layer set it, so a validation error names the field path
 * and the file (or env variable) it came from. Nothing is written here.
 */

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** `--config FILE`: replaces the user file; must exist. */
  configFile?: string;
  /** The project directory whose `.pilot/config.yaml` applies. */
  projectDir?: string;
  /** Values from command-line flags, already shaped like the config. */
  flags?: Record<string, unknown>;
}

export interface LoadedConfig {
  config: PilotConfig;
  paths: PilotPaths;
  /** The layers that contributed, lowest precedence first (for `pilot config --print`). */
  sources: string[];
}

type Plain = Record<string, unknown>;

interface Layer {
  label: string;
  values: Plain;
}

export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const paths = resolvePaths(env);
  const layers: Layer[] = [];

  const explicitFile = options.configFile ?? (env.PILOT_CONFIG && env.PILOT_CONFIG.length > 0 ? env.PILOT_CONFIG : undefined);
  const userFile = explicitFile ? resolve(explicitFile) : paths.configFile;
  const user = await readYamlFile(userFile, explicitFile !== undefined);
  if (user) layers.push({ label: userFile, values: user });

  if (options.projectDir) {
    const projectFile = join(resolve(options.projectDir), ".pilot", "config.yaml");
    const project = await readYamlFile(projectFile, false);
    if (project) layers.push({ label: projectFile, values: project });
  }

  layers.push(...(await envLayers(env)));
  if (options.flags && Object.keys(options.flags).length > 0) layers.push({ label: "command-line flags", values: options.flags });

  const origins = new Map<string, string>();
  const merged: Plain = {};
  for (const layer of layers) mergeInto(merged, layer.values, [], layer.label, origins);

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) throw configError(parsed.error, origins, merged);
  return { config: deepFreeze(parsed.data), paths, sources: layers.map((l) => l.label) };
}

/** The YAML parser, loaded only when there is YAML to read (most runs on defaults have none). */
const yaml = () => import("../util/yaml.js");

async function readYamlFile(file: string, mustExist: boolean): Promise<Plain | undefined> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    // Absent (or under a PILOT_HOME that is not a directory, which the store reports): defaults.
    if (!mustExist && (errnoCode(error) === "ENOENT" || errnoCode(error) === "ENOTDIR")) return undefined;
    const reason = errnoCode(error) === "ENOENT" ? "file not found" : (error as Error).message;
    throw new PilotError("config", `config file ${file}: ${reason}`, { cause: error });
  }
  const { parseYaml, YAMLParseError } = await yaml();
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` (line ${error.linePos[0].line}, column ${error.linePos[0].col})` : "";
    // The yaml library ends its first line with " at line L, column C:" and a code excerpt below.
    const message = (error instanceof Error ? error.message.split("\n")[0]! : String(error)).replace(/ at line \d+, column \d+:?$/, "");
    throw new PilotError("config", `config file ${file}${where}: invalid YAML: ${message}`, { cause: error });
  }
  if (value === null || value === undefined) return undefined; // an empty file
  if (!isPlain(value)) throw new PilotError("config", `config file ${file}: expected a mapping of keys at the top level`);
  return value;
}

/**
 * `PILOT_<KEY>__<KEY>…=value` sets a key: segments match config keys case-insensitively with
 * `_` and `-` treated alike (`PILOT_DEFAULT_BACKEND`, `PILOT_BACKENDS__CLAUDE_CODE__BINARY`);
 * below a map (`…__ENV__IS_SANDBOX`) the segment is the key exactly as written. Values are
 * YAML scalars (numbers, booleans, `null`), except where the config expects text, which
 * takes the value as it is. `PILOT_HOME` and `PILOT_CONFIG` say where config lives;
 * `PILOT_LOG_LEVEL` is a shortcut for `PILOT_LOG__LEVEL`. An unknown nested key is an
 * error; a single-segment `PILOT_*` variable that names no key is not pilot's and is ignored.
 */
async function envLayers(env: NodeJS.ProcessEnv): Promise<Layer[]> {
  const layers: Layer[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (raw === undefined || !name.startsWith("PILOT_") || name === "PILOT_HOME" || name === "PILOT_CONFIG") continue;
    if (name === "PILOT_LOG_LEVEL") {
      layers.push({ label: `env PILOT_LOG_LEVEL`, values: { log: { level: raw } } });
      continue;
    }
    const segments = name.slice("PILOT_".length).split("__");
    const target = resolveEnvPath(segments);
    if (!target) {
      if (segments.length === 1) continue;
      throw new PilotError("config", `env ${name}: no config key ${segments.join(".").toLowerCase()}`);
    }
    let value: unknown = raw;
    if (!target.text) {
      try {
        value = (await yaml()).parseYaml(raw);
      } catch {
        value = raw;
      }
    }
    layers.push({ label: `env ${name}`, values: nest(target.path, value) });
  }
  return layers;
}

interface ShapeInfo {
  type: string | undefined;
  shape?: Record<string, z.ZodType>;
  valueType?: z.ZodType;
}

/** The kind of schema below defaults, optionals and nullables. */
function describe(schema: z.ZodType | undefined): ShapeInfo {
  let current: unknown = schema;
  for (let i = 0; i < 8 && current; i++) {
    const def = (current as { def?: { type?: string; innerType?: unknown; shape?: Record<string, z.ZodType>; valueType?: z.ZodType } }).def;
    if (!def) break;
    if (def.type === "default" || def.type === "optional" || def.type === "nullable" || def.type === "prefault") {
      current = def.innerType;
      continue;
    }
    return { type: def.type, ...(def.shape ? { shape: def.shape } : {}), ...(def.valueType ? { valueType: def.valueType } : {}) };
  }
  return { type: undefined };
}

function resolveEnvPath(segments: string[]): { path: string[]; text: boolean } | undefined {
  const path: string[] = [];
  let schema: z.ZodType | undefined = configSchema;
  for (const segment of segments) {
    const info = describe(schema);
    if (info.type === "record") {
      path.push(segment);
      schema = info.valueType;
      continue;
    }
    if (info.type !== "object" || !info.shape) return undefined;
    const wanted = normalizeKey(segment);
    const match = Object.keys(info.shape).find((key) => normalizeKey(key) === wanted);
    if (!match) return undefined;
    path.push(match);
    schema = info.shape[match];
  }
  return { path, text: describe(schema).type === "string" || describe(schema).type === "enum" };
}

const normalizeKey = (key: string) => key.toLowerCase().replace(/-/g, "_");

function nest(path: string[], value: unknown): Plain {
  const root: Plain = {};
  let node = root;
  path.forEach((key, index) => {
    if (index === path.length - 1) node[key] = value;
    else node = node[key] = {} as Plain;
  });
  return root;
}

function mergeInto(target: Plain, source: Plain, path: string[], label: string, origins: Map<string, string>): void {
  for (const [key, value] of Object.entries(source)) {
    const here = [...path, key];
    if (isPlain(value) && isPlain(target[key])) {
      mergeInto(target[key] as Plain, value, here, label, origins);
      continue;
    }
    target[key] = isPlain(value) ? structuredClone(value) : value;
    recordOrigins(value, here, label, origins);
  }
}

function recordOrigins(value: unknown, path: string[], label: string, origins: Map<string, string>): void {
  origins.set(path.join("."), label);
  if (isPlain(value)) for (const [key, child] of Object.entries(value)) recordOrigins(child, [...path, key], label, origins);
}

function configError(error: z.ZodError, origins: Map<string, string>, merged: Plain): PilotError {
  const lines = error.issues.map((issue) => {
    const unknownKeys = issue.code === "unrecognized_keys" ? issue.keys : [];
    const base = issue.path.map(String);
    const fieldPath = unknownKeys.length === 1 ? [...base, unknownKeys[0] as string] : base;
    const field = fieldPath.length > 0 ? fieldPath.join(".") : "(top level)";
    const source = originOf(fieldPath, origins);
    const message =
      issue.code === "unrecognized_keys"
        ? `unknown key${unknownKeys.length > 1 ? `s ${unknownKeys.join(", ")}` : ""}`
        : `${issue.message}${describeValue(valueAt(merged, fieldPath))}`;
    return `${field}: ${message}${source ? ` (in ${source})` : ""}`;
  });
  return new PilotError("config", `invalid configuration: ${lines.join("; ")}`);
}

function valueAt(root: Plain, path: string[]): unknown {
  let node: unknown = root;
  for (const key of path) node = isPlain(node) ? node[key] : undefined;
  return node;
}

function describeValue(value: unknown): string {
  if (value === undefined) return "";
  const text = JSON.stringify(value);
  return text === undefined ? "" : `, got ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

function originOf(path: string[], origins: Map<string, string>): string | undefined {
  for (let length = path.length; length > 0; length--) {
    const origin = origins.get(path.slice(0, length).join("."));
    if (origin) return origin;
  }
  return undefined;
}

function isPlain(value: unknown): value is Plain {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
