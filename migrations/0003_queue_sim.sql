DROP INDEX `queue_state_priority_created_at_idx`;--> statement-breakpoint
ALTER TABLE `queue` ADD `sim` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX `queue_state_sim_priority_created_at_idx` ON `queue` (`state`,`sim`,"priority" desc,`created_at`);--> statement-breakpoint
-- Items queued before this column with a simulator scenario were meant for the simulator.
UPDATE `queue` SET `sim` = 1 WHERE json_extract(`payload`, '$.sim_scenario') IS NOT NULL;