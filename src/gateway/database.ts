import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';

export const migrationsFolder = fileURLToPath(new URL('../../migrations', import.meta.url));

export interface Db {
  /** The raw connection, for pragmas and synchronous transactions. */
  sqlite: Database.Database;
  orm: BetterSQLite3Database;
  close(): void;
}

/** Opens (creating if needed) the SQLite database named by a `file:` URL or `:memory:`. */
export function openDatabase(url: string): Db {
  const path = url === ':memory:' ? ':memory:' : url.replace(/^file:/, '');
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  return { sqlite, orm: drizzle({ client: sqlite }), close: () => sqlite.close() };
}

/** Applies the committed migrations that this database has not seen yet. */
export function migrateDatabase(db: Db): void {
  migrate(db.orm, { migrationsFolder });
}

/** True when every migration in the committed journal has been applied to this database. */
export function migrationsApplied(db: Db): boolean {
  const journal = JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, 'utf8')) as {
    entries: unknown[];
  };
  const table = db.sqlite
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
    .get();
  if (!table) return journal.entries.length === 0;
  const row = db.sqlite.prepare('SELECT count(*) AS applied FROM __drizzle_migrations').get() as {
    applied: number;
  };
  return row.applied >= journal.entries.length;
}
