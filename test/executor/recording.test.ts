import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readRecording, RecordingWriter, type RecordingHeader } from "../../src/executor/recording.js";
import { tmpDir } from "../helpers/tmp.js";

const header: RecordingHeader = { pilot_recording: 1, backend: "claude-code", mode: "stream-json", format: "ndjson", cli_version: "2.1.197", model_requested: null, baseline: null };

async function roundTrip(chunks: (string | Buffer)[], side: [string, Record<string, unknown>][] = []) {
  const path = join(tmpDir(), "rec", "ex_1.rec");
  const writer = RecordingWriter.create(path, header);
  for (const chunk of chunks) writer.write(Buffer.from(chunk));
  for (const [kind, fields] of side) writer.side(kind, fields);
  writer.close();
  const parts: Buffer[] = [];
  const read = await readRecording(path, (b) => parts.push(Buffer.from(b)));
  return { path, read, bytes: Buffer.concat(parts) };
}

describe("recordings", () => {
  it("keep the backend bytes exactly, with the header first and side records last", async () => {
    const { path, read, bytes } = await roundTrip(['{"type":"a"}\n{"ty', 'pe":"b"}\n'], [["stderr", { text: "warn\n" }], ["exit", { exit_code: 0 }]]);
    expect(readFileSync(path, "utf8").split("\n")[0]).toBe(JSON.stringify(header));
    expect(bytes.toString()).toBe('{"type":"a"}\n{"type":"b"}\n');
    expect(read.header).toEqual(header);
    expect(read.side).toEqual([
      { pilot_side: "stderr", text: "warn\n" },
      { pilot_side: "exit", exit_code: 0 },
    ]);
  });

  it("end an unterminated last line before the side records", async () => {
    const { bytes, read } = await roundTrip(['{"type":"a"}\n{"type":"trunc'], [["exit", { exit_code: 1 }]]);
    expect(bytes.toString()).toBe('{"type":"a"}\n{"type":"trunc\n');
    expect(read.side).toHaveLength(1);
  });

  it("stream long lines and invalid bytes through unchanged", async () => {
    const long = `{"t":"${"x".repeat(3 * 1024 * 1024)}"}\n`;
    const invalid = Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]);
    const { bytes } = await roundTrip([long, invalid, "\n", "tail-without-newline"]);
    expect(bytes.equals(Buffer.concat([Buffer.from(long), invalid, Buffer.from("\n"), Buffer.from("tail-without-newline")]))).toBe(true);
  });

  it("reject a file that is not a recording", async () => {
    const path = join(tmpDir(), "x.rec");
    const writer = RecordingWriter.create(path, header);
    writer.close();
    const { writeFileSync } = await import("node:fs");
    writeFileSync(path, '{"type":"result"}\n');
    await expect(readRecording(path, () => {})).rejects.toThrow("not a pilot recording (bad header");
  });
});
