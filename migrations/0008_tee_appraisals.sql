CREATE TABLE `tee_appraisals` (
	`id` text PRIMARY KEY NOT NULL,
	`platform` text NOT NULL,
	`valid` integer NOT NULL,
	`failed` text NOT NULL,
	`checks` text NOT NULL,
	`claims` text NOT NULL,
	`evidence_sha256` text NOT NULL,
	`provider_id` text,
	`appraised_at` integer NOT NULL,
	`expires_at` integer,
	`recorded_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `tee_appraisals_provider` ON `tee_appraisals` (`provider_id`,`recorded_at`);--> statement-breakpoint
CREATE INDEX `tee_appraisals_evidence` ON `tee_appraisals` (`evidence_sha256`);