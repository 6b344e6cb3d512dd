import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { asc } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { verifyEd25519 } from '../shared/index.ts';
import { mayGoNegative } from './accounts.ts';
import { type BlockView, blockBytes, genesisHash } from './ledger.ts';
import { ledgerBalances, ledgerBlocks, ledgerPostings } from './tables.ts';

export interface LedgerReport {
  ok: boolean;
  blocks: number;
  accounts: number;
  problems: string[];
}

/**
 * Re-derives the whole ledger from its journal: the hash chain, every block's signature under the
 * gateway key, that each block balances per asset, and that every cached balance equals the sum of
 * its postings. Any edited, removed or inserted row shows up as a problem.
 */
export function verifyLedger(orm: BetterSQLite3Database, publicKey: Uint8Array): LedgerReport {
  const problems: string[] = [];
  const postingsByHeight = new Map<number, BlockView['postings']>();
  for (const row of orm
    .select()
    .from(ledgerPostings)
    .orderBy(asc(ledgerPostings.height), asc(ledgerPostings.position))
    .all()) {
    const list = postingsByHeight.get(row.height) ?? [];
    list.push({ account: row.account, asset: row.asset, amount: row.amount });
    postingsByHeight.set(row.height, list);
  }
  const derived = new Map<string, bigint>();
  let prevHash = genesisHash;
  let expectedHeight = 1;
  const blocks = orm.select().from(ledgerBlocks).orderBy(asc(ledgerBlocks.height)).all();
  for (const row of blocks) {
    const where = `block ${row.height}`;
    if (row.height !== expectedHeight)
      problems.push(`${where}: expected height ${expectedHeight} (a block is missing)`);
    expectedHeight = row.height + 1;
    if (row.prevHash !== prevHash)
      problems.push(`${where}: prev_hash does not match the hash of the block before`);
    const postings = postingsByHeight.get(row.height) ?? [];
    postingsByHeight.delete(row.height);
    const bytes = blockBytes({ ...row, createdAt: row.createdAt.getTime(), postings });
    if (bytesToHex(sha256(bytes)) !== row.hash)
      problems.push(`${where}: content does not match its hash (edited)`);
    if (!verifyEd25519(hexToBytes(row.signature), bytes, publicKey))
      problems.push(`${where}: signature does not verify`);
    const totals = new Map<string, bigint>();
    for (const posting of postings) {
      const amount = BigInt(posting.amount);
      totals.set(posting.asset, (totals.get(posting.asset) ?? 0n) + amount);
      const key = `${posting.account}\u0000${posting.asset}`;
      derived.set(key, (derived.get(key) ?? 0n) + amount);
    }
    for (const [asset, total] of totals)
      if (total !== 0n) problems.push(`${where}: ${asset} postings sum to ${total}, not 0`);
    prevHash = row.hash;
  }
  for (const height of postingsByHeight.keys())
    problems.push(`postings at height ${height} belong to no block`);
  const cached = orm.select().from(ledgerBalances).all();
  const seen = new Set<string>();
  for (const row of cached) {
    const key = `${row.account}\u0000${row.asset}`;
    seen.add(key);
    const expected = derived.get(key) ?? 0n;
    if (BigInt(row.amount) !== expected) {
      problems.push(`balance ${row.account} ${row.asset}: cached ${row.amount}, journal says ${expected}`);
    }
  }
  for (const [key, amount] of derived) {
    const [account = '', asset = ''] = key.split('\u0000');
    if (!seen.has(key) && amount !== 0n)
      problems.push(`balance ${account} ${asset}: missing from the cache (journal says ${amount})`);
    if (amount < 0n && !mayGoNegative(account))
      problems.push(`balance ${account} ${asset} is negative (${amount})`);
  }
  return { ok: problems.length === 0, blocks: blocks.length, accounts: derived.size, problems };
}
