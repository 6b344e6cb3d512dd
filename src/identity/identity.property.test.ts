import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase } from '../gateway/database.ts';
import { AppError, ManualClock, seededRng } from '../shared/index.ts';
import { signDelegation, signRegistration } from './client.ts';
import { DelegationService } from './delegations.ts';
import { generateDidKey } from './did-key.ts';
import { widenings } from './policy.ts';
import { IdentityRegistry } from './registry.ts';
import type { IdentityKind, IdentityStatus, Policy } from './schemas.ts';
import { dailyWindowMs, enforceScope, type SpendHistory } from './scope.ts';

function world() {
  const db = openDatabase(':memory:');
  migrateDatabase(db);
  const clock = new ManualClock();
  const registry = new IdentityRegistry({ orm: db.orm, clock, rng: seededRng('property') });
  const delegations = new DelegationService({ orm: db.orm, clock, registry });
  const register = (kind: IdentityKind, controller?: { did: string; secretKey: Uint8Array }) => {
    const key = generateDidKey();
    const payload = {
      challenge: registry.createChallenge().challenge,
      kind,
      keys: [key.did],
      ...(controller ? { controller: controller.did } : {}),
      capabilities: [],
      services: [],
    };
    const identity = registry.register({
      ...payload,
      proofs: [{ key: key.did, signature: signRegistration(payload, key.secretKey) }],
      ...(controller
        ? {
            controllerProof: {
              keyId: `${controller.did}#key-1`,
              signature: signRegistration(payload, controller.secretKey),
            },
          }
        : {}),
      activate: true,
    });
    return { did: identity.did, secretKey: key.secretKey };
  };
  return { clock, registry, delegations, register };
}

const amount = fc.bigInt({ min: 0n, max: 10_000n }).map(String);
const subsetOf = (items: string[]) => fc.subarray(items);
const policyArbitrary: fc.Arbitrary<Policy> = fc.record(
  {
    max_transaction_value: amount,
    max_daily_spend: amount,
    allowed_operations: subsetOf(['inference', 'transfer', 'channel.open', 'wallet.sign']),
    allowed_models: subsetOf(['llama-1b', 'llama-8b', 'qwen-7b']),
    allowed_assets: subsetOf(['TNZO', 'USDC', 'USDT']),
  },
  { requiredKeys: [] },
);

describe('properties', () => {
  it('a re-delegation never widens any limit of its chain', () => {
    const { clock, delegations, register } = world();
    const owner = register('human');
    const machine = register('machine', owner);
    const worker = register('machine', owner);
    const now = Math.floor(clock.now() / 1000);
    let counter = 0;
    const issue = (
      issuer: { did: string; secretKey: Uint8Array },
      aud: string,
      policy: Policy,
      parent?: string,
      exp = now + 3600,
    ) => {
      const payload = {
        v: 1 as const,
        iss: issuer.did,
        aud,
        nbf: now,
        exp,
        nonce: `nonce-${String(++counter).padStart(6, '0')}`,
        policy,
        prf: parent ? [parent] : [],
      };
      return delegations.issue({
        payload,
        keyId: `${issuer.did}#key-1`,
        signature: signDelegation(payload, issuer.secretKey),
      });
    };
    fc.assert(
      fc.property(
        policyArbitrary,
        policyArbitrary,
        fc.integer({ min: -100, max: 100 }),
        (parentPolicy, childPolicy, expShift) => {
          const parent = issue(owner, machine.did, parentPolicy);
          let child: ReturnType<typeof issue>;
          try {
            child = issue(machine, worker.did, childPolicy, parent.id, now + 3600 + expShift);
          } catch (error) {
            expect(error).toBeInstanceOf(AppError);
            expect((error as AppError).code).toBe('DELEGATION_WIDENS');
            return;
          }
          expect(widenings(child.effectivePolicy, parent.effectivePolicy)).toEqual([]);
          expect(child.payload.exp).toBeLessThanOrEqual(parent.payload.exp);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('rolling daily spend never exceeds the cap, whatever the payments and clock moves', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 5_000n }),
        fc.array(
          fc.record({
            amount: fc.bigInt({ min: 0n, max: 2_000n }),
            advanceMs: fc.integer({ min: 0, max: 6 * 60 * 60 * 1000 }),
          }),
          {
            maxLength: 60,
          },
        ),
        (cap, steps) => {
          const paid: Array<{ at: number; amount: bigint }> = [];
          const spend: SpendHistory = {
            spentSince: (_did, _asset, since) =>
              paid.filter((p) => p.at > since).reduce((sum, p) => sum + p.amount, 0n),
          };
          const scope = { did: 'did:parley:machine:x', policy: { max_daily_spend: cap.toString() } };
          let now = Date.UTC(2026, 0, 1);
          for (const step of steps) {
            now += step.advanceMs;
            try {
              enforceScope(scope, { operation: 'transfer', asset: 'TNZO', amount: step.amount }, now, spend);
              paid.push({ at: now, amount: step.amount });
            } catch (error) {
              expect((error as AppError).code).toBe('SCOPE_EXCEEDED');
            }
            for (const { at } of paid) {
              const window = paid.filter((p) => p.at > at - dailyWindowMs && p.at <= at);
              expect(window.reduce((sum, p) => sum + p.amount, 0n)).toBeLessThanOrEqual(cap);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('Terminated is absorbing under any sequence of lifecycle requests', () => {
    const statuses: IdentityStatus[] = ['created', 'active', 'suspended', 'terminated'];
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ to: fc.constantFrom(...statuses), by: fc.constantFrom('self', 'controller', 'admin') }),
          { minLength: 1, maxLength: 20 },
        ),
        (requests) => {
          const { registry, register } = world();
          const owner = register('human');
          const machine = register('machine', owner);
          let terminated = false;
          for (const request of requests) {
            const actor =
              request.by === 'admin'
                ? { admin: true as const }
                : { did: request.by === 'self' ? machine.did : owner.did };
            try {
              registry.changeStatus(machine.did, request.to, actor);
            } catch (error) {
              expect(error).toBeInstanceOf(AppError);
            }
            const status = registry.get(machine.did).status;
            if (terminated) expect(status).toBe('terminated');
            terminated ||= status === 'terminated';
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
