CREATE TABLE `stake_slashes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`provider_id` text NOT NULL,
	`reason` text NOT NULL,
	`amount` text NOT NULL,
	`evidence` text NOT NULL,
	`height` integer NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`provider_id`) REFERENCES `providers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `stake_slashes_provider` ON `stake_slashes` (`provider_id`);--> statement-breakpoint
CREATE TABLE `stake_unbondings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`provider_id` text NOT NULL,
	`amount` text NOT NULL,
	`release_at` integer NOT NULL,
	`released_at` integer,
	FOREIGN KEY (`provider_id`) REFERENCES `providers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `stake_unbondings_due` ON `stake_unbondings` (`released_at`,`release_at`);