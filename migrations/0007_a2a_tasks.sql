CREATE TABLE `a2a_messages` (
	`tenant` text NOT NULL,
	`owner` text NOT NULL,
	`message_id` text NOT NULL,
	`task_id` text,
	`reply` text,
	`received_at` integer NOT NULL,
	PRIMARY KEY(`tenant`, `owner`, `message_id`)
);
--> statement-breakpoint
CREATE TABLE `a2a_push_configs` (
	`tenant` text NOT NULL,
	`owner` text NOT NULL,
	`task_id` text NOT NULL,
	`config_id` text NOT NULL,
	`config` text NOT NULL,
	`wire_version` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant`, `owner`, `task_id`, `config_id`)
);
--> statement-breakpoint
CREATE TABLE `a2a_tasks` (
	`tenant` text NOT NULL,
	`owner` text NOT NULL,
	`id` text NOT NULL,
	`context_id` text NOT NULL,
	`state` text NOT NULL,
	`status_timestamp` text NOT NULL,
	`task` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant`, `owner`, `id`)
);
--> statement-breakpoint
CREATE INDEX `a2a_tasks_listing` ON `a2a_tasks` (`tenant`,`owner`,`status_timestamp`,`id`);