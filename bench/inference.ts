import { join } from 'node:path';
import { signChannelState, voucherHeader } from '../src/channels/index.ts';
import { generateDidKey } from '../src/identity/index.ts';
import { GatewayClient } from '../src/provider/gateway-client.ts';
import { benchRoot, type LoadResult, load, report, startGateway, startProcess } from './harness.ts';

const adminToken = 'bench-admin-token-0123456789abcdef';

/**
 * What the gateway adds to /v1/chat/completions over calling a fast mock upstream directly, same
 * run: requests/s and latency without streaming (16 tokens) and with streaming (256 tokens, from
 * which the per-token cost follows), then the added latency of payment (voucher + metering +
 * receipt) on sequential paid requests against the same free ones.
 */
export async function inferenceBench(seconds = Number(process.env.BENCH_SECONDS ?? 5), rounds = 2) {
  const upstream = await startProcess(
    ['--import', 'tsx', join(benchRoot, 'bench/servers/mock-upstream.ts')],
    {},
    (line) => (line.startsWith('listening ') ? line.slice('listening '.length).trim() : undefined),
  );
  const gateway = await startGateway({
    PARLEY_ALLOW_PRIVATE_PROVIDERS: 'true',
    PARLEY_ADMIN_TOKEN: adminToken,
  });
  try {
    const setup = await prepare(gateway.url, upstream.url);
    const body = (model: string, tokens: number, stream: boolean) =>
      JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: tokens, stream });
    const direct = { 'content-type': 'application/json' };
    const viaGateway = { ...direct, authorization: `Bearer ${setup.apiKey}` };
    const best = async (
      url: string,
      connections: number,
      payload: string,
      headers: Record<string, string>,
    ) => {
      let top: LoadResult | undefined;
      for (let round = 0; round < rounds; round++) {
        const result = await load(url, seconds, connections, { method: 'POST', body: payload, headers });
        if (!top || result.requestsPerSecond > top.requestsPerSecond) top = result;
      }
      return top as LoadResult;
    };
    const upstreamChat = `${upstream.url}/v1/chat/completions`;
    const gatewayChat = `${gateway.url}/v1/chat/completions`;
    await load(gatewayChat, 1, 4, {
      method: 'POST',
      body: body('bench-free', 16, false),
      headers: viaGateway,
    });

    const plainDirect = await best(upstreamChat, 32, body('bench-free', 16, false), direct);
    // The gateway always streams from the provider (to meter each token): the same upstream work.
    const plainDirectStreamed = await best(upstreamChat, 32, body('bench-free', 16, true), direct);
    const plainGateway = await best(gatewayChat, 32, body('bench-free', 16, false), viaGateway);
    const streamDirect = await best(upstreamChat, 8, body('bench-free', 256, true), direct);
    const streamGateway = await best(gatewayChat, 8, body('bench-free', 256, true), viaGateway);
    const paid = await sequentialPaid(gateway.url, setup, Number(process.env.BENCH_COUNT ?? 200));

    const addedMs = (a: LoadResult, b: LoadResult) => ({
      p50: Number((b.latencyP50Ms - a.latencyP50Ms).toFixed(2)),
      p99: Number((b.latencyP99Ms - a.latencyP99Ms).toFixed(2)),
    });
    const perTokenUs = ((streamGateway.latencyP50Ms - streamDirect.latencyP50Ms) * 1000) / 256;
    report('inference', {
      what: 'POST /v1/chat/completions through the gateway vs the mock upstream directly (same run, best of rounds)',
      seconds,
      rounds,
      nonStreaming: {
        tokens: 16,
        connections: 32,
        direct: plainDirect,
        directStreamed: plainDirectStreamed,
        gateway: plainGateway,
        ratio: Number((plainGateway.requestsPerSecond / plainDirect.requestsPerSecond).toFixed(3)),
        ratioToStreamed: Number(
          (plainGateway.requestsPerSecond / plainDirectStreamed.requestsPerSecond).toFixed(3),
        ),
        addedLatencyMs: addedMs(plainDirectStreamed, plainGateway),
      },
      streaming: {
        tokens: 256,
        connections: 8,
        direct: streamDirect,
        gateway: streamGateway,
        ratio: Number((streamGateway.requestsPerSecond / streamDirect.requestsPerSecond).toFixed(3)),
        addedLatencyMs: addedMs(streamDirect, streamGateway),
        addedPerTokenUs: Number(perTokenUs.toFixed(2)),
      },
      payment: paid,
      aim: 'added mean ≤ 150 µs, ≥ 50% of direct requests/s, ≤ 20 µs per streamed token; payment < 0.5 ms per request',
    });
  } finally {
    await gateway.stop();
    await upstream.stop();
  }
}

interface Setup {
  apiKey: string;
  payer: { did: string; secretKey: Uint8Array };
  channelId: string;
  network: string;
}

async function prepare(gatewayUrl: string, upstreamUrl: string): Promise<Setup> {
  const ownerKey = generateDidKey();
  const owner = new GatewayClient(gatewayUrl, { didKey: ownerKey.did, secretKey: ownerKey.secretKey });
  await owner.registerIdentity(['provider', 'inference']);
  for (const [model, price] of [
    ['bench-free', '0'],
    ['bench-paid', '1000'],
  ] as const) {
    await owner.post('/v1/registry/models', {
      model_id: model,
      name: model,
      version: '1',
      category: 'LLM',
      modality: 'Text',
      price_per_token: price,
      min_stake: '0',
      max_context_length: 4096,
      parameters: '1000000000',
      sha256: 'ab'.repeat(32),
    });
  }
  await owner.post('/v1/providers', {
    name: 'mock',
    endpoint: upstreamUrl,
    models: ['bench-free', 'bench-paid'],
    capacity: 100_000,
  });
  const { secret } = await owner.post<{ secret: string }>('/v1/api-keys', { name: 'bench' });
  await owner.post('/v1/faucet');
  const channel = await owner.post<{ id: string; network: string }>('/v1/channels', {
    asset: 'TNZO',
    deposit: (100n * 10n ** 18n).toString(),
  });
  return {
    apiKey: secret,
    payer: { did: owner.did as string, secretKey: ownerKey.secretKey },
    channelId: channel.id,
    network: channel.network,
  };
}

/** Mean latency of sequential requests, free and paid alternating, 16 tokens each. */
async function sequentialPaid(gatewayUrl: string, setup: Setup, count: number) {
  const url = `${gatewayUrl}/v1/chat/completions`;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${setup.apiKey}` };
  let nonce = 0;
  let charged = 0n;
  const times = { free: 0, paid: 0 };
  for (let i = 0; i < count; i++) {
    for (const paid of [false, true]) {
      const model = paid ? 'bench-paid' : 'bench-free';
      const extra: Record<string, string> = {};
      if (paid) {
        nonce++;
        extra['parley-voucher'] = voucherHeader(
          signChannelState(
            setup.network,
            {
              channelId: setup.channelId,
              nonce,
              cumulativeAmount: (charged + 16n * 1000n).toString(),
              final: false,
            },
            `${setup.payer.did}#key-1`,
            setup.payer.secretKey,
          ),
        );
      }
      const started = performance.now();
      const response = await fetch(url, {
        method: 'POST',
        headers: { ...headers, ...extra },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 16 }),
      });
      const answer = (await response.json()) as { parley?: { cost: string } };
      if (i > 0) times[paid ? 'paid' : 'free'] += performance.now() - started;
      if (!response.ok) throw new Error(`paid bench request failed: ${JSON.stringify(answer)}`);
      if (paid) charged += BigInt(answer.parley?.cost ?? '0');
    }
  }
  const freeUs = (times.free * 1000) / (count - 1);
  const paidUs = (times.paid * 1000) / (count - 1);
  return {
    requests: count,
    freeMeanUs: Math.round(freeUs),
    paidMeanUs: Math.round(paidUs),
    paymentAddsUs: Math.round(paidUs - freeUs),
    note: 'sequential, 16 tokens, voucher signed by the client outside the timing',
  };
}
