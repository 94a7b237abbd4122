import { z } from "zod";
import type { Task } from "../tasks/task.js";

/**
 * What a queue item carries: the task as resolved at enqueue (a run does not depend on the
 * issue changing later) and the per-task settings given then.
 */
export const taskPayloadSchema = z.object({
  task: z.object({
    ref: z.string(),
    source: z.enum(["github", "file", "prompt"]),
    title: z.string().nullable(),
    prompt: z.string(),
    backend: z.string().optional(),
    model: z.string().optional(),
    maxUsd: z.number().optional(),
    maxTokens: z.number().optional(),
  }),
  /** The model and where it came from (`--model`/task, or the backend's config at enqueue). */
  model: z.object({ model: z.string(), source: z.enum(["requested", "config"]) }).nullable(),
  budget: z.object({ usd: z.number().nullable(), tokens: z.number().nullable() }),
  timeout_s: z.number().nullable(),
  /** Scenario when the daemon runs with --sim. */
  sim_scenario: z.string().nullable(),
});
export type TaskPayload = z.infer<typeof taskPayloadSchema>;

export function payloadFor(task: Task, rest: Omit<TaskPayload, "task">): TaskPayload {
  return { task: { ...task }, ...rest };
}
