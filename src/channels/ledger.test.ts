import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase } from '../gateway/database.ts';
import { type AppError, ed25519Signer, ManualClock } from '../shared/index.ts';
import { systemAccounts } from './accounts.ts';
import { AssetRegistry } from './assets.ts';
import { Ledger } from './ledger.ts';
import { verifyLedger } from './verify.ts';

function ledgerWorld() {
  const db = openDatabase(':memory:');
  migrateDatabase(db);
  const secretKey = new Uint8Array(32).fill(7);
  const publicKey = ed25519.getPublicKey(secretKey);
  const clock = new ManualClock();
  const ledger = new Ledger({
    orm: db.orm,
    clock,
    signer: { publicKey, sign: ed25519Signer(secretKey) },
    assets: new AssetRegistry(),
  });
  const mint = (account: string, amount: bigint, asset = 'TNZO') =>
    ledger.post('deposit', [
      { account: systemAccounts.issuance, asset, amount: -amount },
      { account, asset, amount },
    ]);
  return { db, clock, ledger, publicKey, mint };
}

const failure = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected a failure');
};

describe('ledger', () => {
  it('lists the balances under a name prefix, by the rest of the name, and tells its height', () => {
    const { ledger, mint } = ledgerWorld();
    expect(ledger.height()).toBe(0);
    expect(ledger.balancesWithPrefix('stake:', 'TNZO')).toEqual(new Map());
    mint('stake:p_1', 10n);
    mint('stake:p_2', 20n);
    mint('stake;next', 30n); // the character after ':'
    mint('stakeholder', 40n);
    mint('stake:p_3', 50n, 'USDC');
    ledger.post('unbond', [
      { account: 'stake:p_2', asset: 'TNZO', amount: -20n },
      { account: 'did:owner', asset: 'TNZO', amount: 20n },
    ]);
    expect(ledger.height()).toBe(6);
    expect(ledger.balancesWithPrefix('stake:', 'TNZO')).toEqual(new Map([['p_1', 10n]]));
    expect(ledger.balancesWithPrefix('stake:', 'USDC')).toEqual(new Map([['p_3', 50n]]));
    expect(ledger.balancesWithPrefix('stake', 'TNZO')).toEqual(
      new Map([
        [':p_1', 10n],
        [';next', 30n],
        ['holder', 40n],
      ]),
    );
    expect(() => ledger.balancesWithPrefix('', 'TNZO')).toThrow(RangeError);
  });

  it('posts balanced, signed, hash-chained blocks and derives balances from them', () => {
    const { db, ledger, publicKey, mint } = ledgerWorld();
    const first = mint('did:a', 1_000n);
    const second = ledger.post('transfer', [
      { account: 'did:a', asset: 'TNZO', amount: -400n },
      { account: 'did:b', asset: 'TNZO', amount: 400n },
    ]);
    expect(first.height).toBe(1);
    expect(second.prevHash).toBe(first.hash);
    expect(ledger.balance('did:a', 'TNZO')).toBe(600n);
    expect(ledger.balance('did:b', 'TNZO')).toBe(400n);
    expect(ledger.balance(systemAccounts.issuance, 'TNZO')).toBe(-1_000n);
    expect(ledger.block(2)).toEqual(second);
    expect(verifyLedger(db.orm, publicKey)).toEqual({ ok: true, blocks: 2, accounts: 3, problems: [] });
  });

  it('refuses unbalanced postings, unknown assets and overdrafts, changing nothing', () => {
    const { db, ledger, publicKey, mint } = ledgerWorld();
    mint('did:a', 100n);
    expect(
      failure(() => ledger.post('transfer', [{ account: 'did:a', asset: 'TNZO', amount: -1n }])).code,
    ).toBe('LEDGER_UNBALANCED');
    expect(
      failure(() =>
        ledger.post('transfer', [
          { account: 'did:a', asset: 'DOGE', amount: -1n },
          { account: 'did:b', asset: 'DOGE', amount: 1n },
        ]),
      ).code,
    ).toBe('ASSET_UNKNOWN');
    const overdraft = failure(() =>
      ledger.post('transfer', [
        { account: 'did:a', asset: 'TNZO', amount: -101n },
        { account: 'did:b', asset: 'TNZO', amount: 101n },
      ]),
    );
    expect(overdraft).toMatchObject({
      code: 'INSUFFICIENT_FUNDS',
      details: { account: 'did:a', balance: '100', needed: '101' },
    });
    expect(ledger.height()).toBe(1);
    expect(ledger.balance('did:a', 'TNZO')).toBe(100n);
    expect(ledger.balance('did:b', 'TNZO')).toBe(0n);
    expect(verifyLedger(db.orm, publicKey)).toMatchObject({ ok: true, blocks: 1 });
  });

  it('keeps amounts beyond 64 bits exact', () => {
    const { ledger, mint } = ledgerWorld();
    const huge = 123_456_789n * 10n ** 30n + 1n;
    mint('did:whale', huge);
    expect(ledger.balance('did:whale', 'TNZO')).toBe(huge);
  });

  it('counts what an identity spent in a rolling window, not what it received or was withdrawn', () => {
    const { ledger, clock, mint } = ledgerWorld();
    mint('did:a', 1_000n);
    const pay = (amount: bigint) =>
      ledger.post('transfer', [
        { account: 'did:a', asset: 'TNZO', amount: -amount },
        { account: 'did:b', asset: 'TNZO', amount },
      ]);
    pay(100n);
    clock.advance(60_000);
    pay(50n);
    ledger.post('withdrawal', [
      { account: 'did:a', asset: 'TNZO', amount: -10n },
      { account: systemAccounts.issuance, asset: 'TNZO', amount: 10n },
    ]);
    expect(ledger.spentSince('did:a', 'TNZO', clock.now() - 120_000)).toBe(150n);
    expect(ledger.spentSince('did:a', 'TNZO', clock.now() - 30_000)).toBe(50n);
    expect(ledger.spentSince('did:b', 'TNZO', 0)).toBe(0n);
  });
});

describe('ledger verification', () => {
  const tamperings: Array<[string, string, RegExp]> = [
    [
      'an edited posting',
      "UPDATE ledger_postings SET amount = '500' WHERE height = 2 AND position = 1",
      /block 2: content does not match|balance did:b/,
    ],
    [
      'an edited memo',
      `UPDATE ledger_blocks SET memo = '{"from":"did:x"}' WHERE height = 2`,
      /block 2: content does not match its hash/,
    ],
    [
      'an edited cached balance',
      "UPDATE ledger_balances SET amount = '999999' WHERE account = 'did:a'",
      /balance did:a TNZO: cached 999999/,
    ],
    [
      'a removed block',
      'DELETE FROM ledger_postings WHERE height = 1; DELETE FROM ledger_blocks WHERE height = 1',
      /expected height 1/,
    ],
    [
      'a forged signature',
      "UPDATE ledger_blocks SET signature = substr(signature, 3) || '00' WHERE height = 2",
      /block 2: signature does not verify/,
    ],
  ];

  it.each(tamperings)('detects %s', (_name, statement, problem) => {
    const { db, ledger, publicKey, mint } = ledgerWorld();
    mint('did:a', 1_000n);
    ledger.post('transfer', [
      { account: 'did:a', asset: 'TNZO', amount: -300n },
      { account: 'did:b', asset: 'TNZO', amount: 300n },
    ]);
    expect(verifyLedger(db.orm, publicKey).ok).toBe(true);
    db.sqlite.exec(statement);
    const report = verifyLedger(db.orm, publicKey);
    expect(report.ok).toBe(false);
    expect(report.problems.join('\n')).toMatch(problem);
  });

  it('rejects blocks signed by another key', () => {
    const { db, mint } = ledgerWorld();
    mint('did:a', 1n);
    expect(verifyLedger(db.orm, ed25519.getPublicKey(new Uint8Array(32).fill(9))).problems).toEqual([
      'block 1: signature does not verify',
    ]);
  });
});

describe('ledger properties', () => {
  const accounts = ['did:a', 'did:b', 'did:c'];
  const asset = fc.constantFrom('TNZO', 'USDC');
  const operation = fc.oneof(
    fc.record({
      kind: fc.constant('deposit' as const),
      to: fc.constantFrom(...accounts),
      asset,
      amount: fc.bigInt({ min: 1n, max: 10n ** 24n }),
    }),
    fc.record({
      kind: fc.constant('transfer' as const),
      from: fc.constantFrom(...accounts),
      to: fc.constantFrom(...accounts),
      asset,
      amount: fc.bigInt({ min: 1n, max: 10n ** 24n }),
    }),
    fc.record({
      kind: fc.constant('withdrawal' as const),
      from: fc.constantFrom(...accounts),
      asset,
      amount: fc.bigInt({ min: 1n, max: 10n ** 24n }),
    }),
  );

  it('conserves every asset, never overdraws, leaves failures without trace, and always verifies', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 40 }), (operations) => {
        const { db, ledger, publicKey } = ledgerWorld();
        const snapshot = () =>
          JSON.stringify(
            [...accounts, systemAccounts.issuance].map((account) => ledger.balances(account)),
            (_k, v) => (typeof v === 'bigint' ? v.toString() : v),
          );
        for (const op of operations) {
          const from = op.kind === 'deposit' ? systemAccounts.issuance : op.from;
          const to = op.kind === 'withdrawal' ? systemAccounts.issuance : op.to;
          const before = snapshot();
          const height = ledger.height();
          try {
            ledger.post(op.kind, [
              { account: from, asset: op.asset, amount: -op.amount },
              { account: to, asset: op.asset, amount: op.amount },
            ]);
          } catch (error) {
            expect((error as AppError).code).toBe('INSUFFICIENT_FUNDS');
            expect(snapshot()).toBe(before);
            expect(ledger.height()).toBe(height);
          }
          for (const symbol of ['TNZO', 'USDC']) {
            const total = [...accounts, systemAccounts.issuance].reduce(
              (sum, account) => sum + ledger.balance(account, symbol),
              0n,
            );
            expect(total).toBe(0n);
            for (const account of accounts)
              expect(ledger.balance(account, symbol)).toBeGreaterThanOrEqual(0n);
          }
        }
        expect(verifyLedger(db.orm, publicKey).ok).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});
