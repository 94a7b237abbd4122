CREATE TABLE `models_seen` (
	`model` text PRIMARY KEY NOT NULL,
	`last_seen_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `queue` (
	`id` text PRIMARY KEY NOT NULL,
	`task_ref` text NOT NULL,
	`task_source` text NOT NULL,
	`task_title` text,
	`project` text NOT NULL,
	`backend` text NOT NULL,
	`model` text,
	`payload` text NOT NULL,
	`state` text NOT NULL,
	`priority` integer DEFAULT 0 NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`max_attempts` integer NOT NULL,
	`runs` integer DEFAULT 0 NOT NULL,
	`lease_owner` text,
	`lease_expires_at` integer,
	`available_at` integer NOT NULL,
	`idempotency_key` text NOT NULL,
	`last_execution_id` text,
	`last_error_code` text,
	`last_error` text,
	`cancel_requested_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `queue_idempotency_key_active_idx` ON `queue` (`idempotency_key`) WHERE state in ('queued', 'leased');--> statement-breakpoint
CREATE INDEX `queue_state_priority_created_at_idx` ON `queue` (`state`,"priority" desc,`created_at`);--> statement-breakpoint
CREATE INDEX `queue_state_project_idx` ON `queue` (`state`,`project`);--> statement-breakpoint
CREATE INDEX `queue_idempotency_key_idx` ON `queue` (`idempotency_key`);--> statement-breakpoint
DROP INDEX `executions_created_at_idx`;--> statement-breakpoint
ALTER TABLE `executions` ADD `runner` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `cancel_requested_at` integer;--> statement-breakpoint
CREATE INDEX `executions_created_at_cost_usd_idx` ON `executions` (`created_at`,`cost_usd`);