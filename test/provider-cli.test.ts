import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startGateway, startProvider } from './support/gateway-process.ts';

/** A loopback port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('parley provider, as a real process', () => {
  it('refuses bad options with exit 2 and one line naming the option and what it takes', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-provider-options-'));
    const cases: Array<[string[], string]> = [
      [['--capacity', '0'], '--capacity takes a whole number from 1 to 256'],
      // llama.cpp's limit: more sequences made the model load fail with a bare "Failed to create context".
      [['--capacity', '257'], '--capacity takes a whole number from 1 to 256'],
      [['--threads', '0'], '--threads takes a whole number from 1 to 1024'],
      [['--port', '99999'], '--port takes a whole number from 0 to 65535'],
      [['--sha256', 'xyz'], '--sha256 takes the 64 hexadecimal characters of a SHA-256'],
      [['--price=-1'], '--price takes atomic units (a whole number)'],
      [['--gateway', 'gateway.example'], '--gateway takes a URL (http://host:port)'],
      [['--backend', 'vllm'], '--backend takes node-llama-cpp or llama-server'],
      [['--backend', 'llama-server'], '--backend llama-server needs --llama-server-bin PATH'],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(['provider', '--generate', 'tiny', '--data-dir', dataDir, ...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain(message);
    }
  }, 90_000);

  it('says which gateway it cannot reach, frees the model and exits 1 (no process left hanging)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-provider-cli-'));
    const gateway = `http://127.0.0.1:${await closedPort()}`;
    const result = await runCli([
      'provider',
      '--generate',
      'tiny',
      '--gateway',
      gateway,
      '--port',
      '0',
      '--data-dir',
      dataDir,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot reach the gateway at ${gateway}`);
    expect(result.stderr).toContain('ECONNREFUSED');
  }, 90_000);

  it("warns when its stake is below the model's minimum (routing would skip it), not once it is met, and tells the gateway when it drains", async () => {
    const gateway = await startGateway({
      PARLEY_DATA_DIR: mkdtempSync(join(tmpdir(), 'parley-gateway-')),
      PARLEY_ALLOW_PRIVATE_PROVIDERS: 'true',
    });
    const warning = "the bonded stake is below the model's minimum";
    const start = async (
      model: string,
      extra: string[],
      dataDir = mkdtempSync(join(tmpdir(), 'parley-provider-')),
    ) =>
      startProvider([
        ...['--generate', 'tiny', '--model-id', model, '--gateway', gateway.url, '--port', '0'],
        ...['--data-dir', dataDir, ...extra],
      ]);
    try {
      const unstaked = await start('tiny-category-minimum', []);
      expect(unstaked.logs.find((entry) => String(entry.msg).startsWith(warning))).toMatchObject({
        level: 40,
        bonded: '0',
        minimum: `100000${'0'.repeat(18)}`,
      });
      expect(await unstaked.stop()).toBe(0);
      // As the README runs it locally: a model published with no minimum stake.
      const localDir = mkdtempSync(join(tmpdir(), 'parley-provider-'));
      const local = await start('tiny-no-minimum', ['--min-stake', '0'], localDir);
      expect(local.logs.some((entry) => String(entry.msg).startsWith(warning))).toBe(false);
      const record = async () => (await fetch(`${gateway.url}/v1/providers/${local.providerId}`)).json();
      expect(await record()).toMatchObject({ status: 'active', draining: false });
      // SIGTERM: the node tells the gateway before it drains, so routing sends it nothing new.
      expect(await local.stop()).toBe(0);
      expect(await record()).toMatchObject({ status: 'inactive', draining: true });

      // Its saved state lost, the key kept: the node finds its identity and its provider record again
      // instead of failing with KEY_ALREADY_BOUND.
      rmSync(join(localDir, 'provider-state.json'));
      const again = await start('tiny-no-minimum', [], localDir);
      const did = (logs: Array<Record<string, unknown>>) => logs.find((entry) => entry.did)?.did;
      expect(did(local.logs)).toMatch(/^did:parley:/);
      expect(did(again.logs)).toBe(did(local.logs));
      expect(again.providerId).toBe(local.providerId); // and its record, stake and history
      expect(await again.stop()).toBe(0);
    } finally {
      await gateway.stop();
    }
  }, 90_000);
});
