import { createWriteStream, existsSync, statSync } from "node:fs";
import { once } from "node:events";

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
