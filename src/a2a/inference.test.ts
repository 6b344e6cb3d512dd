import { type Message, type StreamResponse, type Task, TaskState } from '@a2a-js/sdk';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeVoucher } from '../channels/index.ts';
import { metadataKeys } from './schemas.ts';
import {
  a2aClient,
  bearerFetch,
  collect,
  paidInference,
  type ServedGateway,
  sendRequest,
  startGateway,
  textPart,
  userMessage,
} from './testing.ts';

/** 1,000 atomic units × size 1 (1B parameters) × utilization 0.5 (idle) = 500 per output token. */
const PRICE = 500n;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function setup(options: Parameters<typeof paidInference>[1] = {}) {
  const gateway: ServedGateway = await startGateway();
  const paid = await paidInference(gateway, options);
  closers.push(gateway.close, paid.upstream.close);
  const client = await a2aClient(gateway.url, bearerFetch(paid.payer.apiKey));
  return { gateway, paid, client };
}

const chat = (model: string, maxTokens: number) => ({
  skill: 'inference',
  action: 'chat',
  model,
  messages: [{ role: 'user', content: 'hello' }],
  max_tokens: maxTokens,
});

const tokens = (count: number, from = 0) => Array.from({ length: count }, (_, i) => `t${from + i} `);

const asTask = (result: Message | Task): Task => {
  if (!('status' in result)) throw new Error('expected a task');
  return result;
};
const chunksOf = (events: StreamResponse[]) =>
  events.flatMap((event) => (event.payload?.$case === 'artifactUpdate' ? [event.payload.value] : []));
const textOf = (parts: Task['artifacts'][number]['parts'] | undefined) =>
  (parts ?? []).map((part) => (part.content?.$case === 'text' ? part.content.value : '')).join('');
const lastState = (events: StreamResponse[]) => {
  const last = events.at(-1)?.payload;
  return last?.$case === 'statusUpdate' ? last.value.status?.state : undefined;
};

/** The follow-up message that pays for a parked task, as an a2a-x402 client sends it. */
function payment(taskId: string, voucher: unknown, accepted: unknown): Message {
  return userMessage([textPart('Here is the payment authorization.')], {
    taskId,
    metadata: {
      [metadataKeys.paymentStatus]: 'payment-submitted',
      [metadataKeys.paymentPayload]: { x402Version: 2, accepted, payload: { voucher } },
    },
  });
}

describe('inference skill', () => {
  it('streams a completion token by token as artifact chunks, then stores it as one text', async () => {
    const { client } = await setup();
    const events = await collect(client.sendMessageStream(sendRequest(chat('free-1b', 5))));
    expect(events.map((event) => event.payload?.$case).slice(0, 2)).toEqual(['task', 'statusUpdate']);
    const chunks = chunksOf(events);
    const streamed = chunks.filter((chunk) => chunk.artifact?.name === 'completion' && !chunk.lastChunk);
    expect(streamed.map((chunk) => textOf(chunk.artifact?.parts))).toEqual(tokens(5));
    expect(streamed.map((chunk) => chunk.append)).toEqual([false, true, true, true, true]);
    const final = chunks.find((chunk) => chunk.artifact?.name === 'completion' && chunk.lastChunk);
    expect(final).toMatchObject({
      append: false,
      lastChunk: true,
      artifact: { metadata: { finishReason: 'length' } },
    });
    expect(textOf(final?.artifact?.parts)).toBe(tokens(5).join(''));
    expect(lastState(events)).toBe(TaskState.TASK_STATE_COMPLETED);

    const taskId = events[0]?.payload?.$case === 'task' ? events[0].payload.value.id : '';
    const stored = await client.getTask({ tenant: '', id: taskId, historyLength: undefined });
    expect(stored.artifacts.map((artifact) => artifact.name)).toEqual(['completion', 'billing']);
    expect(stored.artifacts[0]?.parts).toHaveLength(1);
    expect(textOf(stored.artifacts[0]?.parts)).toBe(tokens(5).join(''));
  });

  it('asks for payment (x402, input-required), continues on the voucher and completes with a receipt', async () => {
    const { client, paid } = await setup();
    const parked = asTask(await client.sendMessage(sendRequest(chat('llama-1b', 8))));
    expect(parked.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    const asked = parked.status?.message?.metadata ?? {};
    expect(asked[metadataKeys.paymentStatus]).toBe('payment-required');
    const required = asked[metadataKeys.paymentRequired];
    expect(required).toMatchObject({
      x402Version: 2,
      accepts: [
        {
          scheme: 'parley-channel',
          network: paid.channel.network,
          amount: (8n * PRICE).toString(),
          asset: 'TNZO',
          payTo: 'system:hub',
          extra: { maxOutputTokens: 8, pricePerOutputToken: { max: PRICE.toString() } },
        },
      ],
    });
    expect((await paid.channelNow()).charged).toBe('0');

    const voucher = await paid.voucher(BigInt(required.accepts[0].amount));
    const done = asTask(
      await client.sendMessage({
        tenant: '',
        message: payment(parked.id, voucher, required.accepts[0]),
        configuration: undefined,
        metadata: undefined,
      }),
    );
    expect(done.id).toBe(parked.id);
    expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(textOf(done.artifacts[0]?.parts)).toBe(tokens(8).join(''));
    const settled = done.status?.message?.metadata ?? {};
    expect(settled[metadataKeys.paymentStatus]).toBe('payment-completed');
    const receipt = settled[metadataKeys.receipt];
    expect(receipt).toMatchObject({
      channelId: paid.channel.id,
      charged: (8n * PRICE).toString(),
      sequence: 1,
    });
    expect(settled[metadataKeys.paymentReceipts]).toEqual([
      {
        success: true,
        transaction: `${paid.channel.id}#1`,
        network: paid.channel.network,
        payer: paid.payer.agent.did,
      },
    ]);
    expect(done.artifacts[1]?.metadata?.[metadataKeys.receipt]).toEqual(receipt);
    expect((await paid.channelNow()).charged).toBe((8n * PRICE).toString());
    // The state history keeps every step: asked, paid, worked, completed.
    const history = await client.getTask({ tenant: '', id: parked.id, historyLength: undefined });
    expect(history.history.filter((m) => m.metadata?.[metadataKeys.paymentStatus]).length).toBe(3);

    // The verification skill checks the receipt against the gateway key, and catches a forgery.
    const verify = async (value: unknown) => {
      const task = asTask(
        await client.sendMessage(sendRequest({ skill: 'verification', action: 'receipt', receipt: value })),
      );
      const part = task.artifacts[0]?.parts[0]?.content;
      return part?.$case === 'data' ? part.value : undefined;
    };
    expect(await verify(receipt)).toMatchObject({
      valid: true,
      signer: paid.channel.network,
      coveredByChannel: true,
    });
    expect(await verify({ ...receipt, charged: '1' })).toMatchObject({ valid: false });
  });

  it('takes a voucher up front (parley/voucher) and streams the paid completion at once', async () => {
    const { client, paid } = await setup();
    const voucher = await paid.voucherHeader(4n * PRICE);
    const events = await collect(
      client.sendMessageStream({
        tenant: '',
        message: userMessage(sendRequest(chat('llama-1b', 4)).message?.parts ?? [], {
          metadata: { [metadataKeys.voucher]: voucher },
        }),
        configuration: undefined,
        metadata: undefined,
      }),
    );
    const states = events.flatMap((e) =>
      e.payload?.$case === 'statusUpdate' ? [e.payload.value.status?.state] : [],
    );
    expect(states).toEqual([TaskState.TASK_STATE_WORKING, TaskState.TASK_STATE_COMPLETED]);
    expect(chunksOf(events).filter((c) => !c.lastChunk)).toHaveLength(4);
    expect((await paid.channelNow()).charged).toBe((4n * PRICE).toString());
  });

  it('fails the payment when the client declines or the voucher is stale, charging nothing', async () => {
    const { client, paid } = await setup();
    const declined = asTask(await client.sendMessage(sendRequest(chat('llama-1b', 4))));
    const answer = asTask(
      await client.sendMessage({
        tenant: '',
        message: userMessage([textPart('no thanks')], {
          taskId: declined.id,
          metadata: { [metadataKeys.paymentStatus]: 'payment-rejected' },
        }),
        configuration: undefined,
        metadata: undefined,
      }),
    );
    expect(answer.status?.state).toBe(TaskState.TASK_STATE_FAILED);
    expect(answer.status?.message?.metadata).toMatchObject({
      [metadataKeys.paymentStatus]: 'payment-rejected',
      [metadataKeys.paymentError]: 'PAYMENT_REJECTED',
    });

    const used = await paid.voucher(4n * PRICE);
    await client.sendMessage({
      tenant: '',
      message: userMessage(sendRequest(chat('llama-1b', 4)).message?.parts ?? [], {
        metadata: { [metadataKeys.voucher]: encodeVoucher(used) },
      }),
      configuration: undefined,
      metadata: undefined,
    });
    const chargedBefore = (await paid.channelNow()).charged;
    const parked = asTask(await client.sendMessage(sendRequest(chat('llama-1b', 4))));
    const stale = asTask(
      await client.sendMessage({
        tenant: '',
        message: payment(parked.id, used, undefined),
        configuration: undefined,
        metadata: undefined,
      }),
    );
    expect(stale.status?.state).toBe(TaskState.TASK_STATE_FAILED);
    expect(stale.status?.message?.metadata).toMatchObject({
      [metadataKeys.paymentStatus]: 'payment-failed',
      [metadataKeys.paymentError]: 'VOUCHER_STALE',
    });
    expect((await paid.channelNow()).charged).toBe(chargedBefore);
  });

  it('rejects a model outside the delegation before any provider or payment is touched', async () => {
    const { client, paid } = await setup({ policy: { allowed_models: ['free-1b'] } });
    const voucher = await paid.voucherHeader(4n * PRICE);
    const task = asTask(
      await client.sendMessage({
        tenant: '',
        message: userMessage(sendRequest(chat('llama-1b', 4)).message?.parts ?? [], {
          metadata: { [metadataKeys.voucher]: voucher },
        }),
        configuration: undefined,
        metadata: undefined,
      }),
    );
    expect(task.status?.state).toBe(TaskState.TASK_STATE_REJECTED);
    const error = task.status?.message?.parts[1]?.content;
    expect(error?.$case === 'data' && error.value.error).toMatchObject({
      code: 'SCOPE_EXCEEDED',
      details: { rule: 'allowed_models' },
    });
    expect(paid.upstream.received).toHaveLength(0);
  });

  it('cancels a paid completion mid-stream; the channel is charged only for the tokens delivered', async () => {
    const { client, paid } = await setup({ upstream: { tokenDelayMs: 25, naturalTokens: 60 } });
    const voucher = await paid.voucherHeader(60n * PRICE);
    const stream = client.sendMessageStream({
      tenant: '',
      message: userMessage(sendRequest(chat('llama-1b', 60)).message?.parts ?? [], {
        metadata: { [metadataKeys.voucher]: voucher },
      }),
      configuration: undefined,
      metadata: undefined,
    });
    const events: StreamResponse[] = [];
    let canceled: Task | undefined;
    for await (const event of stream) {
      events.push(event);
      const taskId = events[0]?.payload?.$case === 'task' ? events[0].payload.value.id : '';
      if (chunksOf(events).length === 3 && !canceled)
        canceled = await client.cancelTask({ tenant: '', id: taskId, metadata: undefined });
    }
    expect(canceled?.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    expect(lastState(events)).toBe(TaskState.TASK_STATE_CANCELED);
    const delivered = chunksOf(events).length;
    // The relay writes the receipt once it notices the cancel, at the provider's next token.
    const charged = await vi.waitFor(async () => {
      const now = BigInt((await paid.channelNow()).charged);
      if (now === 0n) throw new Error('no receipt yet');
      return now;
    });
    expect(charged % PRICE).toBe(0n);
    expect(charged / PRICE).toBeGreaterThanOrEqual(3n);
    expect(charged / PRICE).toBeLessThan(60n);
    expect(Number(charged / PRICE)).toBeGreaterThanOrEqual(delivered);
  });

  it('lets a client that dropped its stream resubscribe and see the task through to the end', async () => {
    const { client } = await setup({ upstream: { tokenDelayMs: 20, naturalTokens: 12 } });
    const dropped: StreamResponse[] = [];
    for await (const event of client.sendMessageStream(sendRequest(chat('free-1b', 12)))) {
      dropped.push(event);
      if (chunksOf(dropped).length === 2) break;
    }
    const taskId = dropped[0]?.payload?.$case === 'task' ? dropped[0].payload.value.id : '';
    const resumed = await collect(client.resubscribeTask({ tenant: '', id: taskId }));
    const snapshot = resumed[0]?.payload;
    expect(snapshot?.$case).toBe('task');
    expect(snapshot?.$case === 'task' && snapshot.value.status?.state).toBe(TaskState.TASK_STATE_WORKING);
    expect(lastState(resumed)).toBe(TaskState.TASK_STATE_COMPLETED);
    const stored = await client.getTask({ tenant: '', id: taskId, historyLength: 0 });
    expect(stored.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(stored.history).toEqual([]);
    expect(textOf(stored.artifacts[0]?.parts)).toBe(tokens(12).join(''));
  });
});
