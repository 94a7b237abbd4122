import { describe, expect, it } from "vitest";
import { createLineSplitter, type SplitLine } from "../../src/backends/line-splitter.js";

function split(chunks: (string | Uint8Array)[], max = 1024): SplitLine[] {
  const splitter = createLineSplitter(max);
  const out: SplitLine[] = [];
  for (const chunk of chunks) splitter.push(chunk, (l) => out.push(l));
  splitter.end((l) => out.push(l));
  return out;
}

const texts = (lines: SplitLine[]) => lines.map((l) => (l.kind === "line" ? l.text : `<too long ${l.bytes}>`));

describe("line splitter", () => {
  it("joins a line split across chunks and handles CRLF and a missing final newline", () => {
    expect(texts(split(['{"a":', '1}\r\n{"b"', ":2}\n", '{"c":3}']))).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it("splits a multi-byte character across chunks without corrupting it", () => {
    const bytes = Buffer.from("é€😀\n", "utf8");
    const chunks = [...bytes].map((b) => Uint8Array.of(b));
    const lines = split(chunks);
    expect(texts(lines)).toEqual(["é€😀"]);
    expect(lines[0]).toMatchObject({ invalidUtf8: false });
  });

  it("skips a line longer than the limit while it streams, keeps counting lines", () => {
    const long = "x".repeat(5000);
    const lines = split(["a\n", long.slice(0, 2000), long.slice(2000), "\nb\n"], 1000);
    expect(texts(lines)).toEqual(["a", "<too long 5000>", "b"]);
    expect(lines.map((l) => l.line)).toEqual([1, 2, 3]);
  });

  it("flags invalid UTF-8 and replaces it", () => {
    const lines = split([Buffer.concat([Buffer.from('{"t":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')])]);
    expect(lines[0]).toMatchObject({ kind: "line", invalidUtf8: true, text: '{"t":"\uFFFD\uFFFD"}' });
  });

  it("does not flag a real U+FFFD", () => {
    expect(split(['{"t":"\uFFFD"}\n'])[0]).toMatchObject({ invalidUtf8: false });
  });

  it("ignores blank lines and an empty stream", () => {
    expect(texts(split(["\n\n", "a\n\n"]))).toEqual(["a"]);
    expect(split([])).toEqual([]);
  });
});
