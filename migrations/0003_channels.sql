CREATE TABLE `channel_receipts` (
	`channel_id` text NOT NULL,
	`sequence` integer NOT NULL,
	`nonce` integer NOT NULL,
	`charged` text NOT NULL,
	`request_id` text,
	`signature` text NOT NULL,
	`issued_at` integer NOT NULL,
	PRIMARY KEY(`channel_id`, `sequence`),
	FOREIGN KEY (`channel_id`) REFERENCES `payment_channels`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `channel_states` (
	`channel_id` text NOT NULL,
	`nonce` integer NOT NULL,
	`cumulative` text NOT NULL,
	`final` integer NOT NULL,
	`key_id` text NOT NULL,
	`signature` text NOT NULL,
	`received_at` integer NOT NULL,
	PRIMARY KEY(`channel_id`, `nonce`),
	FOREIGN KEY (`channel_id`) REFERENCES `payment_channels`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `payment_channels` (
	`id` text PRIMARY KEY NOT NULL,
	`payer_did` text NOT NULL,
	`payee` text NOT NULL,
	`asset` text NOT NULL,
	`deposit` text NOT NULL,
	`nonce` integer NOT NULL,
	`authorized` text NOT NULL,
	`charged` text NOT NULL,
	`status` text NOT NULL,
	`opened_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`close_requested_at` integer,
	`challenge_ends_at` integer,
	`closing_nonce` integer,
	`closing_amount` text,
	`settled_at` integer,
	`settlement_height` integer
);
--> statement-breakpoint
CREATE INDEX `payment_channels_payer` ON `payment_channels` (`payer_did`);--> statement-breakpoint
CREATE INDEX `payment_channels_status` ON `payment_channels` (`status`);