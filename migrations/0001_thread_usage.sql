CREATE TABLE `thread_usage` (
	`backend` text NOT NULL,
	`thread_id` text NOT NULL,
	`tokens_input` integer DEFAULT 0 NOT NULL,
	`tokens_output` integer DEFAULT 0 NOT NULL,
	`tokens_cache_write_5m` integer DEFAULT 0 NOT NULL,
	`tokens_cache_write_1h` integer DEFAULT 0 NOT NULL,
	`tokens_cache_read` integer DEFAULT 0 NOT NULL,
	`tokens_reasoning` integer DEFAULT 0 NOT NULL,
	`tokens_total` integer DEFAULT 0 NOT NULL,
	`execution_id` text,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`backend`, `thread_id`)
);
