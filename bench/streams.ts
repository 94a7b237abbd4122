import { createWriteStream, existsSync, statSync, type WriteStream } from "node:fs";
import { once } from "node:events";

/**
 * Deterministic, realistic streams for the parsing benchmarks, written once to .bench/.
 * Each generator writes lines until the target size is reached.
 */

type Write = (text: string) => Promise<void>;

async function generate(path: string, targetBytes: number, body: (write: Write, random: () => number, written: () => number) => Promise<void>): Promise<number> {
  if (existsSync(path) && statSync(path).size >= targetBytes) return statSync(path).size;
  const out: WriteStream = createWriteStream(path);
  let written = 0;
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const write: Write = async (text) => {
    written += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, "drain");
  };
  await body(write, random, () => written);
  out.end();
  await once(out, "finish");
  return written;
}

const WORDS = "the function returns a value when the input is valid and otherwise throws an error that the caller handles".split(" ");
const prose = (random: () => number, n: number) => Array.from({ length: n }, () => WORDS[Math.floor(random() * WORDS.length)]).join(" ");

/** `codex exec --json`: command items with their output, agent messages, a turn.completed per turn. */
export function generateCodexStream(path: string, targetBytes: number): Promise<number> {
  return generate(path, targetBytes, async (write, random, written) => {
    const line = (v: unknown) => write(`${JSON.stringify(v)}\n`);
    await line({ type: "thread.started", thread_id: "01a23caf-db51-7f01-b3d2-4c980b96bdb5" });
    let item = 0;
    let turn = 0;
    while (written() < targetBytes) {
      turn += 1;
      await line({ type: "turn.started" });
      for (let step = 0; step < 8; step++) {
        const id = `item_${item++}`;
        const command = `/bin/bash -lc 'rg -n "${prose(random, 2)}" src'`;
        await line({ type: "item.started", item: { id, type: "command_execution", command, aggregated_output: "", exit_code: null, status: "in_progress" } });
        await line({ type: "item.completed", item: { id, type: "command_execution", command, aggregated_output: prose(random, 100 + Math.floor(random() * 800)), exit_code: 0, status: "completed" } });
        await line({ type: "item.completed", item: { id: `item_${item++}`, type: "reasoning", text: prose(random, 20 + Math.floor(random() * 60)) } });
      }
      await line({ type: "item.completed", item: { id: `item_${item++}`, type: "agent_message", text: prose(random, 30 + Math.floor(random() * 100)) } });
      await line({ type: "turn.completed", usage: { input_tokens: 10135 * turn, cached_input_tokens: 8901 * turn, cache_write_input_tokens: 0, output_tokens: 89 * turn, reasoning_output_tokens: 34 * turn } });
    }
  });
}

/** `opencode serve` /event: text deltas, part updates, tool parts with output, step finishes, status changes. */
export function generateOpenCodeStream(path: string, targetBytes: number): Promise<number> {
  return generate(path, targetBytes, async (write, random, written) => {
    const session = "ses_dc34a870dffeETklyXmurBZDqk";
    let n = 0;
    const event = (type: string, properties: unknown) => write(`data: ${JSON.stringify({ id: `evt_${(n++).toString(36).padStart(12, "0")}`, type, properties })}\n\n`);
    await event("server.connected", {});
    await event("session.created", { sessionID: session, info: { id: session, version: "1.18.33", title: "bench" } });
    await event("session.status", { sessionID: session, status: { type: "busy" } });
    let message = 0;
    while (written() < targetBytes) {
      const messageID = `msg_${(message++).toString(36)}`;
      const info = { id: messageID, sessionID: session, role: "assistant", modelID: "claude-sonnet-4-5", providerID: "anthropic", cost: 0, tokens: { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } }, time: { created: 1796314855836 } };
      await event("message.updated", { sessionID: session, info });
      await event("message.part.updated", { sessionID: session, part: { id: `prt_${n}`, messageID, sessionID: session, type: "step-start" } });
      const textId = `prt_${n}`;
      const text = prose(random, 40 + Math.floor(random() * 200));
      for (let i = 0; i < text.length; i += 20) await event("message.part.delta", { sessionID: session, messageID, partID: textId, field: "text", delta: text.slice(i, i + 20) });
      await event("message.part.updated", { sessionID: session, part: { id: textId, messageID, sessionID: session, type: "text", text, time: { start: 1, end: 2 } } });
      const toolId = `prt_${n}`;
      const state = { status: "completed", input: { command: "rg -n todo src" }, output: prose(random, 100 + Math.floor(random() * 600)), title: "rg", metadata: {} };
      await event("message.part.updated", { sessionID: session, part: { id: toolId, messageID, sessionID: session, type: "tool", tool: "bash", callID: `call_${n}`, state: { status: "running", input: state.input } } });
      await event("message.part.updated", { sessionID: session, part: { id: toolId, messageID, sessionID: session, type: "tool", tool: "bash", callID: `call_${n}`, state } });
      await event("message.part.updated", { sessionID: session, part: { id: `prt_${n}`, reason: "tool-calls", messageID, sessionID: session, type: "step-finish", tokens: { total: 10791, input: 1234, output: 89, reasoning: 0, cache: { write: 567, read: 8901 } }, cost: 0.00983355 } });
      await event("message.updated", { sessionID: session, info: { ...info, cost: 0.00983355, tokens: { input: 1234, output: 89, reasoning: 0, cache: { read: 8901, write: 567 } } } });
      await event("session.status", { sessionID: session, status: { type: "busy" } });
    }
    await event("session.status", { sessionID: session, status: { type: "idle" } });
    await event("session.idle", { sessionID: session });
  });
}

/** Claude Code `stream-json` with partial messages (see below). */
/**
 * A realistic Claude Code `stream-json --verbose --include-partial-messages` stream: per
 * model call a message_start, many small text deltas, tool-use blocks, the per-block
 * assistant lines repeating the usage, message_delta/stop, and user lines carrying tool
 * results (file contents). Deterministic, so runs compare.
 */
export async function generateClaudeStream(path: string, targetBytes: number): Promise<number> {
  if (existsSync(path) && statSync(path).size >= targetBytes) return statSync(path).size;
  const out = createWriteStream(path);
  let written = 0;
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const words = "the function returns a value when the input is valid and otherwise throws an error that the caller handles".split(" ");
  const text = (n: number) => Array.from({ length: n }, () => words[Math.floor(random() * words.length)]).join(" ");
  const write = async (value: unknown) => {
    const line = `${JSON.stringify(value)}\n`;
    written += Buffer.byteLength(line);
    if (!out.write(line)) await once(out, "drain");
  };
  const session = "2917a2dd-dd6a-478b-bad1-e0ca3fe42efd";
  await write({ type: "system", subtype: "init", cwd: "/home/dev/proj", session_id: session, model: "claude-opus-4-8[1m]", claude_code_version: "2.1.197", tools: ["Bash", "Edit", "Read", "Write"] });
  let call = 0;
  while (written < targetBytes) {
    call += 1;
    const id = `msg_${call.toString(16).padStart(16, "0")}`;
    const usage = { input_tokens: 1234 + call, cache_creation_input_tokens: 567, cache_read_input_tokens: 8901 + call * 10, output_tokens: 1, service_tier: "standard" };
    const envelope = { session_id: session, parent_tool_use_id: null };
    await write({ type: "stream_event", event: { type: "message_start", message: { id, type: "message", role: "assistant", model: "claude-opus-4-8", content: [], stop_reason: null, usage } }, ...envelope, uuid: `u${call}a` });
    await write({ type: "stream_event", event: { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }, ...envelope, uuid: `u${call}b` });
    const reply = text(40 + Math.floor(random() * 200));
    for (let i = 0; i < reply.length; i += 24) {
      await write({ type: "stream_event", event: { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: reply.slice(i, i + 24) } }, ...envelope, uuid: `u${call}d${i}` });
    }
    await write({ type: "assistant", message: { id, type: "message", role: "assistant", model: "claude-opus-4-8", content: [{ type: "text", text: reply }], stop_reason: null, usage }, ...envelope, uuid: `u${call}e` });
    await write({ type: "stream_event", event: { type: "content_block_stop", index: 0 }, ...envelope, uuid: `u${call}f` });
    const toolInput = { file_path: `/home/dev/proj/src/file${call % 50}.ts`, content: text(50 + Math.floor(random() * 400)) };
    await write({ type: "stream_event", event: { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: `toolu_${call}`, name: "Write", input: {} } }, ...envelope, uuid: `u${call}g` });
    const json = JSON.stringify(toolInput);
    for (let i = 0; i < json.length; i += 64) {
      await write({ type: "stream_event", event: { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: json.slice(i, i + 64) } }, ...envelope, uuid: `u${call}h${i}` });
    }
    await write({ type: "assistant", message: { id, type: "message", role: "assistant", model: "claude-opus-4-8", content: [{ type: "tool_use", id: `toolu_${call}`, name: "Write", input: toolInput }], stop_reason: null, usage }, ...envelope, uuid: `u${call}i` });
    await write({ type: "stream_event", event: { type: "content_block_stop", index: 1 }, ...envelope, uuid: `u${call}j` });
    await write({ type: "stream_event", event: { type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 80 + (call % 40) } }, ...envelope, uuid: `u${call}k` });
    await write({ type: "stream_event", event: { type: "message_stop" }, ...envelope, uuid: `u${call}l` });
    await write({ type: "user", message: { role: "user", content: [{ tool_use_id: `toolu_${call}`, type: "tool_result", content: text(200 + Math.floor(random() * 2000)) }] }, ...envelope, uuid: `u${call}m`, timestamp: "2026-12-03T16:12:05.059Z" });
  }
  await write({ type: "result", subtype: "success", is_error: false, num_turns: call, result: "done", session_id: session, total_cost_usd: 1.5, usage: { input_tokens: 1, output_tokens: 1 }, modelUsage: {} });
  out.end();
  await once(out, "finish");
  return written;
}
