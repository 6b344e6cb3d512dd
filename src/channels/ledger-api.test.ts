import { describe, expect, it } from 'vitest';
import { readJson } from '../gateway/testing.ts';
import { IdentityClient } from '../identity/testing.ts';
import { verifyEd25519 } from '../shared/index.ts';
import { blockBytes } from './ledger.ts';

const TNZO = 10n ** 18n;

describe('ledger over HTTP', () => {
  it('funds an agent from the faucet once per cooldown and shows the balance', async () => {
    const client = new IdentityClient();
    const agent = await client.register('autonomous');
    const grant = await client.signed(agent, 'POST', '/v1/faucet');
    expect(grant.status).toBe(201);
    expect((await readJson(grant)).kind).toBe('faucet');
    expect(await readJson(await client.app.request(`/v1/accounts/${agent.did}/balances`))).toEqual({
      account: agent.did,
      balances: [{ asset: 'TNZO', decimals: 18, amount: (1000n * TNZO).toString() }],
    });
    const again = await client.signed(agent, 'POST', '/v1/faucet');
    expect(again.status).toBe(429);
    expect((await readJson(again)).error).toMatchObject({
      code: 'FAUCET_RATE_LIMITED',
      details: { retryAfterSeconds: 86_400 },
    });
    client.clock.advance(24 * 60 * 60 * 1000);
    expect((await client.signed(agent, 'POST', '/v1/faucet')).status).toBe(201);
  });

  it('transfers between identities, refusing overdrafts and unknown recipients without changing anything', async () => {
    const client = new IdentityClient();
    const alice = await client.register('autonomous');
    const bob = await client.register('autonomous');
    await client.signed(alice, 'POST', '/v1/faucet');
    const sent = await client.signed(alice, 'POST', '/v1/transfers', {
      to: bob.did,
      asset: 'TNZO',
      amount: (250n * TNZO).toString(),
      memo: 'thanks',
    });
    expect(sent.status).toBe(201);
    const balance = async (did: string) =>
      (await readJson(await client.app.request(`/v1/accounts/${did}/balances`))).balances[0]?.amount;
    expect(await balance(bob.did)).toBe((250n * TNZO).toString());
    const overdraft = await client.signed(alice, 'POST', '/v1/transfers', {
      to: bob.did,
      asset: 'TNZO',
      amount: (751n * TNZO).toString(),
    });
    expect(overdraft.status).toBe(409);
    expect((await readJson(overdraft)).error).toMatchObject({
      code: 'INSUFFICIENT_FUNDS',
      details: { balance: (750n * TNZO).toString() },
    });
    const nobody = await client.signed(alice, 'POST', '/v1/transfers', {
      to: 'did:parley:machine:00000000-0000-4000-8000-000000000000',
      asset: 'TNZO',
      amount: '1',
    });
    expect((await readJson(nobody)).error.code).toBe('RECIPIENT_UNKNOWN');
    const invalid = await client.signed(alice, 'POST', '/v1/transfers', {
      to: bob.did,
      asset: 'TNZO',
      amount: '-5',
    });
    expect((await readJson(invalid)).error.code).toBe('VALIDATION_FAILED');
    expect(await balance(alice.did)).toBe((750n * TNZO).toString());
  });

  it('holds a delegated machine to its per-transaction, daily, asset and operation limits', async () => {
    const client = new IdentityClient();
    const owner = await client.register('human');
    const machine = await client.register('machine', { controller: owner });
    const payee = await client.register('autonomous');
    await client.admin('POST', '/v1/admin/deposits', {
      did: machine.did,
      asset: 'TNZO',
      amount: (100n * TNZO).toString(),
    });
    const delegation = await readJson(
      await client.delegate(
        owner,
        machine,
        {
          allowed_operations: ['transfer'],
          allowed_assets: ['TNZO'],
          max_transaction_value: (10n * TNZO).toString(),
          max_daily_spend: (25n * TNZO).toString(),
        },
        { exp: Math.floor(client.clock.now() / 1000) + 7 * 24 * 3600 },
      ),
    );
    const pay = (amount: bigint, asset = 'TNZO') =>
      client.signed(
        machine,
        'POST',
        '/v1/transfers',
        { to: payee.did, asset, amount: amount.toString() },
        delegation.id,
      );
    expect((await readJson(await pay(11n * TNZO))).error.details).toMatchObject({
      rule: 'max_transaction_value',
      limit: (10n * TNZO).toString(),
    });
    expect((await pay(10n * TNZO)).status).toBe(201);
    expect((await pay(10n * TNZO)).status).toBe(201);
    const overDaily = await readJson(await pay(6n * TNZO));
    expect(overDaily.error).toMatchObject({
      code: 'SCOPE_EXCEEDED',
      details: { rule: 'max_daily_spend', requested: (26n * TNZO).toString() },
    });
    expect((await pay(5n * TNZO)).status).toBe(201);
    expect((await readJson(await pay(1n, 'USDC'))).error.details.rule).toBe('allowed_assets');
    client.clock.advance(24 * 60 * 60 * 1000 + 1);
    expect((await pay(10n * TNZO)).status).toBe(201);
    expect(
      (await readJson(await client.signed(machine, 'POST', '/v1/faucet', undefined, delegation.id))).error
        .details.rule,
    ).toBe('allowed_operations');
  });

  it('publishes every movement as a block signed by the gateway key, chained to the one before', async () => {
    const client = new IdentityClient();
    const agent = await client.register('autonomous');
    await client.signed(agent, 'POST', '/v1/faucet');
    await client.admin('POST', '/v1/admin/withdrawals', { did: agent.did, asset: 'TNZO', amount: '5' });
    const { publicKey } = await readJson(await client.app.request('/v1/gateway'));
    const ledger = await readJson(await client.app.request('/v1/ledger'));
    expect(ledger).toEqual({ height: 2, publicKey, tag: 'parley/ledger-block/v1' });
    const first = await readJson(await client.app.request('/v1/ledger/blocks/1'));
    const second = await readJson(await client.app.request('/v1/ledger/blocks/2'));
    expect(second.prevHash).toBe(first.hash);
    expect(second.postings).toEqual([
      { account: agent.did, asset: 'TNZO', amount: '-5' },
      { account: 'system:issuance', asset: 'TNZO', amount: '5' },
    ]);
    expect(
      verifyEd25519(Buffer.from(second.signature, 'hex'), blockBytes(second), Buffer.from(publicKey, 'hex')),
    ).toBe(true);
    expect((await client.app.request('/v1/ledger/blocks/3')).status).toBe(404);
  });

  it('keeps deposits and withdrawals for admins', async () => {
    const client = new IdentityClient();
    const agent = await client.register('autonomous');
    const attempt = await client.signed(agent, 'POST', '/v1/admin/deposits', {
      did: agent.did,
      asset: 'TNZO',
      amount: '5',
    });
    expect(attempt.status).toBe(401);
    expect((await client.admin('POST', '/v1/faucet')).status).toBe(403);
  });
});
