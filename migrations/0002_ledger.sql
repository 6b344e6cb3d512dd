CREATE TABLE `faucet_claims` (
	`did` text PRIMARY KEY NOT NULL,
	`last_claim_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `ledger_balances` (
	`account` text NOT NULL,
	`asset` text NOT NULL,
	`amount` text NOT NULL,
	PRIMARY KEY(`account`, `asset`)
);
--> statement-breakpoint
CREATE TABLE `ledger_blocks` (
	`height` integer PRIMARY KEY NOT NULL,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL,
	`kind` text NOT NULL,
	`memo` text NOT NULL,
	`created_at` integer NOT NULL,
	`signature` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ledger_blocks_created` ON `ledger_blocks` (`created_at`);--> statement-breakpoint
CREATE TABLE `ledger_postings` (
	`height` integer NOT NULL,
	`position` integer NOT NULL,
	`account` text NOT NULL,
	`asset` text NOT NULL,
	`amount` text NOT NULL,
	PRIMARY KEY(`height`, `position`),
	FOREIGN KEY (`height`) REFERENCES `ledger_blocks`(`height`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `ledger_postings_account` ON `ledger_postings` (`account`,`asset`);