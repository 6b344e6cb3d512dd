CREATE TABLE `gateway_boots` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`started_at` integer NOT NULL,
	`version` text NOT NULL,
	`public_key` text NOT NULL
);
