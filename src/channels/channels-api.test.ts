import { describe, expect, it } from 'vitest';
import { readJson } from '../gateway/testing.ts';
import { IdentityClient, type TestAgent } from '../identity/testing.ts';
import { verifyEd25519 } from '../shared/index.ts';
import { signChannelState } from './client.ts';
import { Meter } from './meter.ts';
import { receiptBytes, stateBytes } from './state.ts';
import { verifyLedger } from './verify.ts';

const TNZO = 10n ** 18n;

async function funded() {
  const client = new IdentityClient();
  const agent = await client.register('autonomous');
  await client.signed(agent, 'POST', '/v1/faucet');
  const open = async (deposit: bigint) => {
    const response = await client.signed(agent, 'POST', '/v1/channels', {
      asset: 'TNZO',
      deposit: deposit.toString(),
    });
    if (response.status !== 201) throw new Error(await response.text());
    return readJson(response);
  };
  const sign = (
    channel: { id: string; network: string },
    nonce: number,
    cumulative: bigint,
    final = false,
    who: TestAgent = agent,
  ) =>
    signChannelState(
      channel.network,
      { channelId: channel.id, nonce, cumulativeAmount: cumulative.toString(), final },
      who.keyId,
      who.secretKey,
    );
  const balance = async (account: string) =>
    BigInt(
      (await readJson(await client.app.request(`/v1/accounts/${account}/balances`))).balances.find(
        (b: { asset: string }) => b.asset === 'TNZO',
      )?.amount ?? '0',
    );
  const services = client.built.services;
  return { client, agent, open, sign, balance, services };
}

describe('payment channels', () => {
  it('lock the deposit in escrow on open and add to it on top-up', async () => {
    const { client, agent, open, balance } = await funded();
    const channel = await open(100n * TNZO);
    expect(channel).toMatchObject({
      payer: agent.did,
      payee: 'system:hub',
      deposit: (100n * TNZO).toString(),
      nonce: 0,
      status: 'open',
    });
    expect(await balance(agent.did)).toBe(900n * TNZO);
    expect(await balance(`escrow:${channel.id}`)).toBe(100n * TNZO);
    const topped = await readJson(
      await client.signed(agent, 'POST', `/v1/channels/${channel.id}/topup`, {
        amount: (50n * TNZO).toString(),
      }),
    );
    expect(topped.deposit).toBe((150n * TNZO).toString());
    const tooMuch = await client.signed(agent, 'POST', '/v1/channels', {
      asset: 'TNZO',
      deposit: (10_000n * TNZO).toString(),
    });
    expect((await readJson(tooMuch)).error.code).toBe('INSUFFICIENT_FUNDS');
  });

  it('accept only vouchers with a higher nonce, a non-decreasing amount within the deposit, signed by the payer for this gateway', async () => {
    const { client, open, sign, agent } = await funded();
    const channel = await open(10n * TNZO);
    const send = (state: unknown) =>
      client.app.request(`/v1/channels/${channel.id}/vouchers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ state }),
      });
    expect((await send(sign(channel, 1, 2n * TNZO))).status).toBe(200);
    const code = async (state: unknown) => (await readJson(await send(state))).error.code;
    expect(await code(sign(channel, 1, 3n * TNZO))).toBe('VOUCHER_STALE');
    expect(await code(sign(channel, 2, 1n * TNZO))).toBe('VOUCHER_DECREASING');
    expect(await code(sign(channel, 2, 11n * TNZO))).toBe('VOUCHER_EXCEEDS_DEPOSIT');
    const stranger = await client.register('autonomous');
    expect(await code(sign(channel, 2, 3n * TNZO, false, stranger))).toBe('VOUCHER_SIGNATURE_INVALID');
    expect(await code(sign({ ...channel, network: '00'.repeat(32) }, 2, 3n * TNZO))).toBe(
      'VOUCHER_SIGNATURE_INVALID',
    );
    expect(await code({ ...sign(channel, 2, 3n * TNZO), cumulativeAmount: (4n * TNZO).toString() })).toBe(
      'VOUCHER_SIGNATURE_INVALID',
    );
    const other = await open(TNZO);
    expect(await code(sign(other, 2, 1n))).toBe('VOUCHER_WRONG_CHANNEL');
    const after = await readJson(await client.app.request(`/v1/channels/${channel.id}`));
    expect(after).toMatchObject({ nonce: 1, authorized: (2n * TNZO).toString(), charged: '0' });
    expect((await readJson(await client.app.request(`/v1/channels/${channel.id}/states`))).data).toHaveLength(
      1,
    );
    expect(agent.did).toBe(after.payer);
  });

  it('meter units against the voucher, stop at what was signed, and sign durable receipts', async () => {
    const { client, open, sign, services } = await funded();
    const channel = await open(TNZO);
    const price = 3n * 10n ** 15n; // 0.003 TNZO per token
    const costOf = (tokens: number) => BigInt(tokens) * price;
    const meter = Meter.start(services.channels.channels, sign(channel, 1, 10n * price + price / 2n), costOf);
    let streamed = 0;
    while (meter.admit()) streamed++;
    expect(streamed).toBe(10);
    const receipt = meter.receipt('req-1');
    expect(receipt).toMatchObject({
      channelId: channel.id,
      nonce: 1,
      charged: (10n * price).toString(),
      sequence: 1,
    });
    const { signature, ...unsigned } = receipt;
    expect(
      verifyEd25519(
        Buffer.from(signature, 'hex'),
        receiptBytes(channel.network, unsigned),
        Buffer.from(channel.network, 'hex'),
      ),
    ).toBe(true);
    const next = Meter.start(services.channels.channels, sign(channel, 2, 12n * price), costOf);
    expect(next.admit(3)).toBe(false);
    expect(next.admit(2)).toBe(true);
    // Receipts of one channel are numbered 1, 2, … and bear the nonce of the voucher they charge under.
    expect(next.receipt()).toMatchObject({ charged: (12n * price).toString(), sequence: 2, nonce: 2 });
    expect(await readJson(await client.app.request(`/v1/channels/${channel.id}`))).toMatchObject({
      charged: (12n * price).toString(),
      authorized: (12n * price).toString(),
    });
  });

  it('close cooperatively at what was charged, with the commission split and the rest refunded', async () => {
    const { client, agent, open, sign, balance, services } = await funded();
    const channel = await open(100n * TNZO);
    const meter = Meter.start(
      services.channels.channels,
      sign(channel, 1, 40n * TNZO),
      (units) => BigInt(units) * TNZO,
    );
    meter.admit(30);
    meter.receipt();
    const below = await client.signed(agent, 'POST', `/v1/channels/${channel.id}/close`, {
      state: sign(channel, 2, 29n * TNZO, true),
    });
    expect((await readJson(below)).error.code).toBe('VOUCHER_BELOW_CHARGED');
    const finalState = sign(channel, 2, 30n * TNZO, true);
    const closed = await readJson(
      await client.signed(agent, 'POST', `/v1/channels/${channel.id}/close`, { state: finalState }),
    );
    expect(closed.channel).toMatchObject({ status: 'closed', charged: (30n * TNZO).toString() });
    const { keyId: _k, signature: _s, ...state } = finalState;
    expect(
      verifyEd25519(
        Buffer.from(closed.gatewaySignature, 'hex'),
        stateBytes(channel.network, state),
        Buffer.from(channel.network, 'hex'),
      ),
    ).toBe(true);
    const commission = (30n * TNZO * 5n) / 1000n;
    expect(await balance('system:hub')).toBe(30n * TNZO - commission);
    expect(await balance('system:burn')).toBe((commission * 3n) / 10n);
    expect(await balance('system:stakers')).toBe((commission * 3n) / 10n);
    expect(await balance('system:treasury')).toBe(commission - 2n * ((commission * 3n) / 10n));
    expect(await balance(agent.did)).toBe(1000n * TNZO - 30n * TNZO);
    expect(await balance(`escrow:${channel.id}`)).toBe(0n);
    expect(
      (await client.signed(agent, 'POST', `/v1/channels/${channel.id}/topup`, { amount: '1' })).status,
    ).toBe(409);
    expect(verifyLedger(client.built.db.orm, Buffer.from(channel.network, 'hex')).problems).toEqual([]);
  });

  it('answer a stale unilateral close with the highest state, let a higher nonce win the window, and settle once', async () => {
    const { client, agent, open, sign, balance, services } = await funded();
    const channel = await open(100n * TNZO);
    const metered = Meter.start(
      services.channels.channels,
      sign(channel, 1, 10n * TNZO),
      (units) => BigInt(units) * TNZO,
    );
    metered.admit(10);
    metered.receipt();
    const second = Meter.start(
      services.channels.channels,
      sign(channel, 2, 20n * TNZO),
      (units) => BigInt(units) * TNZO,
    );
    second.admit(10);
    second.receipt();
    const stale = sign(channel, 1, 10n * TNZO);
    const closing = await readJson(
      await client.signed(agent, 'POST', `/v1/channels/${channel.id}/close`, { state: stale }),
    );
    expect(closing.channel).toMatchObject({
      status: 'closing',
      closingNonce: 2,
      closingAmount: (20n * TNZO).toString(),
    });
    const lower = await client.app.request(`/v1/channels/${channel.id}/dispute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ state: stale }),
    });
    expect((await readJson(lower)).error.code).toBe('DISPUTE_NOT_HIGHER');
    client.clock.advance(23 * 60 * 60 * 1000);
    expect((await readJson(await client.app.request(`/v1/channels/${channel.id}`))).status).toBe('closing');
    client.clock.advance(60 * 60 * 1000);
    const settled = await readJson(await client.app.request(`/v1/channels/${channel.id}`));
    expect(settled).toMatchObject({ status: 'closed', charged: (20n * TNZO).toString() });
    expect(services.channels.channels.settleDue()).toBe(0);
    expect(await balance(agent.did)).toBe(1000n * TNZO - 20n * TNZO);
  });

  it('close expired channels by themselves, charging only what was receipted', async () => {
    const { client, agent, open, sign, balance, services } = await funded();
    const channel = await open(5n * TNZO);
    const meter = Meter.start(
      services.channels.channels,
      sign(channel, 1, 5n * TNZO),
      (units) => BigInt(units) * TNZO,
    );
    meter.admit(2);
    meter.receipt();
    client.clock.advance(30 * 24 * 60 * 60 * 1000);
    expect(services.channels.channels.settleDue()).toBe(1);
    expect((await readJson(await client.app.request(`/v1/channels/${channel.id}`))).status).toBe('closed');
    expect(await balance(agent.did)).toBe(1000n * TNZO - 2n * TNZO);
    const late = await client.app.request(`/v1/channels/${channel.id}/vouchers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ state: sign(channel, 2, 3n * TNZO) }),
    });
    expect((await readJson(late)).error.code).toBe('CHANNEL_EXPIRED');
  });

  it('are bounded by delegated scopes and only the payer closes them', async () => {
    const { client, agent, open } = await funded();
    const channel = await open(TNZO);
    const stranger = await client.register('autonomous');
    const closeByStranger = await client.signed(stranger, 'POST', `/v1/channels/${channel.id}/close`, {});
    expect((await readJson(closeByStranger)).error.code).toBe('NOT_PARTICIPANT');
    const owner = await client.register('human');
    const machine = await client.register('machine', { controller: owner });
    await client.admin('POST', '/v1/admin/deposits', {
      did: machine.did,
      asset: 'TNZO',
      amount: (10n * TNZO).toString(),
    });
    const delegation = await readJson(
      await client.delegate(owner, machine, {
        allowed_operations: ['channel.open'],
        max_transaction_value: TNZO.toString(),
      }),
    );
    const big = await client.signed(
      machine,
      'POST',
      '/v1/channels',
      { deposit: (2n * TNZO).toString() },
      delegation.id,
    );
    expect((await readJson(big)).error.details.rule).toBe('max_transaction_value');
    expect(
      (await client.signed(machine, 'POST', '/v1/channels', { deposit: TNZO.toString() }, delegation.id))
        .status,
    ).toBe(201);
    expect(agent.did).not.toBe(machine.did);
  });
});
