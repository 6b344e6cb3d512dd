import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Db, migrateDatabase, openDatabase } from '../gateway/database.ts';
import { generateDidKey, IdentityRegistry, signRegistration } from '../identity/index.ts';
import { AppError, ed25519Signer, ManualClock, seededRng } from '../shared/index.ts';
import { systemAccounts } from './accounts.ts';
import { AssetRegistry } from './assets.ts';
import { ChannelService } from './channels.ts';
import { signChannelState } from './client.ts';
import { Ledger } from './ledger.ts';
import { commissionOf } from './state.ts';
import { paymentChannels } from './tables.ts';
import { verifyLedger } from './verify.ts';

const gatewaySecret = new Uint8Array(32).fill(3);
const gatewayPublic = ed25519.getPublicKey(gatewaySecret);

let boots = 0;

/** Services over a database file; building them again on the same file is a gateway restart. */
function boot(db: Db, clock: ManualClock) {
  boots++;
  const registry = new IdentityRegistry({ orm: db.orm, clock, rng: seededRng(`boot-${boots}`) });
  const signer = { publicKey: gatewayPublic, sign: ed25519Signer(gatewaySecret) };
  const ledger = new Ledger({ orm: db.orm, clock, signer, assets: new AssetRegistry() });
  const channels = new ChannelService({
    orm: db.orm,
    clock,
    rng: seededRng(`channels-${boots}`),
    ledger,
    registry,
    signer,
    config: { expiryMs: 10 * 3600_000, challengeMs: 3600_000 },
  });
  return { registry, ledger, channels };
}

const step = fc.oneof(
  fc.record({ kind: fc.constant('open' as const), deposit: fc.bigInt({ min: 1n, max: 5_000n }) }),
  fc.record({
    kind: fc.constant('voucher' as const),
    channel: fc.nat(),
    nonceJump: fc.constantFrom(0, 1, 1, 1, 2),
    percent: fc.integer({ min: -10, max: 110 }),
  }),
  fc.record({
    kind: fc.constant('charge' as const),
    channel: fc.nat(),
    percent: fc.integer({ min: 0, max: 120 }),
  }),
  fc.record({
    kind: fc.constant('topup' as const),
    channel: fc.nat(),
    amount: fc.bigInt({ min: 1n, max: 2_000n }),
  }),
  fc.record({
    kind: fc.constant('close' as const),
    channel: fc.nat(),
    cooperative: fc.boolean(),
    nonceBack: fc.nat({ max: 2 }),
  }),
  fc.record({ kind: fc.constant('dispute' as const), channel: fc.nat(), nonceBack: fc.nat({ max: 2 }) }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 4 * 3600_000 }) }),
  fc.constant({ kind: 'crash' as const }),
);

describe('channel properties', () => {
  it('conserve supply, never charge past what was signed, grow nonces, settle each channel once, and survive restarts', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        const file = join(mkdtempSync(join(tmpdir(), 'parley-channels-prop-')), 'parley.db');
        let db = openDatabase(`file:${file}`);
        migrateDatabase(db);
        const clock = new ManualClock();
        let world = boot(db, clock);
        const key = generateDidKey();
        const payload = {
          challenge: world.registry.createChallenge().challenge,
          kind: 'autonomous' as const,
          keys: [key.did],
          capabilities: [],
          services: [],
        };
        const payer = world.registry.register({
          ...payload,
          proofs: [{ key: key.did, signature: signRegistration(payload, key.secretKey) }],
          activate: true,
        }).did;
        const keyId = `${payer}#key-1`;
        world.ledger.post('deposit', [
          { account: systemAccounts.issuance, asset: 'TNZO', amount: -20_000n },
          { account: payer, asset: 'TNZO', amount: 20_000n },
        ]);
        const opened: string[] = [];
        const signed: Map<string, Array<{ nonce: number; amount: bigint }>> = new Map();
        const lastNonce = new Map<string, number>();
        const pick = (index: number) => opened[index % Math.max(opened.length, 1)];
        const network = Buffer.from(gatewayPublic).toString('hex');
        const sign = (channelId: string, nonce: number, amount: bigint, final = false) =>
          signChannelState(
            network,
            { channelId, nonce, cumulativeAmount: amount.toString(), final },
            keyId,
            key.secretKey,
          );

        for (const s of steps) {
          try {
            if (s.kind === 'open')
              opened.push(world.channels.open(payer, { asset: 'TNZO', deposit: s.deposit }).id);
            else if (s.kind === 'advance') clock.advance(s.ms);
            else if (s.kind === 'crash') {
              db.close();
              db = openDatabase(`file:${file}`);
              world = boot(db, clock);
            } else {
              const id = pick(s.channel);
              if (!id) continue;
              const channel = world.channels.get(id);
              if (s.kind === 'voucher') {
                const nonce = channel.nonce + s.nonceJump;
                const authorized = BigInt(channel.authorized);
                const amount =
                  authorized + ((BigInt(channel.deposit) - authorized) * BigInt(s.percent)) / 100n;
                world.channels.acceptVoucher(sign(id, nonce, amount < 0n ? 0n : amount));
                signed.set(id, [...(signed.get(id) ?? []), { nonce, amount }]);
              } else if (s.kind === 'charge') {
                const charged = BigInt(channel.charged);
                world.channels.charge(
                  id,
                  charged + ((BigInt(channel.authorized) - charged) * BigInt(s.percent)) / 100n,
                );
              } else if (s.kind === 'topup') {
                world.channels.topUp(id, payer, s.amount);
              } else if (s.kind === 'close') {
                const nonce = Math.max(1, channel.nonce + 1 - s.nonceBack);
                if (s.cooperative)
                  world.channels.closeCooperatively(sign(id, nonce, BigInt(channel.charged), true));
                else
                  world.channels.closeUnilaterally(
                    id,
                    payer,
                    channel.nonce > 0 ? sign(id, Math.max(1, channel.nonce - s.nonceBack), 0n) : undefined,
                  );
              } else if (s.kind === 'dispute') {
                world.channels.dispute(
                  sign(
                    id,
                    (channel.closingNonce ?? channel.nonce) + 1 - s.nonceBack,
                    BigInt(channel.authorized),
                  ),
                );
              }
            }
          } catch (error) {
            if (!(error instanceof AppError)) throw error;
          }
          world.channels.settleDue();

          // Invariants after every step, read straight from the database.
          const total = ['TNZO'].map((asset) =>
            [
              payer,
              systemAccounts.issuance,
              systemAccounts.hub,
              systemAccounts.treasury,
              systemAccounts.burn,
              systemAccounts.stakers,
              ...opened.map((id) => `escrow:${id}`),
            ].reduce((sum, account) => sum + world.ledger.balance(account, asset), 0n),
          );
          expect(total).toEqual([0n]);
          for (const row of db.orm.select().from(paymentChannels).all()) {
            expect(BigInt(row.charged)).toBeLessThanOrEqual(
              BigInt(row.authorized) > BigInt(row.charged) ? BigInt(row.authorized) : BigInt(row.charged),
            );
            expect(BigInt(row.authorized)).toBeLessThanOrEqual(BigInt(row.deposit));
            expect(row.nonce).toBeGreaterThanOrEqual(lastNonce.get(row.id) ?? 0);
            lastNonce.set(row.id, row.nonce);
            const settlements = db.sqlite
              .prepare(
                "SELECT count(*) AS n FROM ledger_blocks WHERE kind = 'channel.settle' AND json_extract(memo, '$.channelId') = ?",
              )
              .get(row.id) as { n: number };
            expect(settlements.n).toBe(row.status === 'closed' ? 1 : 0);
            if (row.status === 'closed') expect(world.ledger.balance(`escrow:${row.id}`, 'TNZO')).toBe(0n);
            // Never charged past what the payer signed: some accepted state authorizes at least `charged`.
            let best = 0n;
            for (const state of signed.get(row.id) ?? []) if (state.amount > best) best = state.amount;
            expect(BigInt(row.charged)).toBeLessThanOrEqual(best);
          }
        }
        expect(verifyLedger(db.orm, gatewayPublic).problems).toEqual([]);
        db.close();
      }),
      { numRuns: 150 },
    );
  });

  it('take the same commission from 1,000 payments of 199 as from one of 199,000, and split it exactly', () => {
    expect(commissionOf(1000n * 199n)).toEqual(commissionOf(199_000n));
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), (paid) => {
        const { total, treasury, burn, stakers } = commissionOf(paid);
        expect(treasury + burn + stakers).toBe(total);
        expect(total).toBe((paid * 5n) / 1000n);
        expect(burn).toBe(stakers);
        expect(treasury).toBeGreaterThanOrEqual(burn);
      }),
    );
  });
});
