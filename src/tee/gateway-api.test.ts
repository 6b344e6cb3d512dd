import { describe, expect, it } from 'vitest';
import { buildTestApp, readJson } from '../gateway/testing.ts';
import { IdentityClient } from '../identity/testing.ts';
import { vectors } from './testing.ts';

describe('attestation verification in the gateway', () => {
  it('needs credentials, then verifies real evidence and keeps the appraisal', async () => {
    const client = new IdentityClient(
      buildTestApp({ maxBodyBytes: 1_048_576, tee: { allowClockOverride: true } }),
    );
    const body = {
      platform: 'nitro',
      evidence: Buffer.from(vectors.nitro.evidence()).toString('base64'),
      expected: { nonce: '01'.repeat(1024) },
      now: '2024-09-07T15:00:00Z',
    };
    const anonymous = await client.app.request('/v1/attestations/verify', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(anonymous.status).toBe(401);
    const agent = await client.register('autonomous');
    const verified = await readJson(await client.signed(agent, 'POST', '/v1/attestations/verify', body));
    expect(verified).toMatchObject({ platform: 'nitro', valid: true, failed: [] });
    const stored = await readJson(await client.app.request(`/v1/attestations/${verified.id}`));
    expect(stored.id).toBe(verified.id);
  });
});
