CREATE TABLE `models` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text NOT NULL,
	`version` text NOT NULL,
	`category` text NOT NULL,
	`modality` text NOT NULL,
	`publisher` text NOT NULL,
	`price_per_token` text NOT NULL,
	`min_stake` text NOT NULL,
	`tee_required` integer NOT NULL,
	`supported_formats` text NOT NULL,
	`max_context_length` integer NOT NULL,
	`parameters` text NOT NULL,
	`sha256` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `provider_models` (
	`provider_id` text NOT NULL,
	`model_id` text NOT NULL,
	PRIMARY KEY(`provider_id`, `model_id`),
	FOREIGN KEY (`provider_id`) REFERENCES `providers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`model_id`) REFERENCES `models`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `providers` (
	`id` text PRIMARY KEY NOT NULL,
	`did` text NOT NULL,
	`name` text NOT NULL,
	`endpoint` text NOT NULL,
	`kind` text NOT NULL,
	`gpu` text,
	`tee_platform` text,
	`capacity` integer NOT NULL,
	`in_flight` integer NOT NULL,
	`tokens_per_second` integer NOT NULL,
	`registered_at` integer NOT NULL,
	`last_heartbeat_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `providers_did` ON `providers` (`did`);