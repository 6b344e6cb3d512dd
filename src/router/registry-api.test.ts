import { describe, expect, it } from 'vitest';
import { buildTestApp, readJson } from '../gateway/testing.ts';
import { IdentityClient } from '../identity/testing.ts';
import { candidatesFor } from './candidates.ts';
import { checkProviderEndpoint } from './endpoint-policy.ts';

const model = (id: string, overrides: Record<string, unknown> = {}) => ({
  model_id: id,
  name: `Model ${id}`,
  description: 'a generated llama model',
  version: '1',
  category: 'LLM',
  modality: 'Text',
  price_per_token: '1000000000000',
  tee_required: false,
  max_context_length: 4096,
  parameters: '1000000000',
  sha256: 'ab'.repeat(32),
  ...overrides,
});

describe('model registry', () => {
  it('publishes models with the category minimum stake and finds them by every filter', async () => {
    const client = new IdentityClient();
    const publisher = await client.register('autonomous');
    const created = await client.signed(publisher, 'POST', '/v1/registry/models', model('llama-1b'));
    expect(created.status).toBe(201);
    expect(await readJson(created)).toMatchObject({
      model_id: 'llama-1b',
      provider: publisher.did,
      min_stake: `100000${'0'.repeat(18)}`,
    });
    await client.signed(
      publisher,
      'POST',
      '/v1/registry/models',
      model('embed-small', { category: 'Embedding', price_per_token: '10', max_context_length: 512 }),
    );
    await client.signed(
      publisher,
      'POST',
      '/v1/registry/models',
      model('secure-8b', { tee_required: true, max_context_length: 32768, description: 'confidential' }),
    );
    const ids = async (query: string) =>
      (await readJson(await client.app.request(`/v1/registry/models${query}`))).data.map(
        (m: { model_id: string }) => m.model_id,
      );
    expect(await ids('')).toEqual(['embed-small', 'llama-1b', 'secure-8b']);
    expect(await ids('?category=Embedding')).toEqual(['embed-small']);
    expect(await ids('?max_price=100')).toEqual(['embed-small']);
    expect(await ids('?min_context=8000')).toEqual(['secure-8b']);
    expect(await ids('?tee=true')).toEqual(['secure-8b']);
    expect(await ids('?q=confidential')).toEqual(['secure-8b']);
    const duplicate = await client.signed(publisher, 'POST', '/v1/registry/models', model('llama-1b'));
    expect((await readJson(duplicate)).error.code).toBe('MODEL_EXISTS');
    const bad = await client.signed(
      publisher,
      'POST',
      '/v1/registry/models',
      model('x', { sha256: 'nope', price_per_token: 1.5 }),
    );
    expect((await readJson(bad)).error.code).toBe('VALIDATION_FAILED');
  });
});

describe('provider registry', () => {
  it('registers a provider under its identity, takes heartbeats only from it, and lists it', async () => {
    const client = new IdentityClient();
    const provider = await client.register('autonomous', { capabilities: ['inference'] });
    await client.signed(provider, 'POST', '/v1/registry/models', model('llama-1b'));
    const registered = await readJson(
      await client.signed(provider, 'POST', '/v1/providers', {
        name: 'gpu-box-1',
        endpoint: 'http://127.0.0.1:9999',
        kind: 'parley',
        models: ['llama-1b'],
        gpu: { name: 'NVIDIA H100', vramGb: 80 },
        capacity: 8,
      }),
    );
    expect(registered).toMatchObject({
      did: provider.did,
      models: ['llama-1b'],
      gpu: { name: 'NVIDIA H100', vramGb: 80 },
      capacity: 8,
      inFlight: 0,
    });
    client.clock.advance(30_000);
    const beat = await readJson(
      await client.signed(provider, 'POST', `/v1/providers/${registered.id}/heartbeat`, {
        inFlight: 3,
        tokensPerSecond: 540,
      }),
    );
    expect(beat).toMatchObject({
      inFlight: 3,
      tokensPerSecond: 540,
      lastHeartbeatAt: new Date(client.clock.now()).toISOString(),
    });
    const stranger = await client.register('autonomous');
    const spoof = await client.signed(stranger, 'POST', `/v1/providers/${registered.id}/heartbeat`, {
      inFlight: 0,
      tokensPerSecond: 0,
    });
    expect((await readJson(spoof)).error.code).toBe('NOT_PROVIDER_OWNER');
    expect((await readJson(await client.app.request('/v1/providers'))).data).toHaveLength(1);
    const unknownModel = await client.signed(provider, 'POST', '/v1/providers', {
      name: 'x',
      endpoint: 'http://127.0.0.1:1',
      models: ['nope'],
    });
    expect((await readJson(unknownModel)).error).toMatchObject({
      code: 'MODEL_NOT_FOUND',
      details: { missing: ['nope'] },
    });
    expect((await client.app.request('/v1/providers/prov_missing')).status).toBe(404);
  });

  it("replaces a provider's listing for its owner only, keeping its id, stake and routing", async () => {
    const client = new IdentityClient();
    const owner = await client.register('autonomous', { capabilities: ['inference'] });
    await client.admin('POST', '/v1/admin/deposits', { did: owner.did, asset: 'TNZO', amount: '1000' });
    await client.signed(owner, 'POST', '/v1/registry/models', model('llama-1b', { min_stake: '100' }));
    await client.signed(owner, 'POST', '/v1/registry/models', model('llama-8b', { min_stake: '100' }));
    const listing = { name: 'box', endpoint: 'http://127.0.0.1:7001', models: ['llama-1b'], capacity: 4 };
    const { id } = await readJson(await client.signed(owner, 'POST', '/v1/providers', listing));
    await client.signed(owner, 'POST', `/v1/providers/${id}/stake`, { amount: '500' });
    const { registry } = client.built.services.router;
    const routed = (modelId: string) =>
      candidatesFor(client.built.services.router, registry.model(modelId)).map((c) => c.providerId);
    expect(routed('llama-1b')).toEqual([id]);

    client.clock.advance(60_000);
    const moved = await client.signed(owner, 'PUT', `/v1/providers/${id}`, {
      ...listing,
      endpoint: 'http://127.0.0.1:7002',
      models: ['llama-8b', 'llama-1b'],
      capacity: 16,
      gpu: { name: 'NVIDIA H100', vramGb: 80 },
    });
    expect(moved.status).toBe(200);
    expect(await readJson(moved)).toMatchObject({
      id,
      endpoint: 'http://127.0.0.1:7002',
      models: ['llama-1b', 'llama-8b'],
      capacity: 16,
      gpu: { name: 'NVIDIA H100', vramGb: 80 },
      lastHeartbeatAt: new Date(client.clock.now()).toISOString(),
    });
    expect(routed('llama-8b')).toEqual([id]); // at once, not after the registry's cache expires
    expect(
      candidatesFor(client.built.services.router, registry.model('llama-1b')).find((c) => c.providerId === id)
        ?.stake,
    ).toBe(500n);
    expect((await readJson(await client.app.request('/v1/providers'))).data).toHaveLength(1);

    const stranger = await client.register('autonomous');
    const hijack = await client.signed(stranger, 'PUT', `/v1/providers/${id}`, {
      ...listing,
      endpoint: 'http://127.0.0.1:6666',
    });
    expect(hijack.status).toBe(403);
    expect((await readJson(hijack)).error.code).toBe('NOT_PROVIDER_OWNER');
    const unknownModel = await client.signed(owner, 'PUT', `/v1/providers/${id}`, {
      ...listing,
      models: ['nope'],
    });
    expect((await readJson(unknownModel)).error).toMatchObject({ code: 'MODEL_NOT_FOUND' });
    const missing = await client.signed(owner, 'PUT', '/v1/providers/prov_missing', listing);
    expect((await readJson(missing)).error.code).toBe('PROVIDER_NOT_FOUND');
    const invalid = await client.signed(owner, 'PUT', `/v1/providers/${id}`, { ...listing, capacity: 0 });
    expect((await readJson(invalid)).error.code).toBe('VALIDATION_FAILED');
    // None of the refused updates changed anything.
    expect(registry.provider(id)).toMatchObject({ endpoint: 'http://127.0.0.1:7002', capacity: 16 });
  });

  it('takes a draining provider out of routing at once, until its next heartbeat; only its owner may drain it', async () => {
    const client = new IdentityClient();
    const owner = await client.register('autonomous', { capabilities: ['inference'] });
    await client.signed(owner, 'POST', '/v1/registry/models', model('llama-1b', { min_stake: '0' }));
    const { id } = await readJson(
      await client.signed(owner, 'POST', '/v1/providers', {
        name: 'box',
        endpoint: 'http://127.0.0.1:7001',
        models: ['llama-1b'],
      }),
    );
    const { registry } = client.built.services.router;
    const routed = () =>
      candidatesFor(client.built.services.router, registry.model('llama-1b')).map((c) => c.status);
    const listed = async () =>
      (await readJson(await client.app.request('/v1/models'))).data.map((m: { id: string }) => m.id);
    expect(routed()).toEqual(['active']);
    expect(await listed()).toEqual(['llama-1b']);

    const stranger = await client.register('autonomous');
    const refused = await client.signed(stranger, 'POST', `/v1/providers/${id}/drain`);
    expect((await readJson(refused)).error.code).toBe('NOT_PROVIDER_OWNER');
    expect(routed()).toEqual(['active']);

    const drained = await client.signed(owner, 'POST', `/v1/providers/${id}/drain`);
    expect(await readJson(drained)).toMatchObject({ id, draining: true, status: 'inactive' });
    expect(routed()).toEqual(['inactive']); // at once, not after the registry's cache expires
    expect(await listed()).toEqual([]);

    await client.signed(owner, 'POST', `/v1/providers/${id}/heartbeat`, { inFlight: 0, tokensPerSecond: 1 });
    expect(await readJson(await client.app.request(`/v1/providers/${id}`))).toMatchObject({
      draining: false,
      status: 'active',
    });
    expect(routed()).toEqual(['active']);
    expect((await client.signed(owner, 'POST', '/v1/providers/prov_missing/drain')).status).toBe(404);
  });

  it('shows a heartbeat to listings and routing at once, and leaves the other providers as they were', async () => {
    const client = new IdentityClient();
    const owner = await client.register('autonomous', { capabilities: ['inference'] });
    await client.signed(owner, 'POST', '/v1/registry/models', model('llama-1b'));
    const register = async (name: string) =>
      (
        await readJson(
          await client.signed(owner, 'POST', '/v1/providers', {
            name,
            endpoint: 'http://127.0.0.1:9999',
            models: ['llama-1b'],
            capacity: 4,
          }),
        )
      ).id as string;
    const [a, b] = [await register('a'), await register('b')];
    const { registry } = client.built.services.router;
    const price = (id: string) =>
      candidatesFor(client.built.services.router, registry.model('llama-1b')).find((c) => c.providerId === id)
        ?.pricePerToken;
    const idle = price(a); // fills the registry's cached list
    const listed = registry.listProviders();
    client.clock.advance(10);
    await client.signed(owner, 'POST', `/v1/providers/${a}/heartbeat`, { inFlight: 4, tokensPerSecond: 10 });
    expect(registry.listProviders().find((p) => p.id === a)).toMatchObject({
      inFlight: 4,
      lastHeartbeatAt: new Date(client.clock.now()).toISOString(),
    });
    expect(price(a)).toBe((idle as bigint) * 4n); // utilization 0.5 → 2.0
    expect(price(b)).toBe(idle);
    expect(registry.listProviders().find((p) => p.id === b)).toBe(listed.find((p) => p.id === b));
    expect(listed.find((p) => p.id === a)?.inFlight).toBe(0); // a list handed out earlier stays as it was
  });

  it('refuses loopback, link-local and private endpoints unless configured to allow them', async () => {
    const client = new IdentityClient(buildTestApp({ allowPrivateProviderEndpoints: false }));
    const provider = await client.register('autonomous');
    await client.signed(provider, 'POST', '/v1/registry/models', model('llama-1b'));
    for (const [endpoint, reason] of [
      ['http://127.0.0.1:8080', 'loopback'],
      ['http://localhost:8080', 'loopback'],
      ['http://[::1]:8080', 'loopback'],
      ['http://169.254.169.254/latest', 'link_local'],
      ['http://10.1.2.3', 'private'],
      ['http://192.168.1.10', 'private'],
      ['http://172.20.0.1', 'private'],
    ]) {
      const response = await client.signed(provider, 'POST', '/v1/providers', {
        name: 'x',
        endpoint,
        models: ['llama-1b'],
      });
      expect(response.status).toBe(400);
      expect((await readJson(response)).error).toMatchObject({
        code: 'PROVIDER_ENDPOINT_REFUSED',
        details: { reason },
      });
    }
    expect((await readJson(await client.app.request('/v1/providers'))).data).toEqual([]);
  });

  it('classifies endpoints without touching the network for literal addresses', async () => {
    expect(await checkProviderEndpoint('ftp://example.org', false)).toBe('not_http');
    expect(await checkProviderEndpoint('http://8.8.8.8:443', false)).toBeUndefined();
    expect(await checkProviderEndpoint('http://[fd00::1]:80', false)).toBe('private');
    expect(await checkProviderEndpoint('http://[::ffff:127.0.0.1]:80', false)).toBe('loopback');
    expect(await checkProviderEndpoint('http://127.0.0.1:80', true)).toBeUndefined();
  });

  it('needs an identity: anonymous callers and the bare admin token cannot register', async () => {
    const client = new IdentityClient();
    const anonymous = await client.app.request('/v1/providers', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', endpoint: 'http://127.0.0.1:1', models: ['m'] }),
    });
    expect(anonymous.status).toBe(401);
    expect(
      (
        await client.admin('POST', '/v1/providers', {
          name: 'x',
          endpoint: 'http://127.0.0.1:1',
          models: ['m'],
        })
      ).status,
    ).toBe(403);
  });
});
