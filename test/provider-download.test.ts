import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProviderInfo } from '../src/provider/api/index.ts';
import { startModelServer } from '../src/provider/download/testing.ts';
import { randomModelPresets, writeRandomModel } from '../src/provider/gguf/index.ts';
import { runCli, startCli, startGateway } from './support/gateway-process.ts';
import { until } from './support/until.ts';

const directory = mkdtempSync(join(tmpdir(), 'parley-provider-download-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const source = join(directory, 'source.gguf');
writeRandomModel(source, { ...randomModelPresets.tiny, seed: 3 });
const body = readFileSync(source);
const sha256 = createHash('sha256').update(body).digest('hex');

async function get<Body = Record<string, unknown>>(url: string) {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Body };
}

describe('parley provider --model-url, as a real process', () => {
  it('downloads into the data dir (resuming a cut connection), answers on its port meanwhile, then serves the model', async () => {
    const dataDir = join(directory, 'node');
    // An older version under the same name: it does not match --sha256, so it is fetched again.
    mkdirSync(join(dataDir, 'models'), { recursive: true });
    writeFileSync(join(dataDir, 'models', 'tiny.gguf'), 'an older model');
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const server = await startModelServer({
      body,
      etag: '"v1"',
      cutAfter: { 0: 64 * 1024 },
      holdAfter: { 1: { bytes: 16 * 1024, until: released } },
    });
    const args = ['provider', '--model-url', server.url, '--sha256', sha256.toUpperCase(), '--port', '0'];
    const node = await startCli([...args, '--data-dir', dataDir], {}, 'downloading the model');
    try {
      const url = String(node.ready.url);
      expect(node.logs.some((entry) => entry.msg?.toString().includes('downloading it again'))).toBe(true);

      // Held in the middle of the resumed request: the node answers with the progress so far.
      let info = await get<ProviderInfo>(`${url}/v1/provider/info`);
      while ((info.body.download?.received ?? 0) <= 64 * 1024) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        info = await get<ProviderInfo>(`${url}/v1/provider/info`);
      }
      expect(info.status).toBe(200);
      expect(info.body.models).toMatchObject([{ id: 'tiny', sha256 }]);
      expect(info.body.download).toMatchObject({ total: body.length });
      expect(info.body.download?.received).toBeLessThan(body.length);
      expect(await get(`${url}/healthz`)).toEqual({
        status: 503,
        body: { status: 'unavailable', reason: 'downloading the model' },
      });
      const early = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2 }),
      });
      expect(early.status).toBe(503);
      expect(await early.json()).toMatchObject({ error: { code: 'MODEL_DOWNLOADING' } });

      release();
      await until(() => node.logs.some((entry) => entry.msg === 'provider listening'));
      const listening = node.logs.find((entry) => entry.msg === 'provider listening');
      expect(listening?.url).toBe(url);
      expect(server.requests.map((request) => request.range)).toEqual([undefined, `bytes=${64 * 1024}-`]);
      expect(readFileSync(join(dataDir, 'models', 'tiny.gguf')).equals(body)).toBe(true);
      info = await get<ProviderInfo>(`${url}/v1/provider/info`);
      expect(info.body.models).toMatchObject([{ id: 'tiny', sha256 }]);
      expect(info.body.download).toBeUndefined();
      expect((await get(`${url}/healthz`)).body).toMatchObject({ status: 'ok', model: 'tiny' });
      const served = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2 }),
      });
      expect(served.status).toBe(200);
      expect(await served.json()).toMatchObject({ usage: { completion_tokens: 2 } });
    } finally {
      release();
      await node.stop();
      await server.close();
    }

    // The next start finds the verified file and downloads nothing.
    const again = await startCli([...args, '--data-dir', dataDir], {}, 'provider listening');
    try {
      expect(server.requests).toHaveLength(2);
      expect(again.logs.find((entry) => entry.msg === 'model loaded')).toMatchObject({ sha256 });
    } finally {
      await again.stop();
    }
  }, 90_000);

  it("takes the hash from the gateway's registry, and refuses a --sha256 that differs before downloading", async () => {
    const gateway = await startGateway({
      PARLEY_DATA_DIR: join(directory, 'gateway'),
      PARLEY_ALLOW_PRIVATE_PROVIDERS: 'true',
    });
    const server = await startModelServer({ body, etag: '"v1"' });
    try {
      // A first node publishes the model `tiny` with these weights.
      const publisher = await startCli(
        [
          'provider',
          '--model',
          source,
          '--model-id',
          'tiny',
          '--gateway',
          gateway.url,
          '--port',
          '0',
          '--data-dir',
          join(directory, 'publisher'),
        ],
        {},
        'provider listening',
      );
      await publisher.stop();

      const wrong = 'cd'.repeat(32);
      const refused = await runCli([
        'provider',
        '--model-url',
        server.url,
        '--sha256',
        wrong,
        '--gateway',
        gateway.url,
        '--data-dir',
        join(directory, 'refused'),
      ]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        `the gateway lists tiny with weights ${sha256}, not the ${wrong} of --sha256`,
      );
      expect(server.requests).toHaveLength(0);

      const node = await startCli(
        [
          'provider',
          '--model-url',
          server.url,
          '--gateway',
          gateway.url,
          '--port',
          '0',
          '--data-dir',
          join(directory, 'follower'),
        ],
        {},
        'provider listening',
      );
      expect(server.requests).toHaveLength(1);
      expect(node.logs.find((entry) => entry.msg === 'model loaded')).toMatchObject({
        model: 'tiny',
        sha256,
      });
      await node.stop();
    } finally {
      await server.close();
      await gateway.stop();
    }
  }, 90_000);

  it('refuses a given model file whose SHA-256 is not the one given, naming both', async () => {
    const wrong = 'ab'.repeat(32);
    const result = await runCli([
      'provider',
      '--model',
      source,
      '--sha256',
      wrong,
      '--data-dir',
      join(directory, 'other'),
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${source} has SHA-256 ${sha256}, not the ${wrong} of --sha256`);
  }, 60_000);
});
