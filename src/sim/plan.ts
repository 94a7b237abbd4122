import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { usageFor, type Scenario, type SimUsage, type UsageTable } from "./scenarios.js";

/**
 * What the simulated model answers to one call, whatever the API: text and tool calls, the
 * usage, and whether the call hangs. Each API module turns a request into a `ModelCall` and
 * renders the `Reply` in its own wire format.
 */

export interface ModelCall {
  model: string;
  stream: boolean;
  /** The conversation's last turn answers a tool call: this is the follow-up call. */
  followUp: boolean;
  /** Working directory of the agent, when known (for tool paths). */
  cwd: string | null;
  /** Names of the tools the client offered. */
  tools: string[];
}

export type ReplyBlock = { type: "text"; text: string } | { type: "tool"; id: string; name: string; input: Record<string, unknown> };

export interface Reply {
  blocks: ReplyBlock[];
  usage: SimUsage;
  /** Stop after the first event and keep the connection open (a call that never finishes). */
  hang?: boolean;
}

export const SIM_FILE_NAME = "PILOT_SIM.md";
export const SIM_FILE_CONTENT = "Written by the pilot model simulator.\n";

export function planReply(scenario: Scenario, call: ModelCall, usage: UsageTable): Reply {
  const done: Reply = { blocks: [{ type: "text", text: "done" }], usage: usageFor(usage, call.model, call.followUp) };
  const withTool = (tool: { name: string; input: Record<string, unknown> } | null, say: string): Reply =>
    tool ? { blocks: [{ type: "text", text: say }, { type: "tool", id: hex(8), ...tool }], usage: done.usage } : done;
  switch (scenario.kind) {
    case "tooluse":
      return call.followUp ? done : withTool(readTool(call), "Let me check.");
    case "write":
      return call.followUp ? done : withTool(writeTool(call), "Writing the file.");
    case "stall":
      return call.followUp ? { ...done, hang: true } : withTool(readTool(call), "Let me check.");
    default:
      return done;
  }
}

/** A tool call reading the project's README, in the dialect of the client that offered the tools. */
function readTool(call: ModelCall): { name: string; input: Record<string, unknown> } | null {
  const file = inProject(call, "README.md");
  if (call.tools.includes("Read")) return { name: "Read", input: { file_path: file } }; // Claude Code
  if (call.tools.includes("read")) return { name: "read", input: { filePath: file } }; // OpenCode
  if (call.tools.includes("exec_command")) return { name: "exec_command", input: { cmd: "cat README.md" } }; // Codex
  if (call.tools.includes("bash")) return { name: "bash", input: { command: "cat README.md", description: "Read the README" } };
  // No tools offered (Codex on a model it has no metadata for): a tool call it cannot answer.
  return call.tools.length === 0 ? null : { name: call.tools[0]!, input: {} };
}

function writeTool(call: ModelCall): { name: string; input: Record<string, unknown> } | null {
  const file = inProject(call, SIM_FILE_NAME);
  if (call.tools.includes("Write")) return { name: "Write", input: { file_path: file, content: SIM_FILE_CONTENT } };
  if (call.tools.includes("write")) return { name: "write", input: { filePath: file, content: SIM_FILE_CONTENT } };
  if (call.tools.includes("exec_command")) return { name: "exec_command", input: { cmd: `printf '%s' '${SIM_FILE_CONTENT.trim()}' > ${SIM_FILE_NAME}` } };
  return readTool(call);
}

function inProject(call: ModelCall, file: string): string {
  return call.cwd ? join(call.cwd, file) : file;
}

export function hex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}

/** Text of a system prompt given as a string or as content blocks. */
export function systemText(system: unknown): string {
  if (typeof system === "string") return system;
  if (Array.isArray(system)) return system.map((s) => (typeof s === "object" && s !== null ? String((s as { text?: unknown }).text ?? "") : "")).join("\n");
  return "";
}

/** The agent's working directory, as Claude Code and OpenCode state it in their system prompts. */
export function workingDirectoryFrom(text: string): string | null {
  const match = /working directory:\s*(\/[^\n<]*)/i.exec(text);
  return match ? match[1]!.trim() : null;
}

export function toolNames(tools: unknown): string[] {
  if (!Array.isArray(tools)) return [];
  return tools
    .map((t) => {
      if (typeof t !== "object" || t === null) return null;
      const tool = t as { name?: unknown; function?: { name?: unknown } };
      return typeof tool.name === "string" ? tool.name : typeof tool.function?.name === "string" ? tool.function.name : null;
    })
    .filter((n): n is string => n !== null);
}
