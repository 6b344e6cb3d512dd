import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { readJson } from '../gateway/testing.ts';
import { IdentityClient } from '../identity/testing.ts';

describe('OpenAI-compatible model listing', () => {
  it('works with the official openai client, listing only models a live, staked provider serves', async () => {
    const client = new IdentityClient();
    const owner = await client.register('autonomous');
    const { secret } = await readJson(await client.signed(owner, 'POST', '/v1/api-keys', { name: 'openai' }));
    const publish = (id: string, minStake?: string, teeRequired = false) =>
      client.signed(owner, 'POST', '/v1/registry/models', {
        ...(minStake ? { min_stake: minStake } : {}),
        tee_required: teeRequired,
        model_id: id,
        name: id,
        version: '1',
        category: 'LLM',
        modality: 'Text',
        price_per_token: '1',
        max_context_length: 2048,
        parameters: '1000000000',
        sha256: '34'.repeat(32),
      });
    await publish('llama-1b', '0');
    await publish('unserved-7b', '0');
    // Served, but routing would skip the provider: it has not bonded the category's minimum stake.
    await publish('staked-8b');
    // Served, but only TEE-attested providers may take it, and this one has no appraisal.
    await publish('confidential-8b', '0', true);
    await client.signed(owner, 'POST', '/v1/providers', {
      name: 'box',
      endpoint: 'http://127.0.0.1:7000',
      models: ['llama-1b', 'staked-8b', 'confidential-8b'],
    });
    const openai = new OpenAI({
      apiKey: secret,
      baseURL: 'http://localhost/v1',
      fetch: async (url, init) => client.app.request(String(url), init as RequestInit),
    });
    const listed = [];
    for await (const model of openai.models.list()) listed.push(model);
    expect(listed).toEqual([
      {
        id: 'llama-1b',
        object: 'model',
        created: Math.floor(client.clock.now() / 1000),
        owned_by: owner.did,
      },
    ]);
    expect((await openai.models.retrieve('llama-1b')).id).toBe('llama-1b');
    await expect(openai.models.retrieve('unserved-7b')).rejects.toMatchObject({ status: 404 });
    await expect(openai.models.retrieve('staked-8b')).rejects.toMatchObject({ status: 404 });
    await expect(openai.models.retrieve('confidential-8b')).rejects.toMatchObject({ status: 404 });
    client.clock.advance(61 * 60_000);
    const stale = [];
    for await (const model of openai.models.list()) stale.push(model);
    expect(stale).toEqual([]);
  });
});
