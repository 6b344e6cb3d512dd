import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { signChannelState, voucherHeader } from '../src/channels/index.ts';
import { ensureAgent } from '../src/demo/agent.ts';
import { loadConfig } from '../src/gateway/config.ts';
import { startGateway } from '../src/gateway/main.ts';
import { generateDidKey } from '../src/identity/index.ts';
import { createLlamaEngine, type GpuOption, type InferenceEngine } from '../src/provider/engine/index.ts';
import { GatewayClient } from '../src/provider/gateway-client.ts';
import { randomModelPresets, writeRandomModel } from '../src/provider/gguf/index.ts';
import { startProviderNode } from '../src/provider/node.ts';
import { report } from './harness.ts';

type Preset = keyof typeof randomModelPresets;
const TNZO = 10n ** 18n;

/**
 * Tokens per second of real llama.cpp inference on a generated model, at 1, 8 and 32 concurrent
 * streams (env BENCH_STREAMS), each (a) straight from the engine in process, (b) through the
 * provider node's OpenAI-compatible HTTP API, (c) through gateway + provider with payment on (one
 * channel per stream). CPU by default on the `demo` preset; on a GPU machine:
 * `BENCH_PRESETS=200m-f16,1b-q8_0 BENCH_GPU=cuda npm run bench -- llama`.
 */
export async function llamaBench() {
  const presets = (process.env.BENCH_PRESETS ?? 'demo').split(',') as Preset[];
  const streamCounts = (process.env.BENCH_STREAMS ?? '1,4').split(',').map(Number);
  const tokens = Number(process.env.BENCH_TOKENS ?? 128);
  const gpu = (process.env.BENCH_GPU === 'cpu' ? false : (process.env.BENCH_GPU ?? 'auto')) as GpuOption;
  const root = mkdtempSync(join(tmpdir(), 'parley-bench-llama-'));
  for (const preset of presets) {
    const modelPath = join(root, `${preset}.gguf`);
    const written = writeRandomModel(modelPath, { ...randomModelPresets[preset], seed: 1 });
    const capacity = Math.max(...streamCounts);
    const engine = await createLlamaEngine({ modelPath, modelId: preset, capacity, gpu });
    const gateway = await startGateway(
      loadConfig({
        PARLEY_PORT: '0',
        PARLEY_DATA_DIR: join(root, `gateway-${preset}`),
        PARLEY_LOG_LEVEL: 'warn',
        PARLEY_ALLOW_PRIVATE_PROVIDERS: 'true',
        PARLEY_UPSTREAM_TIMEOUT_MS: '600000',
      }),
    );
    const providerDir = join(root, `provider-${preset}`);
    mkdirSync(providerDir, { recursive: true });
    const key = generateDidKey();
    const node = await startProviderNode({
      engine,
      host: '127.0.0.1',
      port: 0,
      gateway: {
        url: gateway.url,
        key: { didKey: key.did, secretKey: key.secretKey },
        statePath: join(providerDir, 'state.json'),
        name: 'bench',
        pricePerToken: 10n ** 9n,
        minStake: 0n,
        stake: 0n,
        heartbeatMs: 60_000,
      },
      logger: pino({ level: 'warn' }),
      version: 'bench',
    });
    try {
      const paid = await payer(gateway.url, join(providerDir, 'agent.json'), capacity);
      const rows = [];
      for (const streams of streamCounts) {
        const direct = await concurrently(streams, () => viaEngine(engine, tokens));
        const provider = await concurrently(streams, () =>
          viaHttp(`${node.url}/v1/completions`, preset, tokens, {}),
        );
        const gatewayPaid = await concurrently(streams, async (stream) =>
          viaHttp(`${gateway.url}/v1/completions`, preset, tokens, {
            authorization: `Bearer ${paid.apiKey}`,
            'parley-voucher': await paid.voucher(stream),
          }),
        );
        rows.push({
          streams,
          engineTokPerS: direct,
          providerTokPerS: provider,
          gatewayPaidTokPerS: gatewayPaid,
        });
      }
      const single = rows.find((row) => row.streams === 1);
      report('llama', {
        what: `${tokens} new tokens per stream, greedy, completions endpoint; aggregate tokens/s`,
        model: { preset, parameters: written.parameters, bytes: written.bytes, sha256: written.sha256 },
        backend: engine.stats().backend,
        gpu: engine.stats().gpu,
        rows,
        ...(single
          ? {
              gatewayPaidVsEngineSingleStream: Number(
                (single.gatewayPaidTokPerS / single.engineTokPerS).toFixed(3),
              ),
            }
          : {}),
        aim: 'gateway+payment ≥ 95% of the engine single-stream; 32 streams ≥ 5× single (llama-server backend)',
      });
    } finally {
      await node.close(5000);
      await gateway.close();
    }
  }
}

/** Runs `streams` generations at once; aggregate tokens per second over the wall time. */
async function concurrently(streams: number, run: (stream: number) => Promise<number>): Promise<number> {
  await run(0); // warm-up, untimed
  const started = performance.now();
  const counts = await Promise.all(Array.from({ length: streams }, (_, stream) => run(stream)));
  const seconds = (performance.now() - started) / 1000;
  return Math.round(counts.reduce((a, b) => a + b, 0) / seconds);
}

async function viaEngine(engine: InferenceEngine, tokens: number): Promise<number> {
  const result = await engine.generate(
    { prompt: { text: 'Once upon a time' }, maxTokens: tokens, temperature: 0 },
    () => {},
  );
  return result.completionTokens;
}

/** Streams one completion over HTTP and counts the token chunks that arrive. */
async function viaHttp(
  url: string,
  model: string,
  tokens: number,
  headers: Record<string, string>,
): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({
      model,
      prompt: 'Once upon a time',
      max_tokens: tokens,
      temperature: 0,
      stream: true,
    }),
  });
  if (!response.ok || !response.body) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  let count = 0;
  const decoder = new TextDecoder();
  for await (const part of response.body)
    count += (decoder.decode(part, { stream: true }).match(/"text":"[^"]/g) ?? []).length;
  return count;
}

/** An agent with one channel per concurrent stream, so vouchers never race on a nonce. */
async function payer(gatewayUrl: string, agentPath: string, streams: number) {
  const agent = await ensureAgent(agentPath, gatewayUrl, 10n * TNZO);
  const client = new GatewayClient(
    gatewayUrl,
    { didKey: agent.didKey, secretKey: Buffer.from(agent.secretKey, 'hex') },
    agent.did,
  );
  const channels = [{ id: agent.channelId, nonce: 0, authorized: 0n, network: '' }];
  for (let i = 1; i < streams; i++) {
    const opened = await client.post<{ id: string }>('/v1/channels', {
      asset: 'TNZO',
      deposit: TNZO.toString(),
    });
    channels.push({ id: opened.id, nonce: 0, authorized: 0n, network: '' });
  }
  const { publicKey } = await client.get<{ publicKey: string }>('/v1/gateway');
  return {
    apiKey: agent.apiKey,
    async voucher(stream: number) {
      const channel = channels[stream] as (typeof channels)[number];
      channel.nonce++;
      channel.authorized += TNZO / 1000n;
      return voucherHeader(
        signChannelState(
          publicKey,
          {
            channelId: channel.id,
            nonce: channel.nonce,
            cumulativeAmount: channel.authorized.toString(),
            final: false,
          },
          `${agent.did}#key-1`,
          Buffer.from(agent.secretKey, 'hex'),
        ),
      );
    },
  };
}
