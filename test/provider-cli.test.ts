import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/gateway-process.ts';

/** A loopback port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('parley provider, as a real process', () => {
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
});
