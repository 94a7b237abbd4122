/** A task resolved to the prompt a backend will get, whatever its source. */
export interface Task {
  /** Stable reference: `GH-1234`, a task file's id or path, `prompt:<hash>`. */
  ref: string;
  source: "github" | "file" | "prompt";
  title: string | null;
  prompt: string;
  /** Per-task choices (task file front matter); flags override them. */
  backend?: string;
  model?: string;
  /** Per-task budget (front matter `max_usd`, `max_tokens`). */
  maxUsd?: number;
  maxTokens?: number;
}
