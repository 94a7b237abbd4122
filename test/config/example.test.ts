import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.js";
import { parseYaml } from "../../src/util/yaml.js";
import { ROOT } from "../helpers/paths.js";

/** The example config and the README's copy of it stay true: every key, every default. */
describe("config/config.example.yaml", () => {
  const example = parseYaml(readFileSync(join(ROOT, "config", "config.example.yaml"), "utf8")) as Record<string, unknown>;

  it("is a valid config that spells out exactly the defaults", () => {
    expect(configSchema.parse(example)).toEqual(configSchema.parse({}));
    // Every key written out, not left to the defaults.
    expect(example).toEqual(configSchema.parse({}));
  });

  it("is the block the README shows", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const block = /```yaml\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(parseYaml(block)).toEqual(example);
  });
});
