import { describe, expect, it } from 'vitest';
import { seededRng } from '../shared/index.ts';
import { openDatabase } from './database.ts';
import { buildTestApp, captureLogs, readJson, testAdminToken } from './testing.ts';

const admin = { authorization: `Bearer ${testAdminToken}`, 'content-type': 'application/json' };

describe('system routes', () => {
  it('answers liveness and readiness', async () => {
    const { app } = buildTestApp();
    expect(await readJson(await app.request('/healthz'))).toEqual({ status: 'ok' });
    const ready = await app.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await readJson(ready)).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
  });

  it('is not ready before migrations have run, and says which check failed', async () => {
    const { app } = buildTestApp({ db: openDatabase(':memory:') });
    const response = await app.request('/readyz');
    expect(response.status).toBe(503);
    expect(await readJson(response)).toMatchObject({
      error: { code: 'NOT_READY', details: { check: 'migrations' } },
    });
  });

  it('is not ready when the database is closed', async () => {
    const { app, db } = buildTestApp();
    db.close();
    const response = await app.request('/readyz');
    expect(response.status).toBe(503);
    expect(await readJson(response)).toMatchObject({
      error: { code: 'NOT_READY', details: { check: 'database' } },
    });
  });

  it('publishes the gateway public key', async () => {
    const { app, deps } = buildTestApp();
    const info = await readJson(await app.request('/v1/gateway'));
    expect(info).toMatchObject({
      name: 'parley',
      version: '0.0.0-test',
      publicKey: deps.gatewayKey.publicKeyHex,
      boots: 0,
    });
    expect(info.startedAt).toBe(new Date(deps.startedAt).toISOString());
  });

  it('counts requests by route pattern and status in Prometheus text', async () => {
    const { app } = buildTestApp();
    await app.request('/healthz');
    await app.request('/healthz');
    await app.request('/does-not-exist');
    const response = await app.request('/metrics');
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('parley_http_requests_total{method="GET",route="/healthz",status="200"} 2');
    expect(text).toContain('parley_http_requests_total{method="GET",route="(unmatched)",status="404"} 1');
    expect(text).toContain('parley_http_request_duration_seconds_bucket');
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('serves an OpenAPI document built from the route schemas, and a docs page for it', async () => {
    const { app } = buildTestApp();
    const doc = await readJson(await app.request('/openapi.json'));
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/healthz',
        '/readyz',
        '/metrics',
        '/v1/gateway',
        '/v1/admin/log-level',
        '/v1/identities',
        '/v1/identities/{did}/status',
        '/v1/dids/{did}',
        '/v1/delegations',
        '/v1/delegations/{id}',
        '/v1/api-keys',
        '/v1/api-keys/{id}',
        '/v1/wallets',
        '/v1/wallets/{id}/sign',
      ]),
    );
    expect(doc.components.schemas.Error).toBeDefined();
    expect(doc.components.securitySchemes).toHaveProperty('httpSignature');
    expect(doc.paths['/v1/delegations'].post.requestBody.content['application/json'].schema).toBeDefined();
    const page = await app.request('/docs');
    expect(await page.text()).toContain('/docs/swagger-ui-bundle.js');
    const bundle = await app.request('/docs/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
    expect((await app.request('/docs/../../package.json')).status).toBe(404);
  });
});

describe('errors', () => {
  it('answers unknown routes with 404 in the error shape', async () => {
    const { app } = buildTestApp();
    const response = await app.request('/v1/nothing-here', { method: 'POST' });
    expect(response.status).toBe(404);
    expect(await readJson(response)).toEqual({
      error: {
        code: 'ROUTE_NOT_FOUND',
        message: expect.any(String),
        type: 'not_found_error',
        param: null,
        details: { method: 'POST', path: '/v1/nothing-here' },
      },
    });
  });

  it('answers malformed JSON with 400 INVALID_JSON', async () => {
    const { app } = buildTestApp();
    const response = await app.request('/v1/admin/log-level', {
      method: 'PUT',
      headers: admin,
      body: '{"level":',
    });
    expect(response.status).toBe(400);
    expect((await readJson(response)).error.code).toBe('INVALID_JSON');
  });

  it('answers schema violations with 400 VALIDATION_FAILED naming the field', async () => {
    const { app } = buildTestApp();
    const response = await app.request('/v1/admin/log-level', {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ level: 'loud' }),
    });
    expect(response.status).toBe(400);
    const body = await readJson(response);
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.details.issues[0].path).toBe('level');
    // Clients that show only the message still learn which field is wrong and why.
    expect(body.error.message).toMatch(/^The request does not match the schema\. level: /);
  });

  it('answers oversized bodies with 413, with or without Content-Length', async () => {
    const { app } = buildTestApp({ maxBodyBytes: 4096 });
    const big = JSON.stringify({ level: 'x'.repeat(5000) });
    const declared = await app.request('/v1/admin/log-level', { method: 'PUT', headers: admin, body: big });
    expect(declared.status).toBe(413);
    expect((await readJson(declared)).error).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      details: { maxBytes: 4096 },
    });
    const streamed = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(1000)));
        controller.close();
      },
    });
    const chunked = await app.request('/v1/admin/log-level', {
      method: 'PUT',
      headers: admin,
      body: streamed,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it('never sends a stack trace: unexpected failures are 500 INTERNAL_ERROR and logged', async () => {
    const { logger, entries } = captureLogs();
    const { app } = buildTestApp({ logger });
    app.get('/explode', () => {
      throw new Error('database password is hunter2');
    });
    const response = await app.request('/explode', { headers: { 'x-request-id': 'trace-me-1' } });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('at ');
    expect(JSON.parse(text).error.code).toBe('INTERNAL_ERROR');
    const failure = entries.find((entry) => entry.msg === 'request failed');
    expect(failure).toMatchObject({
      requestId: 'trace-me-1',
      err: { message: 'database password is hunter2' },
    });
  });
});

describe('middleware', () => {
  it('passes a valid X-Request-Id through and generates one otherwise, from the injected RNG', async () => {
    const first = buildTestApp({ rng: seededRng('ids') }).app;
    const second = buildTestApp({ rng: seededRng('ids') }).app;
    const passed = await first.request('/healthz', { headers: { 'x-request-id': 'client-abc-123' } });
    expect(passed.headers.get('x-request-id')).toBe('client-abc-123');
    const generatedA = (await first.request('/healthz')).headers.get('x-request-id');
    await second.request('/healthz', { headers: { 'x-request-id': 'client-abc-123' } });
    const generatedB = (await second.request('/healthz')).headers.get('x-request-id');
    expect(generatedA).toMatch(/^[0-9a-f]{32}$/);
    expect(generatedA).toBe(generatedB);
    const rejected = await first.request('/healthz', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(rejected.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('writes one structured JSON log line per request with its latency', async () => {
    const { logger, entries } = captureLogs();
    const { app, clock } = buildTestApp({ logger });
    app.get('/slow', (c) => {
      clock.advance(42);
      return c.text('done');
    });
    await app.request('/slow', { headers: { 'x-request-id': 'req-42' } });
    const entry = entries.at(-1);
    expect(entry).toMatchObject({
      msg: 'request',
      requestId: 'req-42',
      method: 'GET',
      path: '/slow',
      status: 200,
      latencyMs: 42,
    });
  });

  it('sets secure headers', async () => {
    const { app } = buildTestApp();
    const response = await app.request('/healthz');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const docs = await app.request('/docs');
    expect(docs.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('allows only configured CORS origins', async () => {
    const { app } = buildTestApp({ corsOrigins: ['https://agents.example'] });
    const allowed = await app.request('/healthz', { headers: { origin: 'https://agents.example' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://agents.example');
    const other = await app.request('/healthz', { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const closed = await buildTestApp().app.request('/healthz', {
      headers: { origin: 'https://agents.example' },
    });
    expect(closed.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('admin routes', () => {
  it('need the admin bearer token', async () => {
    const { app } = buildTestApp();
    const body = JSON.stringify({ level: 'debug' });
    const missing = await app.request('/v1/admin/log-level', {
      method: 'PUT',
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toContain('Bearer');
    expect((await readJson(missing)).error.code).toBe('ADMIN_UNAUTHORIZED');
    const wrong = await app.request('/v1/admin/log-level', {
      method: 'PUT',
      body,
      headers: { ...admin, authorization: 'Bearer not-the-token' },
    });
    expect(wrong.status).toBe(401);
  });

  it('change the log level of the running gateway', async () => {
    const { app, deps } = buildTestApp({ logger: captureLogs().logger });
    const response = await app.request('/v1/admin/log-level', {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ level: 'debug' }),
    });
    expect(response.status).toBe(200);
    expect(await readJson(response)).toEqual({ level: 'debug' });
    expect(deps.logger.level).toBe('debug');
  });
});
