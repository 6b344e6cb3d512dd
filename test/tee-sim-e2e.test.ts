import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentFile, ensureAgent, nextVoucher } from '../src/demo/agent.ts';
import { GatewayClient } from '../src/provider/gateway-client.ts';
import { randomModelPresets, writeRandomModel } from '../src/provider/gguf/index.ts';
import {
  type GatewayProcess,
  type ProviderProcess,
  startGateway,
  startProvider,
} from './support/gateway-process.ts';

/**
 * The whole TEE flow across real processes, on the development-only `sim` platform: a publisher's
 * model that requires a TEE and pins a measurement, two provider nodes that attest over a gateway
 * challenge (one running the allowed code, one not), routing by evidence with the surcharge, the
 * appraisal on every response, slashing, capabilities that survive a gateway restart, and expiry
 * (evidence lasts PARLEY_TEE_MAX_AGE_S = 15 s here; the node renews it 3 s before).
 */
const TNZO = 10n ** 18n;
const model = 'secret-tiny';
const goodCode = '5a'.repeat(48);
const badCode = '66'.repeat(48);
let root: string;
let gatewayEnv: Record<string, string>;
let gateway: GatewayProcess;
let good: ProviderProcess;
let bad: ProviderProcess;
let agent: AgentFile;

const getJson = async (path: string) => {
  const response = await fetch(`${gateway.url}${path}`);
  // biome-ignore lint/suspicious/noExplicitAny: test assertions inspect arbitrary JSON
  return (await response.json()) as any;
};
const explain = () => getJson(`/v1/routing/explain?model=${model}&strategy=lowest_price`);

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}; provider logs: ${JSON.stringify([good?.logs, bad?.logs])}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function provider(name: string, measurement: string, modelPath: string) {
  return startProvider([
    ...['--model', modelPath, '--model-id', model, '--gateway', gateway.url, '--port', '0'],
    ...['--data-dir', join(root, name), '--capacity', '1', '--threads', '1'],
    ...['--stake', (100n * TNZO).toString(), '--faucet'],
    ...['--tee-platform', 'sim', '--tee-sim-measurement', measurement],
  ]);
}

async function paidChat() {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${agent.apiKey}`,
      'parley-voucher': await nextVoucher(agent, TNZO / 100n),
    },
    body: JSON.stringify({
      model,
      max_tokens: 8,
      temperature: 0,
      messages: [{ role: 'user', content: 'Hi' }],
    }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: test assertions inspect arbitrary JSON
  return { response, body: (await response.json()) as any };
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'parley-tee-sim-e2e-'));
  gatewayEnv = {
    PARLEY_DATA_DIR: join(root, 'gateway'),
    PARLEY_ALLOW_PRIVATE_PROVIDERS: 'true',
    PARLEY_TEE_SIM: 'true',
    PARLEY_TEE_MAX_AGE_S: '15',
  };
  gateway = await startGateway(gatewayEnv);
  agent = await ensureAgent(join(root, 'agent.json'), gateway.url, 10n * TNZO);
  const modelPath = join(root, `${model}.gguf`);
  const written = writeRandomModel(modelPath, { ...randomModelPresets.tiny, seed: 1 });
  // The agent publishes the model: TEE required, and only the sim build with `goodCode` counts.
  const publisher = new GatewayClient(
    gateway.url,
    { didKey: agent.didKey, secretKey: Buffer.from(agent.secretKey, 'hex') },
    agent.did,
  );
  await publisher.post('/v1/registry/models', {
    model_id: model,
    name: 'Secret tiny',
    version: '1',
    category: 'LLM',
    modality: 'Text',
    price_per_token: '1000000000000',
    min_stake: '0',
    tee_required: true,
    max_context_length: 512,
    parameters: String(written.parameters),
    sha256: written.sha256,
    tee_policy: { sim: { measurement: [goodCode] } },
  });
  good = await provider('good', goodCode, modelPath);
  bad = await provider('bad', badCode, modelPath);
}, 120_000);

afterAll(async () => {
  await good?.stop('SIGKILL');
  await bad?.stop('SIGKILL');
  await gateway?.stop();
});

describe('TEE attestation end to end (development-only sim platform)', { timeout: 60_000 }, () => {
  it('routes a TEE-only model to the provider whose evidence the policy allows, with the surcharge', async () => {
    const routed = await until('the good provider to attest', async () => {
      const plan = await explain();
      return plan.chosen === good.providerId ? plan : undefined;
    });
    const ranked = routed.ranked.find(
      (entry: { providerId: string }) => entry.providerId === good.providerId,
    );
    expect(ranked.tee).toBe('sim');

    const { response, body } = await paidChat();
    expect(response.status).toBe(200);
    expect(response.headers.get('parley-provider')).toBe(good.providerId);
    const appraisalId = response.headers.get('parley-attestation');
    expect(body.parley.attestation).toBe(appraisalId);
    // The TEE surcharge: 1.2 × the price without it (explain shows the same per-token price).
    expect(response.headers.get('parley-price-per-token')).toBe(ranked.pricePerToken);
    const appraisal = await getJson(`/v1/attestations/${appraisalId}`);
    expect(appraisal).toMatchObject({
      platform: 'sim',
      valid: true,
      providerId: good.providerId,
      modelId: model,
      claims: { measurement: goodCode },
    });
  });

  it('slashes 10% of the stake of the provider running code the policy does not allow', async () => {
    const stake = await until('the bad provider to be slashed', async () => {
      const current = await getJson(`/v1/providers/${bad.providerId}/stake`);
      return current.slashes.length > 0 ? current : undefined;
    });
    expect(stake.slashes).toEqual([
      expect.objectContaining({ reason: 'invalid_tee', amount: (10n * TNZO).toString() }),
    ]);
    expect(stake.bonded).toBe((90n * TNZO).toString());
    expect((await explain()).excluded).toContainEqual({ providerId: bad.providerId, reason: 'tee_required' });
  });

  it('keeps TEE capabilities across a gateway restart', async () => {
    // Right after a renewal (every 12 s), so the evidence outlives the restart by a wide margin.
    const attested = () => good.logs.filter((entry) => entry.msg === 'attested').length;
    const before = attested();
    await until('a fresh attestation', async () => (attested() > before ? true : undefined));
    // Frozen, the node cannot attest again: what the new gateway process knows, it read back.
    good.child.kill('SIGSTOP');
    const port = new URL(gateway.url).port;
    await gateway.stop();
    gateway = await startGateway({ ...gatewayEnv, PARLEY_PORT: port });
    expect((await explain()).chosen).toBe(good.providerId);
    good.child.kill('SIGCONT');
    const { response } = await paidChat();
    expect(response.status).toBe(200);
    expect(response.headers.get('parley-provider')).toBe(good.providerId);
  });

  it('drops the provider from the TEE pool when its evidence expires, and takes it back on renewal', async () => {
    good.child.kill('SIGSTOP');
    try {
      await until('the evidence to expire', async () => {
        const plan = await explain();
        return plan.chosen === null ? plan : undefined;
      });
      expect((await explain()).excluded).toContainEqual({
        providerId: good.providerId,
        reason: 'tee_required',
      });
      expect((await paidChat()).response.status).toBe(503);
    } finally {
      good.child.kill('SIGCONT');
    }
    // Its renewal timer, overdue, fires at once.
    await until('the node to attest again', async () => {
      const plan = await explain();
      return plan.chosen === good.providerId ? plan : undefined;
    });
    expect((await paidChat()).response.status).toBe(200);
  });
});
