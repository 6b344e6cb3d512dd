import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { signChannelState } from '../src/channels/index.ts';
import { ensureAgent, nextVoucher } from '../src/demo/agent.ts';
import { generateDidKey } from '../src/identity/index.ts';
import { GatewayClient } from '../src/provider/gateway-client.ts';
import { type MockUpstream, startMockUpstream } from '../src/router/testing.ts';
import { type GatewayProcess, runCli, startGateway } from './support/gateway-process.ts';

const TNZO = 10n ** 18n;
const running: Array<GatewayProcess | MockUpstream> = [];
afterEach(async () => {
  for (const item of running.splice(0)) 'child' in item ? await item.stop('SIGKILL') : await item.close();
});

async function balanceOf(url: string, account: string): Promise<bigint> {
  const { balances } = (await (await fetch(`${url}/v1/accounts/${account}/balances`)).json()) as {
    balances: Array<{ asset: string; amount: string }>;
  };
  return BigInt(balances.find((b) => b.asset === 'TNZO')?.amount ?? '0');
}

describe('a gateway killed (kill -9) in the middle of a paid stream', () => {
  it('comes back with the channel charged exactly the last receipt issued, and books that balance', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-crash-'));
    const env = { PARLEY_DATA_DIR: dataDir, PARLEY_ALLOW_PRIVATE_PROVIDERS: 'true' };
    const upstream = await startMockUpstream({ naturalTokens: 10_000, tokenDelayMs: 5 });
    let gateway = await startGateway(env);
    running.push(upstream, gateway);

    const ownerKey = generateDidKey();
    const owner = new GatewayClient(gateway.url, { didKey: ownerKey.did, secretKey: ownerKey.secretKey });
    await owner.registerIdentity(['provider']);
    await owner.post('/v1/registry/models', {
      model_id: 'crash-test',
      name: 'crash-test',
      version: '1',
      category: 'LLM',
      modality: 'Text',
      price_per_token: '1000000000000',
      min_stake: '0',
      max_context_length: 4096,
      parameters: '1000000000',
      sha256: 'cd'.repeat(32),
    });
    await owner.post('/v1/providers', { name: 'mock', endpoint: upstream.url, models: ['crash-test'] });
    const agent = await ensureAgent(join(dataDir, 'agent.json'), gateway.url, 10n * TNZO);
    const chat = (voucher: string, stream: boolean, maxTokens: number) =>
      fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${agent.apiKey}`,
          'parley-voucher': voucher,
        },
        body: JSON.stringify({
          model: 'crash-test',
          stream,
          max_tokens: maxTokens,
          messages: [{ role: 'user', content: 'hi' }],
        }),
      });

    const first = await chat(await nextVoucher(agent, TNZO / 100n), false, 5);
    const receipt = JSON.parse(
      Buffer.from(first.headers.get('parley-receipt') ?? '', 'base64url').toString(),
    );
    const lastCharged = BigInt(receipt.charged);
    expect(lastCharged).toBeGreaterThan(0n);

    const authorized = lastCharged + TNZO / 10n;
    const streaming = await chat(await nextVoucher(agent, TNZO / 10n), true, 5000);
    const reader = (streaming.body as ReadableStream<Uint8Array>).getReader();
    let delivered = '';
    while ((delivered.match(/"content"/g) ?? []).length < 20) {
      const next = await reader.read();
      if (next.done) throw new Error('the stream ended before the crash');
      delivered += new TextDecoder().decode(next.value);
    }
    expect(await gateway.stop('SIGKILL')).toBeNull();
    await reader.cancel().catch(() => {});

    gateway = await startGateway(env);
    running.push(gateway);
    const channel = (await (await fetch(`${gateway.url}/v1/channels/${agent.channelId}`)).json()) as Record<
      string,
      unknown
    >;
    // The voucher was durable before tokens flowed; nothing after the last receipt was charged.
    expect(channel).toMatchObject({
      nonce: 2,
      charged: lastCharged.toString(),
      authorized: authorized.toString(),
    });

    const payer = new GatewayClient(
      gateway.url,
      { didKey: agent.didKey, secretKey: Buffer.from(agent.secretKey, 'hex') },
      agent.did,
    );
    const finalState = signChannelState(
      String(channel.network),
      { channelId: agent.channelId, nonce: 3, cumulativeAmount: lastCharged.toString(), final: true },
      `${agent.did}#key-1`,
      Buffer.from(agent.secretKey, 'hex'),
    );
    await payer.post(`/v1/channels/${agent.channelId}/close`, { state: finalState });
    expect(await balanceOf(gateway.url, agent.did)).toBe(1000n * TNZO - lastCharged);
    const commission = (lastCharged * 5n) / 1000n;
    expect(await balanceOf(gateway.url, 'system:hub')).toBe(lastCharged - commission);
    expect(await gateway.stop()).toBe(0);
    const verified = await runCli(['ledger', 'verify'], { PARLEY_DATA_DIR: dataDir });
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, problems: [] });
  });
});
