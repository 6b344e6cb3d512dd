import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type DrizzleSQLiteSnapshotJSON,
  generateSQLiteDrizzleJson,
  generateSQLiteMigration,
} from 'drizzle-kit/api';
import { describe, expect, it } from 'vitest';
import { migrationsFolder } from './database.ts';

/** Every area's drizzle tables, found the way drizzle.config.ts finds them. */
async function currentSchema(): Promise<Record<string, unknown>> {
  const srcDir = join(migrationsFolder, '..', 'src');
  const tables: Record<string, unknown> = {};
  for (const area of readdirSync(srcDir, { withFileTypes: true })) {
    if (!area.isDirectory()) continue;
    const file = join(srcDir, area.name, 'tables.ts');
    if (readdirSync(join(srcDir, area.name)).includes('tables.ts')) Object.assign(tables, await import(file));
  }
  return tables;
}

describe('committed migrations', () => {
  it('match the drizzle schema in src/*/tables.ts (run `npm run db:generate` after changing tables)', async () => {
    const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta/_journal.json'), 'utf8')) as {
      entries: Array<{ idx: number }>;
    };
    const last = journal.entries.at(-1);
    expect(last).toBeDefined();
    const snapshotFile = join(
      migrationsFolder,
      'meta',
      `${String(last?.idx).padStart(4, '0')}_snapshot.json`,
    );
    const committed = JSON.parse(readFileSync(snapshotFile, 'utf8')) as DrizzleSQLiteSnapshotJSON;
    const current = await generateSQLiteDrizzleJson(await currentSchema());
    expect(await generateSQLiteMigration(committed, current)).toEqual([]);
  });
});
