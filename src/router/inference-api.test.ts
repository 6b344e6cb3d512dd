import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { receiptBytes, signChannelState, voucherHeader } from '../channels/index.ts';
import { readJson } from '../gateway/testing.ts';
import { IdentityClient, type TestAgent } from '../identity/testing.ts';
import { verifyEd25519 } from '../shared/index.ts';
import { type MockUpstream, type MockUpstreamOptions, startMockUpstream } from './testing.ts';

const TNZO = 10n ** 18n;
/** 1,000 atomic units × size 1 (1B parameters) × utilization 0.5 (idle) = 500 per token. */
const PRICE = 500n;
const upstreams: MockUpstream[] = [];

afterEach(async () => {
  for (const upstream of upstreams.splice(0)) await upstream.close();
});

async function gateway(providers: MockUpstreamOptions[] = [{}], pricePerToken = '1000') {
  const client = new IdentityClient();
  const owner = await client.register('autonomous');
  await client.admin('POST', '/v1/admin/deposits', { did: owner.did, asset: 'TNZO', amount: '100000' });
  for (const model of ['llama-1b', 'embed-small']) {
    await client.signed(owner, 'POST', '/v1/registry/models', {
      model_id: model,
      name: model,
      version: '1',
      category: model.startsWith('embed') ? 'Embedding' : 'LLM',
      modality: 'Text',
      price_per_token: pricePerToken,
      min_stake: '500',
      max_context_length: 2048,
      parameters: '1000000000',
      sha256: '12'.repeat(32),
    });
  }
  const mocks: MockUpstream[] = [];
  const ids: string[] = [];
  for (const [index, options] of providers.entries()) {
    const mock = await startMockUpstream(options);
    upstreams.push(mock);
    mocks.push(mock);
    const provider = await readJson(
      await client.signed(owner, 'POST', '/v1/providers', {
        name: `p${index}`,
        endpoint: mock.url,
        models: ['llama-1b', 'embed-small'],
        capacity: 8 + index, // distinct prices would differ only under load; ids keep the order stable
      }),
    );
    await client.signed(owner, 'POST', `/v1/providers/${provider.id}/stake`, { amount: '1000' });
    ids.push(provider.id);
  }
  // The paying agent is a machine: it may do only what its controller delegated (here: anything).
  const controller = await client.register('autonomous');
  const agent = await client.register('machine', { controller });
  const full = (await readJson(await client.delegate(controller, agent, {}))).id as string;
  await client.signed(agent, 'POST', '/v1/faucet', undefined, full);
  const key = async (delegationId = full) =>
    (
      await readJson(
        await client.signed(controller, 'POST', '/v1/api-keys', {
          did: agent.did,
          name: 'openai',
          delegationId,
        }),
      )
    ).secret as string;
  const ownKey = async (who: TestAgent) =>
    (await readJson(await client.signed(who, 'POST', '/v1/api-keys', { name: 'own' }))).secret as string;
  const secret = await key();
  const openai = (apiKey = secret) =>
    new OpenAI({
      apiKey,
      baseURL: 'http://localhost/v1',
      maxRetries: 0,
      fetch: async (url, init) => client.app.request(String(url), init as RequestInit),
    });
  const channel = readJson(
    await client.signed(
      agent,
      'POST',
      '/v1/channels',
      { asset: 'TNZO', deposit: (10n * TNZO).toString() },
      full,
    ),
  );
  let nonce = 0;
  const opened = await channel;
  /** A voucher for the next nonce authorizing `extra` beyond what the channel has charged. */
  const voucher = async (extra: bigint, who: TestAgent = agent, channelId = opened.id) => {
    const now = await readJson(await client.app.request(`/v1/channels/${channelId}`));
    nonce = now.nonce + 1;
    return voucherHeader(
      signChannelState(
        opened.network,
        { channelId, nonce, cumulativeAmount: (BigInt(now.charged) + extra).toString(), final: false },
        who.keyId,
        who.secretKey,
      ),
    );
  };
  const channelNow = async () => readJson(await client.app.request(`/v1/channels/${opened.id}`));
  return {
    client,
    controller,
    agent,
    mocks,
    ids,
    openai,
    voucher,
    channel: opened,
    channelNow,
    key,
    ownKey,
    secret,
  };
}

const chatBody = { model: 'llama-1b', messages: [{ role: 'user' as const, content: 'hello' }] };

describe('OpenAI-compatible chat and completions, paid per token', () => {
  it('serve a paid chat completion to the official client, with a signed receipt for exactly what was delivered', async () => {
    const { openai, voucher, channel, channelNow, mocks, ids } = await gateway();
    const { data, response } = await openai()
      .chat.completions.create(
        { ...chatBody, logprobs: true },
        { headers: { 'Parley-Voucher': await voucher(100n * PRICE) } },
      )
      .withResponse();
    expect(data.choices[0]?.message.content).toBe(Array.from({ length: 16 }, (_, i) => `t${i} `).join(''));
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.choices[0]?.logprobs?.content).toHaveLength(16);
    expect(data.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 16, total_tokens: 23 });
    const parley = (data as unknown as { parley: Record<string, unknown> }).parley;
    expect(parley).toMatchObject({
      provider: ids[0],
      asset: 'TNZO',
      price_per_token: PRICE.toString(),
      billed_tokens: 16,
      cost: (16n * PRICE).toString(),
    });
    expect(response.headers.get('parley-provider')).toBe(ids[0]);
    expect(response.headers.get('parley-price-per-token')).toBe(PRICE.toString());
    const receipt = JSON.parse(
      Buffer.from(response.headers.get('parley-receipt') ?? '', 'base64url').toString(),
    );
    expect(receipt).toEqual(parley.receipt);
    const { signature, ...unsigned } = receipt;
    expect(
      verifyEd25519(
        Buffer.from(signature, 'hex'),
        receiptBytes(channel.network, unsigned),
        Buffer.from(channel.network, 'hex'),
      ),
    ).toBe(true);
    expect(await channelNow()).toMatchObject({ charged: (16n * PRICE).toString(), nonce: 1 });
    // Upstream always streams (so every token is metered) and never past what the voucher pays for.
    expect(mocks[0]?.received[0]?.body).toMatchObject({
      stream: true,
      max_tokens: 100,
      stream_options: { include_usage: true },
    });
    expect(mocks[0]?.received[0]?.body).not.toHaveProperty('routing');
  });

  it('stream tokens to the official client, ending with the receipt in the last chunk', async () => {
    const { openai, voucher, channelNow } = await gateway();
    const stream = await openai().chat.completions.create(
      { ...chatBody, stream: true, stream_options: { include_usage: true } },
      { headers: { 'Parley-Voucher': await voucher(10n * PRICE) } },
    );
    let text = '';
    const chunks = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe(Array.from({ length: 10 }, (_, i) => `t${i} `).join(''));
    const final = chunks.find((chunk) => chunk.choices[0]?.finish_reason);
    expect(final?.choices[0]?.finish_reason).toBe('payment_limit');
    const parley = (final as unknown as { parley: { receipt: { charged: string }; billed_tokens: number } })
      .parley;
    expect(parley.billed_tokens).toBe(10);
    expect(parley.receipt.charged).toBe((10n * PRICE).toString());
    expect(chunks.at(-1)?.usage).toMatchObject({ completion_tokens: 10 });
    expect((await channelNow()).charged).toBe((10n * PRICE).toString());
  });

  it('stop a provider that ignores max_tokens exactly at what the voucher authorized', async () => {
    const { openai, voucher, channelNow } = await gateway([{ ignoreMaxTokens: true, naturalTokens: 50 }]);
    const stream = await openai().chat.completions.create(
      { ...chatBody, stream: true },
      { headers: { 'Parley-Voucher': await voucher(7n * PRICE + PRICE / 2n) } },
    );
    let pieces = 0;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) pieces++;
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(pieces).toBe(7);
    expect(finish).toBe('payment_limit');
    expect((await channelNow()).charged).toBe((7n * PRICE).toString());
  });

  it('serve text completions and embeddings through the official client, with logprobs passed through', async () => {
    const { openai, voucher, channelNow } = await gateway();
    const completion = await openai().completions.create(
      { model: 'llama-1b', prompt: 'Once', max_tokens: 4, logprobs: 2 },
      { headers: { 'Parley-Voucher': await voucher(10n * PRICE) } },
    );
    expect(completion.choices[0]).toMatchObject({ text: 't0 t1 t2 t3 ', finish_reason: 'length' });
    expect(completion.choices[0]?.logprobs?.tokens).toEqual(['t0 ', 't1 ', 't2 ', 't3 ']);
    expect((await channelNow()).charged).toBe((4n * PRICE).toString());
    const embedded = await openai().embeddings.create(
      { model: 'embed-small', input: ['sixteen bytes!!!', 'eight by'] },
      { headers: { 'Parley-Voucher': await voucher(100n * PRICE) } },
    );
    expect(embedded.data).toHaveLength(2);
    expect(embedded.usage.prompt_tokens).toBe(6);
    expect((await channelNow()).charged).toBe((10n * PRICE).toString());
  });

  it('fail over before the first token, and charge only delivered tokens when a provider dies mid-stream', async () => {
    const failing = await gateway([{ status: 500 }, {}]);
    const served = await failing
      .openai()
      .chat.completions.create(
        { ...chatBody, max_tokens: 3 },
        { headers: { 'Parley-Voucher': await failing.voucher(5n * PRICE) } },
      )
      .withResponse();
    expect(served.data.choices[0]?.message.content).toBe('t0 t1 t2 ');
    expect(served.response.headers.get('parley-provider')).toBe(failing.ids[1]);

    const dying = await gateway([{ dieAfterTokens: 3 }]);
    const stream = await dying
      .openai()
      .chat.completions.create(
        { ...chatBody, stream: true },
        { headers: { 'Parley-Voucher': await dying.voucher(50n * PRICE) } },
      );
    let text = '';
    await expect(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      })(),
    ).rejects.toMatchObject({ code: 'UPSTREAM_FAILED' });
    expect(text).toBe('t0 t1 t2 ');
    expect((await dying.channelNow()).charged).toBe((3n * PRICE).toString());
  });
});

describe('no bypass: every spending route checks payment, authentication and delegation first', () => {
  const routes = [
    { path: '/v1/chat/completions', body: chatBody, operation: 'inference.chat' },
    { path: '/v1/completions', body: { model: 'llama-1b', prompt: 'hi' }, operation: 'inference.completion' },
    { path: '/v1/embeddings', body: { model: 'embed-small', input: 'hi' }, operation: 'inference.embedding' },
  ];

  for (const route of routes) {
    it(`${route.path}: 402 with payment terms, 401, scope and channel checks, before any provider sees it`, async () => {
      const { client, controller, agent, mocks, voucher, channelNow, key, ownKey } = await gateway();
      const post = (headers: Record<string, string>) =>
        client.app.request(route.path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(route.body),
        });
      const unpaid = await post({});
      expect(unpaid.status).toBe(402);
      const terms = await readJson(unpaid);
      expect(terms.error).toMatchObject({ code: 'PAYMENT_REQUIRED', type: 'payment_required' });
      expect(terms.error.details.payment).toMatchObject({
        scheme: 'parley-channel',
        asset: 'TNZO',
        payee: 'system:hub',
        pricePerOutputToken: { min: PRICE.toString(), max: PRICE.toString() },
      });

      const paid = await voucher(10n * PRICE);
      expect((await readJson(await post({ 'parley-voucher': paid }))).error.code).toBe('AUTH_REQUIRED');

      const elsewhere = route.operation === 'inference.chat' ? 'inference.completion' : 'inference.chat';
      const delegation = await readJson(
        await client.delegate(controller, agent, { allowed_operations: [elsewhere] }),
      );
      const scoped = await key(delegation.id);
      const denied = await post({ authorization: `Bearer ${scoped}`, 'parley-voucher': paid });
      expect(denied.status).toBe(403);
      expect((await readJson(denied)).error).toMatchObject({
        code: 'SCOPE_EXCEEDED',
        details: { rule: 'allowed_operations' },
      });

      const capped = await readJson(
        await client.delegate(controller, agent, {
          allowed_operations: [route.operation],
          max_transaction_value: '100',
        }),
      );
      const cappedKey = await key(capped.id);
      const tooMuch = await post({ authorization: `Bearer ${cappedKey}`, 'parley-voucher': paid });
      expect((await readJson(tooMuch)).error.details).toMatchObject({ rule: 'max_transaction_value' });

      const stranger = await client.register('autonomous');
      const strangerKey = await ownKey(stranger);
      const notTheirs = await post({ authorization: `Bearer ${strangerKey}`, 'parley-voucher': paid });
      expect((await readJson(notTheirs)).error.code).toBe('CHANNEL_NOT_USABLE');

      const forged = await voucher(10n * PRICE, stranger);
      const agentKey = await key();
      const badSignature = await post({ authorization: `Bearer ${agentKey}`, 'parley-voucher': forged });
      expect((await readJson(badSignature)).error.code).toBe('VOUCHER_SIGNATURE_INVALID');
      const garbage = await post({ authorization: `Bearer ${agentKey}`, 'parley-voucher': 'not-a-voucher' });
      expect((await readJson(garbage)).error.code).toBe('VOUCHER_UNREADABLE');

      expect(mocks[0]?.received).toEqual([]);
      expect(await channelNow()).toMatchObject({ nonce: 0, charged: '0', authorized: '0' });

      const ok = await post({ authorization: `Bearer ${agentKey}`, 'parley-voucher': paid });
      expect(ok.status).toBe(200);
      expect(mocks[0]?.received).toHaveLength(1);
    });
  }

  it('free models need credentials but no voucher', async () => {
    const { openai, client } = await gateway([{}], '0');
    const anonymous = await client.app.request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...chatBody, max_tokens: 2 }),
    });
    expect(anonymous.status).toBe(401);
    const answer = await openai().chat.completions.create({ ...chatBody, max_tokens: 2 });
    expect(answer.choices[0]?.message.content).toBe('t0 t1 ');
    expect((answer as unknown as { parley: { cost: string; receipt: null } }).parley).toMatchObject({
      cost: '0',
      receipt: null,
    });
  });

  it('reject bad bodies in OpenAI error shape, naming the field', async () => {
    const { openai } = await gateway();
    await expect(openai().chat.completions.create({ model: 'llama-1b', messages: [] })).rejects.toMatchObject(
      { status: 400, code: 'VALIDATION_FAILED', param: 'messages', type: 'invalid_request_error' },
    );
    await expect(openai().chat.completions.create({ ...chatBody, model: 'nope' })).rejects.toMatchObject({
      status: 404,
      code: 'MODEL_NOT_FOUND',
    });
  });
});
