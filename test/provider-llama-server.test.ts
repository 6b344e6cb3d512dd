import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentFile, ensureAgent, nextVoucher } from '../src/demo/agent.ts';
import {
  type GatewayProcess,
  type ProviderProcess,
  startGateway,
  startProvider,
} from './support/gateway-process.ts';
import { until } from './support/until.ts';

/**
 * `parley provider --backend llama-server` end to end: registration, paid streaming with logprobs
 * and receipts through the gateway, and a node whose llama-server dies. Needs the binary
 * (PARLEY_LLAMA_SERVER_BIN; CI builds it with scripts/build-llama-server.sh).
 */
const binary = process.env.PARLEY_LLAMA_SERVER_BIN;
// Set but wrong (a failed build) fails these tests rather than skipping them.
const available = Boolean(binary);
const TNZO = 10n ** 18n;
const model = 'parley-tiny-seed1';
let gateway: GatewayProcess;
let provider: ProviderProcess;
let agent: AgentFile;

describe.skipIf(!available)('OpenAI client → gateway → provider node on llama-server', () => {
  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), 'parley-llama-server-e2e-'));
    gateway = await startGateway({
      PARLEY_DATA_DIR: join(root, 'gateway'),
      PARLEY_ALLOW_PRIVATE_PROVIDERS: 'true',
    });
    provider = await startProvider([
      ...['--backend', 'llama-server', '--llama-server-bin', binary as string, '--generate', 'tiny'],
      ...['--gateway', gateway.url, '--port', '0', '--data-dir', join(root, 'provider')],
      ...['--capacity', '2', '--price', '1000000000000', '--min-stake', '0', '--threads', '1'],
    ]);
    agent = await ensureAgent(join(root, 'agent.json'), gateway.url, 10n * TNZO);
  }, 120_000);

  afterAll(async () => {
    await provider?.stop('SIGTERM');
    await gateway?.stop();
  });

  const openai = () => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: agent.apiKey, maxRetries: 0 });
  const paidChat = async (content: string) => {
    const stream = await openai().chat.completions.create(
      {
        model,
        stream: true,
        max_tokens: 12,
        temperature: 0,
        logprobs: true,
        top_logprobs: 2,
        messages: [{ role: 'user', content }],
      },
      { headers: { 'Parley-Voucher': await nextVoucher(agent, TNZO / 100n) } },
    );
    let text = '';
    let scored = 0;
    let billing: { billed_tokens: number; cost: string } | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      text += choice?.delta?.content ?? '';
      for (const entry of choice?.logprobs?.content ?? []) {
        expect(entry.top_logprobs).toHaveLength(2);
        scored++;
      }
      const extra = (chunk as unknown as { parley?: typeof billing }).parley;
      if (extra) billing = extra;
    }
    return { text, scored, billing };
  };

  it('registers the model hash, streams a paid completion with logprobs, and bills what it streamed', async () => {
    const record = (await (await fetch(`${gateway.url}/v1/providers/${provider.providerId}`)).json()) as {
      models: string[];
    };
    expect(record.models).toEqual([model]);
    const info = (await (await fetch(`${provider.url}/v1/provider/info`)).json()) as {
      backend: string;
      models: Array<{ sha256: string }>;
    };
    expect(info.backend).toBe('llama-server');
    const registry = (await (await fetch(`${gateway.url}/v1/registry/models`)).json()) as {
      data: Array<{ model_id: string; sha256: string }>;
    };
    expect(registry.data.find((entry) => entry.model_id === model)?.sha256).toBe(info.models[0]?.sha256);

    const first = await paidChat('Hello');
    expect(first.scored).toBe(12);
    expect(first.billing?.billed_tokens).toBe(12);
    const channel = (await (await fetch(`${gateway.url}/v1/channels/${agent.channelId}`)).json()) as {
      charged: string;
    };
    expect(channel.charged).toBe(first.billing?.cost);
    expect((await paidChat('Hello')).text).toBe(first.text);
  });

  it('restarts a llama-server that died: the node says unavailable meanwhile, then serves again', async () => {
    const [serverPid] = execFileSync('pgrep', ['-P', String(provider.child.pid), '-f', 'llama-server'], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .map(Number);
    process.kill(serverPid as number, 'SIGKILL');
    let unavailable = false;
    await until(() => provider.logs.some((line) => line.msg === 'llama-server exited'));
    const health = await fetch(`${provider.url}/healthz`);
    if (health.status === 503)
      unavailable = ((await health.json()) as { status: string }).status === 'unavailable';
    expect(unavailable).toBe(true);
    await until(() => provider.logs.filter((line) => line.msg === 'llama-server ready').length >= 2);
    expect((await fetch(`${provider.url}/healthz`)).status).toBe(200);
    expect((await paidChat('Hello')).billing?.billed_tokens).toBe(12);
  });
});
