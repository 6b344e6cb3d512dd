import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTestApp, readJson } from '../gateway/testing.ts';
import { generateDidKey } from '../identity/index.ts';
import { signNitroDocument } from '../tee/testing-evidence.ts';
import { commandEvidence } from './attester.ts';
import { createLlamaEngine } from './engine/index.ts';
import { randomModelPresets, writeRandomModel } from './gguf/index.ts';
import { type ProviderNode, startProviderNode } from './node.ts';

const directory = mkdtempSync(join(tmpdir(), 'parley-attester-'));
const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

describe('a provider node in a TEE', () => {
  it('registers, attests its model with evidence bound to its key, and is routed as TEE-capable', async () => {
    const nitroRoots: string[] = [];
    const built = buildTestApp({ tee: { roots: { nitro: nitroRoots } }, maxBodyBytes: 1 << 20 });
    // The node signs its requests with the wall clock.
    built.clock.advance(Date.now() - built.clock.now());
    const server = serve({ fetch: built.app.fetch, hostname: '127.0.0.1', port: 0 }) as Server;
    await new Promise((resolve) => server.once('listening', resolve));
    cleanup.push(() => new Promise((resolve) => server.close(resolve)));
    const gatewayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const modelPath = join(directory, 'tiny.gguf');
    writeRandomModel(modelPath, { ...randomModelPresets.tiny, seed: 1 });
    const engine = await createLlamaEngine({ modelPath, capacity: 1, threads: 1, gpu: false });
    const key = generateDidKey();
    const seen: Uint8Array[] = [];
    const node: ProviderNode = await startProviderNode({
      engine,
      host: '127.0.0.1',
      port: 0,
      gateway: {
        url: gatewayUrl,
        key: { didKey: key.did, secretKey: key.secretKey },
        statePath: join(directory, 'state.json'),
        name: 'enclave node',
        pricePerToken: 1000n,
        minStake: 0n,
        stake: 0n,
        heartbeatMs: 60_000,
        tee: {
          platform: 'nitro',
          evidence: async (reportData) => {
            seen.push(reportData);
            const { evidence, root } = signNitroDocument({
              pcrs: new Map([[0, new Uint8Array(48).fill(3)]]),
              timestamp: built.clock.now(),
              userData: reportData,
            });
            nitroRoots.push(root.pem);
            return { evidence };
          },
        },
      },
      logger: pino({ level: 'silent' }),
      version: 'test',
    });
    cleanup.push(() => node.close(1000));

    expect(node.appraisal?.valid).toBe(true);
    expect(seen[0]?.length).toBe(64);
    expect(seen[0]?.slice(32)).toEqual(new Uint8Array(32));
    const explained = await readJson(
      await built.app.request(`/v1/routing/explain?model=${engine.model.id}&strategy=lowest_price`),
    );
    expect(explained.ranked[0]).toMatchObject({ providerId: node.providerId, tee: 'nitro' });
    const provider = await readJson(await built.app.request(`/v1/providers/${node.providerId}`));
    expect(provider.tee).toBe('nitro');
  });

  it('runs an evidence command with the report data in PARLEY_TEE_REPORT_DATA', async () => {
    const source = commandEvidence('printf %s "$PARLEY_TEE_REPORT_DATA" | base64', 'PEM CHAIN');
    const reportData = new Uint8Array(64).fill(0xab);
    const produced = await source(reportData);
    expect(Buffer.from(produced.evidence).toString()).toBe('ab'.repeat(64));
    expect(produced.certificates).toBe('PEM CHAIN');
    await expect(commandEvidence('echo broken >&2; exit 3')(reportData)).rejects.toThrow(/broken/);
  });
});
