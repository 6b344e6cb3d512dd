CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`identity_did` text NOT NULL,
	`delegation_id` text,
	`name` text NOT NULL,
	`secret_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`identity_did`) REFERENCES `identities`(`did`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`delegation_id`) REFERENCES `delegations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_secret_hash` ON `api_keys` (`secret_hash`);--> statement-breakpoint
CREATE INDEX `api_keys_identity` ON `api_keys` (`identity_did`);--> statement-breakpoint
CREATE TABLE `delegations` (
	`id` text PRIMARY KEY NOT NULL,
	`issuer_did` text NOT NULL,
	`audience_did` text NOT NULL,
	`parent_id` text,
	`not_before` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`payload` text NOT NULL,
	`signature` text NOT NULL,
	`key_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	`revoked_by` text,
	FOREIGN KEY (`issuer_did`) REFERENCES `identities`(`did`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`audience_did`) REFERENCES `identities`(`did`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `delegations_audience` ON `delegations` (`audience_did`);--> statement-breakpoint
CREATE INDEX `delegations_parent` ON `delegations` (`parent_id`);--> statement-breakpoint
CREATE TABLE `identities` (
	`did` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`controller_did` text,
	`status` text NOT NULL,
	`capabilities` text NOT NULL,
	`services` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `identity_keys` (
	`identity_did` text NOT NULL,
	`fragment` text NOT NULL,
	`did_key` text NOT NULL,
	`added_at` integer NOT NULL,
	PRIMARY KEY(`identity_did`, `fragment`),
	FOREIGN KEY (`identity_did`) REFERENCES `identities`(`did`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identity_keys_did_key` ON `identity_keys` (`did_key`);--> statement-breakpoint
CREATE TABLE `identity_transitions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`identity_did` text NOT NULL,
	`from_status` text,
	`to_status` text NOT NULL,
	`actor` text NOT NULL,
	`reason` text,
	`at` integer NOT NULL,
	FOREIGN KEY (`identity_did`) REFERENCES `identities`(`did`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `identity_transitions_identity` ON `identity_transitions` (`identity_did`);--> statement-breakpoint
CREATE TABLE `registration_challenges` (
	`challenge` text PRIMARY KEY NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer
);
--> statement-breakpoint
CREATE TABLE `request_nonces` (
	`key_id` text NOT NULL,
	`nonce` text NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`key_id`, `nonce`)
);
--> statement-breakpoint
CREATE INDEX `request_nonces_expiry` ON `request_nonces` (`expires_at`);--> statement-breakpoint
CREATE TABLE `wallets` (
	`id` text PRIMARY KEY NOT NULL,
	`identity_did` text NOT NULL,
	`public_key` text NOT NULL,
	`public_package` text NOT NULL,
	`gateway_share` text NOT NULL,
	`recovery_share` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`identity_did`) REFERENCES `identities`(`did`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `wallets_identity` ON `wallets` (`identity_did`);