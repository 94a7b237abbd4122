import { describe, expect, it } from "vitest";
import { displayModelName, isSameModelRemainder, priceLookupCandidates } from "../../src/telemetry/model-name.js";
import { resolveModel } from "../../src/telemetry/model-resolution.js";

describe("model names", () => {
  it("store what answered, without provider prefixes or bracket tags", () => {
    expect(displayModelName("claude-opus-4-8[1m]")).toBe("claude-opus-4-8");
    expect(displayModelName("anthropic/claude-sonnet-4-5")).toBe("claude-sonnet-4-5");
    expect(displayModelName("openrouter/openai/gpt-5")).toBe("gpt-5");
    expect(displayModelName("us.anthropic.claude-sonnet-4-5-20250929-v1:0")).toBe("claude-sonnet-4-5-20250929-v1:0");
  });

  it("look prices up by dashed names and without an 8-digit date, never by a shortened version", () => {
    expect(priceLookupCandidates("claude-sonnet-4.5@20250929")).toEqual(["claude-sonnet-4.5@20250929", "claude-sonnet-4-5-20250929", "claude-sonnet-4.5", "claude-sonnet-4-5"]);
    expect(priceLookupCandidates("us.anthropic.claude-sonnet-4-5-20250929-v1:0")).toEqual(["claude-sonnet-4-5-20250929", "claude-sonnet-4-5"]);
    expect(priceLookupCandidates("claude-opus-4-6")).toEqual(["claude-opus-4-6"]);
  });

  it("accept a table entry matched by prefix only when the rest is a date or a variant word", () => {
    expect(isSameModelRemainder("")).toBe(true);
    expect(isSameModelRemainder("-20250929")).toBe(true);
    expect(isSameModelRemainder("-codex")).toBe(true);
    expect(isSameModelRemainder("-6")).toBe(false); // claude-opus-4 + -6
    expect(isSameModelRemainder("0")).toBe(false); // claude-opus-4-1 + 0
    expect(isSameModelRemainder(".1")).toBe(false); // gpt-5 + .1
  });
});

describe("model fallback chain", () => {
  const none = { served: [], requested: null, cliConfigured: null, backendDefault: null };

  it("served first, preferring the intended model over a bigger side call", () => {
    expect(resolveModel({ ...none, served: [{ model: "claude-haiku-4-5", tokens: 50_000 }, { model: "claude-opus-4-8", tokens: 10_000 }], cliConfigured: "claude-opus-4-8[1m]" })).toEqual({ model: "claude-opus-4-8", source: "served" });
    expect(resolveModel({ ...none, served: [{ model: "claude-haiku-4-5", tokens: 50_000 }, { model: "claude-opus-4-8", tokens: 10_000 }] })).toEqual({ model: "claude-haiku-4-5", source: "served" });
  });

  it("then requested (as the CLI resolved it), config, and the backend's default", () => {
    expect(resolveModel({ ...none, requested: { model: "sonnet", source: "requested" }, cliConfigured: "claude-sonnet-5" })).toEqual({ model: "claude-sonnet-5", source: "requested" });
    expect(resolveModel({ ...none, requested: { model: "gpt-5-codex", source: "config" } })).toEqual({ model: "gpt-5-codex", source: "config" });
    expect(resolveModel({ ...none, cliConfigured: "claude-opus-4-8[1m]" })).toEqual({ model: "claude-opus-4-8", source: "backend_default" });
    expect(resolveModel({ ...none, backendDefault: "gpt-6.2-sol" })).toEqual({ model: "gpt-6.2-sol", source: "backend_default" });
    expect(resolveModel(none)).toEqual({ model: null, source: null });
  });
});
