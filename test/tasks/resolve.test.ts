import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.js";
import { repoFromRemoteUrl } from "../../src/tasks/git-remote.js";
import { resolveTask } from "../../src/tasks/resolve.js";
import { tmpDir } from "../helpers/tmp.js";

/** A loopback stand-in for the GitHub REST API. */
let api: { url: string; requests: { path: string; auth: string | undefined }[]; close: () => void };

beforeAll(async () => {
  const requests: { path: string; auth: string | undefined }[] = [];
  const server = createServer((req, res) => {
    requests.push({ path: req.url ?? "", auth: req.headers.authorization });
    const issue = /^\/repos\/acme\/shop\/issues\/(\d+)$/.exec(req.url ?? "");
    if (issue && issue[1] === "1234") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ number: 1234, title: "Login rejects plus signs", body: "Emails like a+b@x.io fail.\n", html_url: "https://github.com/acme/shop/issues/1234", state: "open" }));
      return;
    }
    if (req.url === "/repos/acme/secret/issues/1") {
      res.writeHead(403, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: "Resource not accessible by integration" }));
      return;
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ message: "Not Found" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  api = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close: () => server.close() };
});
afterAll(() => api.close());

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const config = (github: Record<string, unknown> = {}) => configSchema.parse({ github: { api_url: api.url, ...github } });

describe("task refs", () => {
  it("resolves GH-N through the configured repo, with the token, into a prompt from title and body", async () => {
    const task = await resolveTask({ ref: "GH-1234" }, { config: config({ repo: "acme/shop" }), projectDir: tmpDir(), env: { GITHUB_TOKEN: "ghp_testtoken" } });
    expect(task).toEqual({
      ref: "GH-1234",
      source: "github",
      title: "Login rejects plus signs",
      prompt: "# Login rejects plus signs\n\nEmails like a+b@x.io fail.\n\n(GitHub issue acme/shop#1234: https://github.com/acme/shop/issues/1234)",
    });
    expect(api.requests.at(-1)).toEqual({ path: "/repos/acme/shop/issues/1234", auth: "Bearer ghp_testtoken" });
  });

  it("takes the repo from the project's origin remote when none is configured", async () => {
    const project = tmpDir();
    await execa("git", ["init", "-q", project]);
    await execa("git", ["-C", project, "remote", "add", "origin", "git@github.com:acme/shop.git"]);
    const task = await resolveTask({ ref: "gh-1234" }, { config: config(), projectDir: project, env: {} });
    expect(task.title).toBe("Login rejects plus signs");
  });

  it("parses remote URLs of any host", () => {
    expect(repoFromRemoteUrl("git@github.com:acme/shop.git")).toBe("acme/shop");
    expect(repoFromRemoteUrl("https://github.example.com/acme/shop")).toBe("acme/shop");
    expect(repoFromRemoteUrl("ssh://git@github.com/acme/shop.git/")).toBe("acme/shop");
    expect(repoFromRemoteUrl("not a url")).toBeNull();
  });

  it("fails clearly on 404, 403, no repo, a network error and an unknown ref format", async () => {
    const ctx = { config: config({ repo: "acme/shop" }), projectDir: tmpDir(), env: {} };
    await expect(resolveTask({ ref: "GH-9" }, ctx)).rejects.toThrow("GH-9: issue #9 not found in acme/shop (HTTP 404; private repos need GITHUB_TOKEN)");
    await expect(resolveTask({ ref: "acme/secret#1" }, ctx)).rejects.toThrow("acme/secret#1: the GitHub API refused the request (HTTP 403: Resource not accessible by integration); check GITHUB_TOKEN");
    await expect(resolveTask({ ref: "GH-1" }, { ...ctx, config: config() })).rejects.toThrow(/GH-1: no GitHub repo to look in: set github.repo in the config/);
    const closed = await closedPort();
    await expect(resolveTask({ ref: "GH-1" }, { ...ctx, config: configSchema.parse({ github: { repo: "a/b", api_url: `http://127.0.0.1:${closed}` } }) })).rejects.toThrow(
      `GH-1: cannot reach the GitHub API at http://127.0.0.1:${closed} (ECONNREFUSED)`,
    );
    await expect(resolveTask({ ref: "JIRA-7" }, ctx)).rejects.toThrow('unknown task ref "JIRA-7": expected GH-<number>');
  });

  it("reads a task file with front matter, and one without", async () => {
    const project = tmpDir();
    mkdirSync(join(project, "tasks"));
    writeFileSync(join(project, "tasks", "fix-login.md"), "---\nid: fix-login\nbackend: claude-code\nmodel: sonnet\n---\n# Fix login\n\nAllow plus signs.\n");
    writeFileSync(join(project, "tasks", "plain.md"), "Just do it.\n");
    const ctx = { config: config(), projectDir: project, env: {} };
    expect(await resolveTask({ ref: join(project, "tasks", "fix-login.md") }, ctx)).toEqual({
      ref: "fix-login",
      source: "file",
      title: "Fix login",
      prompt: "# Fix login\n\nAllow plus signs.",
      backend: "claude-code",
      model: "sonnet",
    });
    expect(await resolveTask({ ref: join(project, "tasks", "plain.md") }, ctx)).toEqual({ ref: "tasks/plain.md", source: "file", title: null, prompt: "Just do it." });
  });

  it("rejects a missing task file, bad front matter and an empty body", async () => {
    const project = tmpDir();
    const ctx = { config: config(), projectDir: project, env: {} };
    await expect(resolveTask({ ref: "./nope.md" }, ctx)).rejects.toThrow("task file ./nope.md: not found");
    writeFileSync(join(project, "bad.md"), "---\nmodel: [1, 2]\n---\nbody\n");
    await expect(resolveTask({ ref: join(project, "bad.md") }, ctx)).rejects.toThrow(/front matter model: Invalid input.* \(got \[1,2\]\)$/);
    const bad = async (front: string) => {
      writeFileSync(join(project, "bad.md"), `---\n${front}\n---\nbody\n`);
      return resolveTask({ ref: join(project, "bad.md") }, ctx).then(
        () => "accepted",
        (error: Error) => error.message.replace(`task file ${join(project, "bad.md")}: `, ""),
      );
    };
    expect(await bad("max_usd: lots")).toBe('front matter max_usd: Invalid input: expected number, received string (got "lots")');
    expect(await bad("max_usd: 0")).toBe("front matter max_usd: Too small: expected number to be >0 (got 0)");
    expect(await bad('id: "two\\nlines"')).toBe('front matter id: must be one line without control characters (got "two\\nlines")');
    expect(await bad("id:")).toBe("front matter id: expected text or a number (got null)");
    expect(await bad('id: "  "')).toBe('front matter id: must not be empty (got "  ")');
    writeFileSync(join(project, "empty.md"), "---\nid: x\n---\n\n");
    await expect(resolveTask({ ref: join(project, "empty.md") }, ctx)).rejects.toThrow("no prompt text after the front matter");
  });

  it("refuses a prompt with a NUL byte, from any source", async () => {
    const project = tmpDir();
    const ctx = { config: config(), projectDir: project, env: {} };
    await expect(resolveTask({ prompt: "fix\u0000it" }, ctx)).rejects.toThrow(/^task prompt:[0-9a-f]{12}: the prompt contains a NUL byte \(at character 4\); remove it$/);
    writeFileSync(join(project, "nul.md"), "---\nid: nul\n---\nab\u0000c\n");
    await expect(resolveTask({ ref: join(project, "nul.md") }, ctx)).rejects.toThrow("task nul: the prompt contains a NUL byte (at character 3); remove it");
  });

  it("reads front matter after a UTF-8 byte order mark", async () => {
    const project = tmpDir();
    writeFileSync(join(project, "bom.md"), "\uFEFF---\nid: bom-task\nmax_usd: 2.5\n---\nDo it\n");
    expect(await resolveTask({ ref: join(project, "bom.md") }, { config: config(), projectDir: project, env: {} })).toMatchObject({ ref: "bom-task", prompt: "Do it", maxUsd: 2.5 });
  });

  it("turns --prompt into a task with a stable ref", async () => {
    const ctx = { config: config(), projectDir: tmpDir(), env: {} };
    const a = await resolveTask({ prompt: "say done" }, ctx);
    expect(a).toEqual({ ref: "prompt:c2133d6399fa", source: "prompt", title: "say done", prompt: "say done" });
    await expect(resolveTask({ prompt: "  " }, ctx)).rejects.toThrow("--prompt is empty");
    await expect(resolveTask({ prompt: "x", ref: "GH-1" }, ctx)).rejects.toThrow("give either a TASK or --prompt, not both");
  });
});
