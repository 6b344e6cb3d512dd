import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hexToBytes } from '@noble/hashes/utils.js';
import { verifyLedger } from '../channels/index.ts';
import { ConfigError, loadConfig } from './config.ts';
import { openDatabase } from './database.ts';

/**
 * `parley ledger verify`: re-derives every balance from the journal of the configured database and
 * checks the hash chain and the gateway's signatures. Prints a JSON report; exit 1 on any problem.
 */
export function runLedgerVerify(env: NodeJS.ProcessEnv): number {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`parley: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const keyPath = join(config.dataDir, 'gateway-key.json');
  const dbPath = config.dbUrl.replace(/^file:/, '');
  if (!existsSync(keyPath) || (config.dbUrl !== ':memory:' && !existsSync(dbPath))) {
    process.stderr.write(
      `parley ledger verify: no gateway data in ${config.dataDir} (set PARLEY_DATA_DIR)\n`,
    );
    return 2;
  }
  const { publicKey } = JSON.parse(readFileSync(keyPath, 'utf8')) as { publicKey: string };
  const db = openDatabase(config.dbUrl);
  try {
    const report = verifyLedger(db.orm, hexToBytes(publicKey));
    process.stdout.write(`${JSON.stringify({ ...report, publicKey, database: config.dbUrl }, null, 2)}\n`);
    return report.ok ? 0 : 1;
  } finally {
    db.close();
  }
}
