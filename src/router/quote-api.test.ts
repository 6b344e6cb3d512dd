import { describe, expect, it } from 'vitest';
import { readJson } from '../gateway/testing.ts';
import { IdentityClient } from '../identity/testing.ts';

describe('GET /v1/quote', () => {
  it('prices tokens from the model, the provider load and the asset, showing every factor', async () => {
    const client = new IdentityClient();
    const provider = await client.register('autonomous');
    await client.signed(provider, 'POST', '/v1/registry/models', {
      model_id: 'llama-1b',
      name: 'Llama 1B',
      version: '1',
      category: 'LLM',
      modality: 'Text',
      price_per_token: '1000000000000000',
      max_context_length: 2048,
      parameters: '1000000000',
      sha256: 'ef'.repeat(32),
    });
    const { id } = await readJson(
      await client.signed(provider, 'POST', '/v1/providers', {
        name: 'box',
        endpoint: 'http://127.0.0.1:7000',
        models: ['llama-1b'],
        capacity: 4,
      }),
    );
    // Idle: 1e15 × 1000 tokens × size 1 × utilization 0.5 × tee 1 = 5e17 (0.5 TNZO).
    const idle = await readJson(await client.app.request('/v1/quote?model=llama-1b&tokens=1000'));
    expect(idle).toMatchObject({
      provider: id,
      asset: 'TNZO',
      total: '500000000000000000',
      factors: {
        size: '1.000000000000000000',
        utilization: '0.500000000000000000',
        tee: '1.000000000000000000',
      },
    });
    // Two of four slots busy: utilization 0.5 + 1.5 × 0.5 = 1.25 → 1.25 TNZO = $0.3125 = 312500 µUSDC.
    await client.signed(provider, 'POST', `/v1/providers/${id}/heartbeat`, {
      inFlight: 2,
      tokensPerSecond: 100,
    });
    const busy = await readJson(await client.app.request('/v1/quote?model=llama-1b&tokens=1000&asset=USDC'));
    expect(busy).toMatchObject({
      asset: 'USDC',
      total: '312500',
      factors: { utilization: '1.250000000000000000' },
    });
    expect((await client.app.request('/v1/quote?model=nope&tokens=1')).status).toBe(404);
    expect((await readJson(await client.app.request('/v1/quote?model=llama-1b&tokens=0'))).error.code).toBe(
      'VALIDATION_FAILED',
    );
    expect(
      (await readJson(await client.app.request('/v1/quote?model=llama-1b&tokens=5&asset=DOGE'))).error.code,
    ).toBe('PRICE_ASSET_UNKNOWN');
  });
});
