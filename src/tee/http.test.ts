import { fileURLToPath } from 'node:url';
import { OpenAPIHono } from '@hono/zod-openapi';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { describe, expect, it } from 'vitest';
import { AppError, ManualClock, seededRng } from '../shared/index.ts';
import { teeRoutes } from './http.ts';
import { AppraisalStore } from './store.ts';
import { vectors } from './testing.ts';
import { defaultTeeConfig } from './verifier.ts';

function buildApp(allowClockOverride: boolean) {
  const orm = drizzle({ client: new Database(':memory:') });
  migrate(orm, { migrationsFolder: fileURLToPath(new URL('../../migrations', import.meta.url)) });
  const clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));
  const appraisals = new AppraisalStore({ orm, clock, rng: seededRng('tee-http') });
  const app = new OpenAPIHono();
  app.route('/', teeRoutes({ clock, appraisals, config: { ...defaultTeeConfig, allowClockOverride } }));
  app.onError((error, c) => {
    if (error instanceof AppError) return c.json(error.toBody(), error.status as 400);
    throw error;
  });
  return app;
}

const post = (app: ReturnType<typeof buildApp>, body: unknown) =>
  app.request('/v1/attestations/verify', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const nitro = vectors.nitro.evidence();
const nitroBody = {
  platform: 'nitro',
  evidence: Buffer.from(nitro).toString('base64'),
  expected: { nonce: '01'.repeat(1024) },
  now: '2024-09-07T15:00:00Z',
};

describe('POST /v1/attestations/verify', () => {
  it('verifies a real Nitro document at an overridden clock and stores the appraisal for audit', async () => {
    const app = buildApp(true);
    const response = await post(app, nitroBody);
    expect(response.status).toBe(200);
    const appraisal = (await response.json()) as {
      id: string;
      valid: boolean;
      appraisedAt: string;
      recordedAt: string;
    };
    expect(appraisal).toMatchObject({
      valid: true,
      platform: 'nitro',
      appraisedAt: '2024-09-07T15:00:00.000Z',
    });
    expect(appraisal.recordedAt).toBe('2026-03-01T00:00:00.000Z');

    const stored = await app.request(`/v1/attestations/${appraisal.id}`);
    expect(stored.status).toBe(200);
    expect(await stored.json()).toEqual(appraisal);
  });

  it('judges the same evidence by the real clock: its certificate has long expired', async () => {
    const app = buildApp(false);
    const { now: _ignored, ...body } = nitroBody;
    const appraisal = (await (await post(app, body)).json()) as { valid: boolean; failed: string[] };
    expect(appraisal.valid).toBe(false);
    expect(appraisal.failed).toEqual(['certificate-validity', 'freshness']);
  });

  it('refuses `now` unless the gateway allows clock override', async () => {
    const response = await post(buildApp(false), nitroBody);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'TEE_CLOCK_OVERRIDE_REFUSED' } });
  });

  it('verifies SEV-SNP evidence with its certificate chain and expected report data', async () => {
    const snp = vectors.sevSnp;
    const evidence = snp.evidence();
    const response = await post(buildApp(true), {
      platform: 'sev-snp',
      evidence: Buffer.from(evidence).toString('base64'),
      certificates: snp.certificates(),
      expected: { reportData: '0102030405', issuedAt: '2023-01-01T00:00:00Z' },
      now: '2023-01-01T00:00:00Z',
    });
    const appraisal = (await response.json()) as { valid: boolean; failed: string[] };
    expect(appraisal.failed).toEqual(['debug-policy']);
  });

  it('answers 400 for evidence that is not base64 and for unknown platforms, 404 for unknown appraisals', async () => {
    const app = buildApp(true);
    const notBase64 = await post(app, { ...nitroBody, evidence: 'not base64!' });
    expect(notBase64.status).toBe(400);
    expect(await notBase64.json()).toMatchObject({ error: { code: 'TEE_EVIDENCE_NOT_BASE64' } });
    expect((await post(app, { ...nitroBody, platform: 'sgx' })).status).toBe(400);
    expect((await app.request('/v1/attestations/apr_missing')).status).toBe(404);
  });

  it('stores unreadable evidence as an invalid appraisal rather than failing the request', async () => {
    const response = await post(buildApp(true), {
      ...nitroBody,
      evidence: Buffer.from('hello').toString('base64'),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ valid: false, failed: ['evidence-format'], claims: {} });
  });
});
