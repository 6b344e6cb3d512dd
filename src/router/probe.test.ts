import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readJson } from '../gateway/testing.ts';
import { IdentityClient } from '../identity/testing.ts';
import { probeProviders } from './probe.ts';
import { type MockUpstream, startMockUpstream } from './testing.ts';

const mocks: MockUpstream[] = [];
afterEach(async () => {
  for (const mock of mocks.splice(0)) await mock.close();
});

async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('active health probes', () => {
  it('record up and down providers, so an idle dead provider leaves the Active pool', async () => {
    const client = new IdentityClient();
    const owner = await client.register('autonomous');
    await client.signed(owner, 'POST', '/v1/registry/models', {
      model_id: 'm',
      name: 'm',
      version: '1',
      category: 'Custom',
      modality: 'Text',
      price_per_token: '1',
      max_context_length: 512,
      parameters: '1000',
      sha256: '12'.repeat(32),
    });
    const up = await startMockUpstream();
    const failing = await startMockUpstream({ status: 500 });
    mocks.push(up, failing);
    const register = async (endpoint: string) =>
      (
        await readJson(
          await client.signed(owner, 'POST', '/v1/providers', { name: 'p', endpoint, models: ['m'] }),
        )
      ).id as string;
    const ids = [await register(up.url), await register(failing.url), await register(await closedPort())];
    const router = client.built.services.router;
    for (let round = 0; round < 3; round++) {
      const results = await probeProviders(router, { timeoutMs: 1000 });
      expect(Object.fromEntries(results.map((r) => [r.providerId, r.ok]))).toEqual({
        [ids[0] as string]: true,
        [ids[1] as string]: false,
        [ids[2] as string]: false,
      });
    }
    // Probes ask for the model list, never for a completion.
    expect(up.received.map((r) => r.path)).toEqual(['/v1/models', '/v1/models', '/v1/models']);
    const provider = async (id: string) => readJson(await client.app.request(`/v1/providers/${id}`));
    expect(await provider(ids[0] as string)).toMatchObject({ status: 'active', health: { successes: 3 } });
    expect(await provider(ids[1] as string)).toMatchObject({ status: 'inactive', health: { failures: 3 } });
    expect((await provider(ids[2] as string)).health.lastCheckAt).toBe(client.clock.now());
  });

  it('slash a Parley node 5% once when it reports other weights than the registry lists', async () => {
    const client = new IdentityClient();
    const owner = await client.register('autonomous');
    await client.admin('POST', '/v1/admin/deposits', { did: owner.did, asset: 'TNZO', amount: '1000000' });
    await client.signed(owner, 'POST', '/v1/registry/models', {
      model_id: 'm',
      name: 'm',
      version: '1',
      category: 'Custom',
      modality: 'Text',
      price_per_token: '1',
      min_stake: '0',
      max_context_length: 512,
      parameters: '1000',
      sha256: '12'.repeat(32),
    });
    const node = createServer((request, response) => {
      const body =
        request.url === '/v1/provider/info'
          ? { models: [{ id: 'm', sha256: 'ef'.repeat(32) }] }
          : { status: 'ok' };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(node.address() as AddressInfo).port}`;
      const { id } = await readJson(
        await client.signed(owner, 'POST', '/v1/providers', {
          name: 'n',
          endpoint,
          kind: 'parley',
          models: ['m'],
        }),
      );
      await client.signed(owner, 'POST', `/v1/providers/${id}/stake`, { amount: '1000000' });
      const router = client.built.services.router;
      const [first] = await probeProviders(router, { timeoutMs: 1000 });
      expect(first?.hashMismatches).toEqual([
        { model: 'm', registered: '12'.repeat(32), reported: 'ef'.repeat(32) },
      ]);
      await probeProviders(router, { timeoutMs: 1000 });
      const stake = await readJson(await client.app.request(`/v1/providers/${id}/stake`));
      expect(stake.bonded).toBe('950000');
      expect(stake.slashes).toHaveLength(1);
      expect(stake.slashes[0]).toMatchObject({ reason: 'model_hash_mismatch', amount: '50000' });
    } finally {
      await new Promise<void>((resolve) => node.close(() => resolve()));
    }
  });
});
