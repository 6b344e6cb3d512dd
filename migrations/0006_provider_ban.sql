ALTER TABLE `providers` ADD `banned_at` integer;--> statement-breakpoint
ALTER TABLE `providers` ADD `ban_reason` text;