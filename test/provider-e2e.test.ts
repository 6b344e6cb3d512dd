import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiptBytes } from '../src/channels/index.ts';
import { type AgentFile, ensureAgent, nextVoucher } from '../src/demo/agent.ts';
import { verifyEd25519 } from '../src/shared/index.ts';
import {
  type GatewayProcess,
  type ProviderProcess,
  startGateway,
  startProvider,
} from './support/gateway-process.ts';

const TNZO = 10n ** 18n;
let gateway: GatewayProcess;
let providers: ProviderProcess[] = [];
let agent: AgentFile;

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'parley-provider-e2e-'));
  gateway = await startGateway({
    PARLEY_DATA_DIR: join(root, 'gateway'),
    PARLEY_ALLOW_PRIVATE_PROVIDERS: 'true',
  });
  const provider = (name: string) =>
    startProvider([
      '--generate',
      'tiny',
      '--gateway',
      gateway.url,
      '--port',
      '0',
      '--data-dir',
      join(root, name),
      '--capacity',
      '2',
      '--price',
      '1000000000000',
      '--min-stake',
      '0',
      '--threads',
      '1',
    ]);
  // One after the other: the first publishes the model, the second finds it with the same hash.
  providers = [await provider('a'), await provider('b')];
  agent = await ensureAgent(join(root, 'agent.json'), gateway.url, 10n * TNZO);
}, 120_000);

afterAll(async () => {
  for (const provider of providers) await provider.stop('SIGKILL');
  await gateway?.stop();
});

const openai = () => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: agent.apiKey, maxRetries: 0 });
const model = 'parley-tiny-seed1';

describe('OpenAI client → gateway → router → llama.cpp provider node', () => {
  it('streams a paid completion from a real model, metered per token, with a signed receipt', async () => {
    const listed = [];
    for await (const entry of openai().models.list()) listed.push(entry.id);
    expect(listed).toContain(model);
    const stream = await openai().chat.completions.create(
      { model, stream: true, max_tokens: 24, temperature: 0, messages: [{ role: 'user', content: 'Hello' }] },
      { headers: { 'Parley-Voucher': await nextVoucher(agent, TNZO / 100n) } },
    );
    let text = '';
    let last: Record<string, unknown> | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.choices[0]?.finish_reason) last = chunk as unknown as Record<string, unknown>;
    }
    expect(text.length).toBeGreaterThan(0);
    const billing = last?.parley as {
      billed_tokens: number;
      cost: string;
      price_per_token: string;
      receipt: Record<string, unknown>;
    };
    expect(billing.billed_tokens).toBe(24);
    const { signature, ...unsigned } = billing.receipt as { signature: string } & Record<string, unknown>;
    const channel = (await (await fetch(`${gateway.url}/v1/channels/${agent.channelId}`)).json()) as {
      charged: string;
      network: string;
    };
    expect(channel.charged).toBe(billing.cost);
    expect(
      verifyEd25519(
        Buffer.from(signature, 'hex'),
        receiptBytes(channel.network, unsigned as never),
        Buffer.from(channel.network, 'hex'),
      ),
    ).toBe(true);

    // Greedy decoding is deterministic: the same request gives the same text, streamed or not.
    const again = await openai().chat.completions.create(
      { model, max_tokens: 24, temperature: 0, messages: [{ role: 'user', content: 'Hello' }] },
      { headers: { 'Parley-Voucher': await nextVoucher(agent, TNZO / 100n) } },
    );
    expect(again.choices[0]?.message.content).toBe(text);
  });

  it('ends the stream with an error when the serving provider is killed mid-stream, then fails over', async () => {
    const stream = await openai()
      .chat.completions.create(
        {
          model,
          stream: true,
          max_tokens: 4000,
          messages: [{ role: 'user', content: 'Tell me everything' }],
        },
        { headers: { 'Parley-Voucher': await nextVoucher(agent, TNZO / 10n) } },
      )
      .withResponse();
    const serving = providers.find((p) => p.providerId === stream.response.headers.get('parley-provider'));
    expect(serving).toBeDefined();
    // Freeze the node at once (a tiny model could otherwise finish all 512 tokens of its context
    // before the kill lands), then kill it once a token has come through.
    serving?.child.kill('SIGSTOP');
    let pieces = 0;
    await expect(
      (async () => {
        for await (const chunk of stream.data) {
          if (chunk.choices[0]?.delta?.content) pieces++;
          if (pieces === 1) await serving?.stop('SIGKILL');
        }
      })(),
    ).rejects.toMatchObject({ code: 'UPSTREAM_FAILED' });
    const before = (await (await fetch(`${gateway.url}/v1/channels/${agent.channelId}`)).json()) as {
      charged: string;
    };
    const survivor = providers.find((p) => p !== serving) as ProviderProcess;
    const next = await openai()
      .chat.completions.create(
        { model, max_tokens: 8, messages: [{ role: 'user', content: 'Still there?' }] },
        { headers: { 'Parley-Voucher': await nextVoucher(agent, TNZO / 100n) } },
      )
      .withResponse();
    expect(next.response.headers.get('parley-provider')).toBe(survivor.providerId);
    const health = (await (await fetch(`${gateway.url}/v1/providers/${serving?.providerId}`)).json()) as {
      health: { failures: number };
    };
    expect(health.health.failures).toBeGreaterThan(0);
    expect(BigInt(before.charged)).toBeGreaterThan(0n);
  });
});
