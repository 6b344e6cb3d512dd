import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJson } from '../src/gateway/testing.ts';
import { runCli, startGateway } from './support/gateway-process.ts';

const tempDir = () => mkdtempSync(join(tmpdir(), 'parley-e2e-'));

describe('parley gateway, as a real process', () => {
  it('serves health, readiness, metrics and JSON errors, then exits 0 on SIGTERM', async () => {
    const dataDir = tempDir();
    const gateway = await startGateway({ PARLEY_DATA_DIR: dataDir, PARLEY_MAX_BODY_BYTES: '2048' });
    const adminTokenFile = join(dataDir, 'admin-token');
    expect(statSync(adminTokenFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'gateway-key.json')).mode & 0o777).toBe(0o600);
    const admin = {
      authorization: `Bearer ${readFileSync(adminTokenFile, 'utf8').trim()}`,
      'content-type': 'application/json',
    };

    const health = await fetch(`${gateway.url}/healthz`, { headers: { 'x-request-id': 'e2e-1' } });
    expect(await readJson(health)).toEqual({ status: 'ok' });
    expect(health.headers.get('x-request-id')).toBe('e2e-1');
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
    expect(health.headers.get('content-security-policy')).toContain("default-src 'none'");
    const generated = await fetch(`${gateway.url}/healthz`);
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    const docs = await fetch(`${gateway.url}/docs`);
    expect(docs.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);

    const missing = await fetch(`${gateway.url}/v1/unknown`);
    expect(missing.status).toBe(404);
    expect((await readJson(missing)).error.code).toBe('ROUTE_NOT_FOUND');

    const badJson = await fetch(`${gateway.url}/v1/admin/log-level`, {
      method: 'PUT',
      headers: admin,
      body: '{',
    });
    expect(badJson.status).toBe(400);
    expect((await readJson(badJson)).error.code).toBe('INVALID_JSON');

    const tooBig = await fetch(`${gateway.url}/v1/admin/log-level`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ level: 'x'.repeat(4096) }),
    });
    expect(tooBig.status).toBe(413);
    expect((await readJson(tooBig)).error.code).toBe('PAYLOAD_TOO_LARGE');

    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toContain('parley_http_requests_total{method="GET",route="/healthz",status="200"} 2');
    expect(metrics).toContain(
      'parley_http_requests_total{method="PUT",route="/v1/admin/log-level",status="400"} 1',
    );

    expect(await gateway.stop('SIGTERM')).toBe(0);
    expect(gateway.logs.some((entry) => entry.msg === 'request' && entry.path === '/healthz')).toBe(true);
    expect(gateway.logs.at(-1)?.msg).toBe('stopped');
  });

  it('reuses the same database and gateway key after a restart', async () => {
    const dataDir = tempDir();
    const first = await startGateway({ PARLEY_DATA_DIR: dataDir });
    const before = await readJson(await fetch(`${first.url}/v1/gateway`));
    expect(before.boots).toBe(1);
    expect(await first.stop('SIGINT')).toBe(0);

    const second = await startGateway({ PARLEY_DATA_DIR: dataDir });
    const after = await readJson(await fetch(`${second.url}/v1/gateway`));
    expect(after.publicKey).toBe(before.publicKey);
    expect(after.boots).toBe(2);
    expect(second.logs.some((entry) => entry.msg === 'created a new gateway key')).toBe(false);
    expect(await second.stop()).toBe(0);
  });

  it('lets an in-flight request finish after SIGTERM', async () => {
    const dataDir = tempDir();
    const gateway = await startGateway({ PARLEY_DATA_DIR: dataDir });
    const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const { port } = new URL(gateway.url);
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const slow = request(
        {
          host: '127.0.0.1',
          port,
          method: 'PUT',
          path: '/v1/admin/log-level',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        },
        (res) => {
          let body = '';
          res.on('data', (chunk) => {
            body += String(chunk);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      slow.on('error', reject);
      slow.write('{"level":');
      // The body is still arriving when the gateway is told to stop.
      setTimeout(() => {
        gateway.child.kill('SIGTERM');
        setTimeout(() => slow.end('"warn"}'), 300);
      }, 300);
    });
    expect(await response).toEqual({ status: 200, body: '{"level":"warn"}' });
    expect(await gateway.exited).toBe(0);
  });

  it('says in one line that the port is taken, and exits 1', async () => {
    const first = await startGateway({ PARLEY_DATA_DIR: tempDir() });
    const { port } = new URL(first.url);
    const second = await runCli(['gateway'], {
      PARLEY_DATA_DIR: tempDir(),
      PARLEY_PORT: port,
      PARLEY_LOG_LEVEL: 'error',
    });
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(
      `parley: port ${port} on 127.0.0.1 is already in use (set PARLEY_PORT to another port)\n`,
    );
    expect(await first.stop()).toBe(0);
  });

  it('refuses bad configuration with a message naming the variable', async () => {
    const result = await runCli(['gateway'], { PARLEY_LOG_LEVEL: 'chatty' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'PARLEY_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    );
  });

  it('documents its commands and settings in --help', async () => {
    const overview = await runCli(['--help']);
    expect(overview.code).toBe(0);
    expect(overview.stdout).toContain('gateway');
    const gatewayHelp = await runCli(['gateway', '--help']);
    expect(gatewayHelp.stdout).toContain('PARLEY_DATA_DIR');
    const unknown = await runCli(['teleport']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'teleport'");
  });

  it('reports a failure no command expected in one line and exits 1, with the stack only when debugging', async () => {
    const out = '/proc/parley-cannot-write-here/model.gguf';
    const failed = await runCli(['model', 'generate', '--preset', 'tiny', '--out', out]);
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^parley model: ENOENT.*model\.gguf/),
    ]);
    const debug = await runCli(['model', 'generate', '--preset', 'tiny', '--out', out], {
      PARLEY_LOG_LEVEL: 'debug',
    });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});
