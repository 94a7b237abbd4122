import { execa } from "execa";

/**
 * `owner/name` of a git remote URL, for any host (GitHub or GitHub Enterprise):
 * `git@host:owner/name.git`, `ssh://git@host/owner/name`, `https://host/owner/name(.git)`.
 */
export function repoFromRemoteUrl(url: string): string | null {
  const trimmed = url.trim().replace(/\/+$/, "").replace(/\.git$/, "");
  const scp = /^[\w.-]+@[\w.-]+:([\w.-]+)\/([\w.-]+)$/.exec(trimmed);
  if (scp) return `${scp[1]}/${scp[2]}`;
  try {
    const parts = new URL(trimmed).pathname.split("/").filter((p) => p.length > 0);
    if (parts.length >= 2) return `${parts[parts.length - 2]}/${parts[parts.length - 1]}`;
  } catch {
    // not a URL
  }
  return null;
}

/** The `origin` remote of a project directory, or null when there is none. */
export async function originRemote(projectDir: string): Promise<string | null> {
  const result = await execa("git", ["-C", projectDir, "remote", "get-url", "origin"], { reject: false, stdin: "ignore", timeout: 10_000 });
  if (result.failed || result.exitCode !== 0) return null;
  const url = String(result.stdout).trim();
  return url.length > 0 ? url : null;
}
