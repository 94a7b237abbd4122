import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createLogger, scrubSecrets } from "../../src/util/logger.js";
import { tmpDir } from "../helpers/tmp.js";

describe("logs never carry secrets", () => {
  it("redacts secret keys at any depth and secret-looking text in messages and errors", () => {
    const file = join(tmpDir(), "pilot.log");
    const log = createLogger({ file, level: "info" });
    log.info({ apiKey: "sk-ant-api03-AAAAAAAAAAAAAAAA", env: { ANTHROPIC_API_KEY: "sk-ant-api03-BBBBBBBBBBBB", GITHUB_TOKEN: "ghp_CCCCCCCCCCCCCCCCCCCCCC" }, request: { headers: { authorization: "Bearer abcdefghijklmnop", "x-api-key": "k-123456789" } } }, "calling the API");
    log.warn("the CLI said: invalid key sk-proj-DDDDDDDDDDDDDDDDDD and token github_pat_EEEEEEEEEEEEEEEEEEEEEE");
    log.error({ err: new Error("401 for Bearer FFFFFFFFFFFFFFFF") }, "failed");
    const text = readFileSync(file, "utf8");
    for (const secret of ["AAAAAAAA", "BBBBBBBB", "CCCCCCCC", "abcdefghijklmnop", "k-123456789", "DDDDDDDD", "EEEEEEEE", "FFFFFFFF"]) expect(text).not.toContain(secret);
    // 5 keys, 2 in the message, and the error's message and stack
    expect(text.match(/\[redacted\]/g)?.length).toBe(9);
    expect(text).toContain("calling the API");
  });

  it("leaves ordinary text alone", () => {
    expect(scrubSecrets("model claude-opus-4-8 used 10791 tokens; task-1234 done")).toBe("model claude-opus-4-8 used 10791 tokens; task-1234 done");
  });
});
