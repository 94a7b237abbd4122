import { Writable } from "node:stream";

/**
 * One line at the bottom of the terminal that keeps being redrawn (the live progress of a
 * run). Log lines written through it appear above the line instead of through it.
 */
export class StatusLine {
  readonly #out: NodeJS.WriteStream;
  #text = "";

  constructor(out: NodeJS.WriteStream = process.stderr) {
    this.#out = out;
  }

  update(text: string): void {
    const width = this.#out.columns ?? 120;
    this.#text = text.length >= width ? `${text.slice(0, width - 2)}…` : text;
    this.#out.write(`\r\x1b[2K${this.#text}`);
  }

  /** A stream for log output (pino-pretty needs a real Writable). */
  readonly stream = new Writable({
    write: (chunk: Buffer | string, _encoding, done) => {
      this.#out.write(`\r\x1b[2K${chunk.toString()}`);
      if (this.#text) this.#out.write(this.#text);
      done();
    },
  });

  clear(): void {
    if (this.#text) this.#out.write("\r\x1b[2K");
    this.#text = "";
  }
}
