import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeVoucher } from '../channels/index.ts';
import { messagesOf, postMcp, rawSession, readEvents } from './sse-testing.ts';
import { type McpGateway, PRICE, startMcpGateway, structured, toolErrorOf } from './testing.ts';

const hello = { model: 'llama-1b', messages: [{ role: 'user', content: 'hello' }] };
const tokens = (count: number) => Array.from({ length: count }, (_, i) => `t${i} `).join('');

let gateway: McpGateway;
let agent: Client;
beforeAll(async () => {
  // Tokens 20 ms apart, so that a cancellation or a dropped stream lands mid-answer.
  gateway = await startMcpGateway({ tokenDelayMs: 20 });
  agent = await gateway.connect(gateway.apiKey);
});
afterAll(() => gateway.close());

describe('chat', () => {
  it('runs a paid completion with a voucher and returns the answer with a receipt that verifies', async () => {
    const { voucher: sign, charged } = await gateway.payer();
    const voucher = await sign(100n * PRICE);
    const answer = structured(await agent.callTool({ name: 'chat', arguments: { ...hello, voucher } }));
    expect(answer).toMatchObject({
      model: 'llama-1b',
      text: tokens(16),
      finish_reason: 'stop',
      usage: { prompt_tokens: 7, completion_tokens: 16, total_tokens: 23 },
      billing: { provider: gateway.providerId, price_per_token: PRICE.toString(), billed_tokens: 16 },
    });
    expect(answer.billing.cost).toBe((16n * PRICE).toString());
    expect(await charged()).toBe(16n * PRICE);
    // The provider was asked for no more tokens than the voucher pays for.
    expect(gateway.mock.received.at(-1)?.body).toMatchObject({ max_tokens: 100, stream: true });

    const proof = structured(
      await agent.callTool({ name: 'verify_proof', arguments: { receipt: answer.billing.receipt } }),
    );
    expect(proof).toMatchObject({ kind: 'receipt', valid: true });
    const forged = { ...answer.billing.receipt, charged: '1' };
    const refuted = structured(
      await agent.callTool({ name: 'verify_proof', arguments: { receipt: forged } }),
    );
    expect(refuted.checks.find((check: { check: string }) => check.check === 'signature').ok).toBe(false);
  });

  it('takes the voucher from _meta["parley/voucher"] too, in its header form', async () => {
    const voucher = encodeVoucher(await (await gateway.payer()).voucher(4n * PRICE));
    const answer = structured(
      await agent.callTool({ name: 'chat', arguments: hello, _meta: { 'parley/voucher': voucher } }),
    );
    expect(answer).toMatchObject({ text: tokens(4), finish_reason: 'payment_limit' });
    expect(answer.billing.billed_tokens).toBe(4);
  });

  it('answers an unpaid call to a priced model with PAYMENT_REQUIRED and how to pay, and serves free models', async () => {
    const unpaid = toolErrorOf(await agent.callTool({ name: 'chat', arguments: hello }));
    expect(unpaid.code).toBe('PAYMENT_REQUIRED');
    expect(unpaid.details).toMatchObject({
      model: 'llama-1b',
      payment: { scheme: 'parley-channel', payee: 'system:hub', network: gateway.channel.network },
      mcp: { steps: expect.arrayContaining([expect.stringContaining('open_channel')]) },
    });
    const unreadable = toolErrorOf(
      await agent.callTool({ name: 'chat', arguments: { ...hello, voucher: 'not-a-voucher-at-all' } }),
    );
    expect(unreadable.code).toBe('VOUCHER_UNREADABLE');

    const free = structured(
      await agent.callTool({ name: 'chat', arguments: { ...hello, model: 'free-1b', max_tokens: 3 } }),
    );
    expect(free).toMatchObject({ text: tokens(3), finish_reason: 'length' });
    expect(free.billing).toMatchObject({ cost: '0', receipt: null });
  });

  it('checks the delegation under the tool name: chat, allowed models, and what the voucher adds', async () => {
    const { voucher: sign } = await gateway.payer();
    const chatOnly = await gateway.connect(await gateway.agentKey({ allowed_operations: ['chat'] }));
    const voucher = await sign(2n * PRICE);
    expect(structured(await chatOnly.callTool({ name: 'chat', arguments: { ...hello, voucher } })).text).toBe(
      tokens(2),
    );

    const httpOnly = await gateway.connect(
      await gateway.agentKey({ allowed_operations: ['inference.chat'] }),
    );
    expect(toolErrorOf(await httpOnly.callTool({ name: 'chat', arguments: hello }))).toMatchObject({
      code: 'SCOPE_EXCEEDED',
      details: { rule: 'allowed_operations', requested: 'chat' },
    });
    const freeOnly = await gateway.connect(await gateway.agentKey({ allowed_models: ['free-1b'] }));
    const priced = { ...hello, voucher: await sign(2n * PRICE) };
    expect(toolErrorOf(await freeOnly.callTool({ name: 'chat', arguments: priced }))).toMatchObject({
      code: 'SCOPE_EXCEEDED',
      details: { rule: 'allowed_models' },
    });
    const small = await gateway.connect(
      await gateway.agentKey({ max_transaction_value: (PRICE - 1n).toString() }),
    );
    const tooBig = { ...hello, voucher: await sign(2n * PRICE) };
    expect(toolErrorOf(await small.callTool({ name: 'chat', arguments: tooBig }))).toMatchObject({
      code: 'SCOPE_EXCEEDED',
      details: { rule: 'max_transaction_value' },
    });
  });

  it('streams the answer as progress notifications when the client sends a progressToken', async () => {
    const updates: Progress[] = [];
    const voucher = await (await gateway.payer()).voucher(10n * PRICE);
    const result = await agent.callTool(
      { name: 'chat', arguments: { ...hello, voucher, max_tokens: 12 } },
      undefined,
      {
        onprogress: (progress) => updates.push(progress),
      },
    );
    const answer = structured(result);
    expect(answer).toMatchObject({ text: tokens(10), finish_reason: 'payment_limit' });
    expect(updates.map((update) => update.progress)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(updates.map((update) => update.message).join('')).toBe(answer.text);
    expect(updates[0]?.total).toBe(12);
    expect(answer.billing.receipt.charged).toBe((10n * PRICE).toString());
  });

  it('stops and charges only what was delivered when the client cancels', async () => {
    const { voucher: sign, charged: chargedNow } = await gateway.payer();
    const voucher = await sign(16n * PRICE);
    const cancel = new AbortController();
    let seen = 0;
    const call = agent.callTool({ name: 'chat', arguments: { ...hello, voucher } }, undefined, {
      signal: cancel.signal,
      onprogress: () => {
        if (++seen === 3) cancel.abort();
      },
    });
    await expect(call).rejects.toThrow();
    const settled = async () => {
      for (let i = 0; i < 50; i++) {
        const charged = await chargedNow();
        if (charged > 0n) return charged;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return 0n;
    };
    const charged = await settled();
    expect(charged % PRICE).toBe(0n);
    expect(charged / PRICE).toBeGreaterThanOrEqual(3n);
    expect(charged / PRICE).toBeLessThan(16n);
  });

  it('keeps a dropped chat stream for the session: GET with Last-Event-ID replays the rest and the result', async () => {
    const { headers } = await rawSession(gateway.mcpUrl, { authorization: `Bearer ${gateway.apiKey}` });
    const voucher = await (await gateway.payer()).voucher(8n * PRICE);
    const request = {
      jsonrpc: '2.0',
      id: 42,
      method: 'tools/call',
      params: { name: 'chat', arguments: { ...hello, voucher }, _meta: { progressToken: 'p1' } },
    };
    const first = await readEvents(await postMcp(gateway.mcpUrl, request, headers), (events) =>
      events.some((event) => event.data.includes('"progress":2')),
    );
    const cursor = first.at(-1)?.id as string;
    const resume = () =>
      fetch(gateway.mcpUrl, {
        headers: { ...headers, accept: 'text/event-stream', 'last-event-id': cursor },
      });
    // The gateway answers 409 until it has seen the old connection go; clients retry, as the SDK does.
    let reconnected = await resume();
    for (let attempt = 0; reconnected.status === 409 && attempt < 50; attempt++) {
      await reconnected.text();
      await new Promise((resolve) => setTimeout(resolve, 10));
      reconnected = await resume();
    }
    expect(reconnected.status).toBe(200);
    const resumed = await readEvents(reconnected, (events) =>
      events.some((event) => event.data.includes('"id":42')),
    );
    const messages = [...messagesOf(first), ...messagesOf(resumed)];
    const progress = messages.filter((message) => message.method === 'notifications/progress');
    expect(progress.map((message) => message.params.progress)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const result = messages.find((message) => message.id === 42);
    expect(result.result.structuredContent).toMatchObject({
      text: tokens(8),
      finish_reason: 'payment_limit',
    });
  });
});

describe('chat against a provider that dies mid-answer', () => {
  let dying: McpGateway;
  beforeAll(async () => {
    dying = await startMcpGateway({ dieAfterTokens: 3 });
  });
  afterAll(() => dying.close());

  it('fails with UPSTREAM_FAILED, the text delivered and the receipt for exactly that', async () => {
    const client = await dying.connect(dying.apiKey);
    const voucher = await (await dying.payer()).voucher(16n * PRICE);
    const progress: string[] = [];
    const result = await client.callTool({ name: 'chat', arguments: { ...hello, voucher } }, undefined, {
      onprogress: (update) => progress.push(update.message ?? ''),
    });
    const error = toolErrorOf(result);
    expect(error.code).toBe('UPSTREAM_FAILED');
    expect(error.details).toMatchObject({
      delivered: tokens(3),
      billing: {
        billed_tokens: 3,
        cost: (3n * PRICE).toString(),
        receipt: { charged: (3n * PRICE).toString() },
      },
    });
    expect(progress.join('')).toBe(tokens(3));
  });
});
