import { z } from "zod";
import type { PilotConfig } from "../config/schema.js";
import { PilotError } from "../util/errors.js";
import { originRemote, repoFromRemoteUrl } from "./git-remote.js";
import type { Task } from "./task.js";

const DEFAULT_API = "https://api.github.com";

const issueSchema = z.object({
  number: z.number(),
  title: z.string(),
  body: z.string().nullable().optional(),
  html_url: z.string().optional(),
  state: z.string().optional(),
});

export interface GithubRef {
  /** `owner/name`, or null for the project's default repo. */
  repo: string | null;
  number: number;
  /** How the user wrote it, for messages. */
  text: string;
}

/**
 * `GH-1234`, `owner/name#1234`, or an issue (or pull request) URL on github.com or on the
 * configured GitHub Enterprise host; null when `text` is none of these. Numbers start at 1.
 */
export function parseGithubRef(text: string, apiUrl: string | null = null): GithubRef | null {
  const short = /^gh-([1-9]\d*)$/i.exec(text);
  if (short) return { repo: null, number: Number(short[1]), text };
  const qualified = /^([\w.-]+\/[\w.-]+)#([1-9]\d*)$/.exec(text);
  if (qualified) return { repo: qualified[1]!, number: Number(qualified[2]), text };
  const url = /^https?:\/\/([^/]+)\/([\w.-]+\/[\w.-]+)\/(?:issues|pull)\/([1-9]\d*)\/?$/.exec(text);
  if (url && githubHosts(apiUrl).includes(url[1]!.toLowerCase())) return { repo: url[2]!, number: Number(url[3]), text };
  return null;
}

function githubHosts(apiUrl: string | null): string[] {
  const hosts = ["github.com", "www.github.com"];
  if (apiUrl) {
    try {
      hosts.push(new URL(apiUrl).host.toLowerCase().replace(/^api\./, ""));
    } catch {
      // an invalid api_url is reported by the config check
    }
  }
  return hosts;
}

export interface GithubContext {
  config: PilotConfig;
  projectDir: string;
  env: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
}

export async function resolveGithubTask(ref: GithubRef, ctx: GithubContext): Promise<Task> {
  const repo = ref.repo ?? ctx.config.github.repo ?? (await repoOfProject(ref.text, ctx.projectDir));
  const body = await githubGet(ctx, `/repos/${repo}/issues/${ref.number}`, ref.text, `issue #${ref.number} not found in ${repo}`);
  const parsed = issueSchema.safeParse(body);
  if (!parsed.success) throw new PilotError("task", `${ref.text}: unexpected answer from the GitHub API for ${repo}#${ref.number}`);
  const task = issueTask(repo, parsed.data, ref.repo ? `${repo}#${ref.number}` : `GH-${ref.number}`);
  if (!task) throw new PilotError("task", `${ref.text}: the issue has neither title nor body: nothing to do`);
  return task;
}

/** The task of an issue: its title and body as the prompt; null for an empty issue. */
export function issueTask(repo: string, issue: z.infer<typeof issueSchema>, ref: string): Task | null {
  const body = (issue.body ?? "").trim();
  if (issue.title.trim().length === 0 && body.length === 0) return null;
  const prompt = [`# ${issue.title}`, body, `(GitHub issue ${repo}#${issue.number}${issue.html_url ? `: ${issue.html_url}` : ""})`]
    .filter((part) => part.length > 0)
    .join("\n\n");
  return { ref, source: "github", title: issue.title, prompt };
}

/** Open issues (not pull requests) carrying a label, newest first (the daemon's intake). */
export async function labeledIssues(ctx: GithubContext, label: string): Promise<{ repo: string; issues: z.infer<typeof issueSchema>[] }> {
  const repo = ctx.config.github.repo ?? (await repoOfProject(`label ${label}`, ctx.projectDir));
  const body = await githubGet(ctx, `/repos/${repo}/issues?state=open&labels=${encodeURIComponent(label)}&per_page=100`, `issues labelled ${label}`, `repository ${repo} not found`);
  const list = z.array(issueSchema.extend({ pull_request: z.unknown().optional() })).safeParse(body);
  if (!list.success) throw new PilotError("task", `issues labelled ${label}: unexpected answer from the GitHub API for ${repo}`);
  return { repo, issues: list.data.filter((i) => i.pull_request === undefined) };
}

/** A GET on the GitHub REST API with pilot's headers and token; errors as one-line task errors. */
async function githubGet(ctx: GithubContext, path: string, what: string, notFound: string): Promise<unknown> {
  const base = (ctx.config.github.api_url ?? DEFAULT_API).replace(/\/+$/, "");
  const headers: Record<string, string> = {
    accept: "application/vnd.github+json",
    "x-github-api-version": "2022-11-28",
    "user-agent": "pilot",
  };
  const token = ctx.env.GITHUB_TOKEN;
  if (token) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await (ctx.fetch ?? fetch)(`${base}${path}`, { headers, signal: AbortSignal.timeout(ctx.config.github.timeout_s * 1000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new PilotError("task", `${what}: cannot reach the GitHub API at ${base} (${reason})`, { cause: error });
  }
  if (response.status === 404) throw new PilotError("task", `${what}: ${notFound} (HTTP 404${token ? "" : "; private repos need GITHUB_TOKEN"})`);
  if (response.status === 401 || response.status === 403) {
    const detail = await apiMessage(response);
    throw new PilotError("task", `${what}: the GitHub API refused the request (HTTP ${response.status}${detail ? `: ${detail}` : ""}); check GITHUB_TOKEN`);
  }
  if (!response.ok) {
    const detail = await apiMessage(response);
    throw new PilotError("task", `${what}: the GitHub API answered HTTP ${response.status}${detail ? `: ${detail}` : ""}`);
  }
  return response.json().catch(() => null);
}

async function repoOfProject(what: string, projectDir: string): Promise<string> {
  const remote = await originRemote(projectDir);
  const repo = remote ? repoFromRemoteUrl(remote) : null;
  if (!repo) {
    throw new PilotError(
      "task",
      `${what}: no GitHub repo to look in: set github.repo in the config, or run in a project whose origin remote is on GitHub (${projectDir} has ${remote ? `origin ${remote}` : "no origin remote"})`,
    );
  }
  return repo;
}

async function apiMessage(response: Response): Promise<string | null> {
  const body = (await response.json().catch(() => null)) as { message?: unknown } | null;
  return body && typeof body.message === "string" ? body.message : null;
}
