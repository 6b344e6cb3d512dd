CREATE TABLE `tee_capabilities` (
	`provider_id` text NOT NULL,
	`model_id` text NOT NULL,
	`platform` text NOT NULL,
	`appraisal_id` text NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`provider_id`, `model_id`),
	FOREIGN KEY (`provider_id`) REFERENCES `providers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`model_id`) REFERENCES `models`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `models` ADD `tee_policy` text;--> statement-breakpoint
ALTER TABLE `tee_appraisals` ADD `model_id` text;