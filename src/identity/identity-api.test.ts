import { describe, expect, it } from 'vitest';
import { readJson } from '../gateway/testing.ts';
import { generateDidKey } from './did-key.ts';
import { IdentityClient } from './testing.ts';

describe('registration', () => {
  it('registers a human that proves its key, and resolves it as a DID document', async () => {
    const client = new IdentityClient();
    const human = await client.register('human', { capabilities: ['wallet', 'inference'] });
    expect(human.did).toMatch(/^did:parley:human:[0-9a-f-]{36}$/);
    const identity = await readJson(await client.app.request(`/v1/identities/${human.did}`));
    expect(identity).toMatchObject({
      kind: 'human',
      status: 'active',
      capabilities: ['wallet', 'inference'],
    });
    expect(identity.transitions.map((t: { to: string }) => t.to)).toEqual(['created', 'active']);
    const document = await readJson(await client.app.request(`/v1/dids/${human.did}`));
    expect(document).toMatchObject({
      id: human.did,
      verificationMethod: [
        {
          id: `${human.did}#key-1`,
          type: 'Multikey',
          controller: human.did,
          publicKeyMultibase: human.didKey.slice(8),
        },
      ],
      authentication: [`${human.did}#key-1`],
      parley: { kind: 'human', status: 'active', capabilities: ['wallet', 'inference'] },
    });
    const keyDocument = await readJson(await client.app.request(`/v1/dids/${human.didKey}`));
    expect(keyDocument.verificationMethod[0].publicKeyMultibase).toBe(human.didKey.slice(8));
  });

  it('names a controlled machine after its controller and needs the controller to sign', async () => {
    const client = new IdentityClient();
    const owner = await client.register('human');
    const machine = await client.register('machine', { controller: owner });
    expect(machine.did).toBe(
      `did:parley:machine:${owner.did.split(':').at(-1)}:${machine.did.split(':').at(-1)}`,
    );
    expect((await readJson(await client.app.request(`/v1/dids/${machine.did}`))).controller).toBe(owner.did);
    const autonomous = await client.register('autonomous');
    expect(autonomous.did).toMatch(/^did:parley:machine:[0-9a-f-]{36}$/);

    const stranger = await client.register('human');
    const forged = await client.registerRaw('machine', {
      controller: { ...owner, secretKey: stranger.secretKey },
    });
    expect(forged.status).toBe(400);
    expect((await readJson(forged)).error.code).toBe('PROOF_INVALID');
  });

  it('rejects a bad proof, a reused or expired challenge, and a key already bound', async () => {
    const client = new IdentityClient();
    const key = generateDidKey();
    const other = generateDidKey();
    const badProof = await client.registerRaw('human', { key: { ...key, secretKey: other.secretKey } });
    expect((await readJson(badProof)).error).toMatchObject({
      code: 'PROOF_INVALID',
      details: { key: key.did },
    });

    const challenge = await client.challenge();
    expect((await client.registerRaw('human', { challenge })).status).toBe(201);
    const reused = await client.registerRaw('human', { challenge });
    expect((await readJson(reused)).error.code).toBe('CHALLENGE_INVALID');

    const stale = await client.challenge();
    client.clock.advance(11 * 60 * 1000);
    expect((await readJson(await client.registerRaw('human', { challenge: stale }))).error.code).toBe(
      'CHALLENGE_INVALID',
    );

    const first = await client.registerRaw('human', { key });
    expect(first.status).toBe(201);
    const again = await client.registerRaw('human', { key });
    expect(again.status).toBe(409);
    // Only the key's holder gets this far (the proofs are checked first), and learns its own DID.
    expect((await readJson(again)).error).toMatchObject({
      code: 'KEY_ALREADY_BOUND',
      details: { did: (await readJson(first)).did },
    });
  });

  it('answers unknown and malformed DIDs with 404 and 400', async () => {
    const client = new IdentityClient();
    const missing = await client.app.request(
      '/v1/dids/did:parley:human:00000000-0000-4000-8000-000000000000',
    );
    expect(missing.status).toBe(404);
    const bad = await client.app.request('/v1/dids/did:example:123456');
    expect((await readJson(bad)).error.code).toBe('DID_INVALID');
  });
});

describe('lifecycle', () => {
  it('lets a controller suspend and resume its machine, but not the machine resume itself', async () => {
    const client = new IdentityClient();
    const owner = await client.register('human');
    const machine = await client.register('machine', { controller: owner });
    const suspend = await client.signed(owner, 'POST', `/v1/identities/${machine.did}/status`, {
      status: 'suspended',
      reason: 'maintenance',
    });
    expect(suspend.status).toBe(200);
    const selfResume = await client.signed(machine, 'POST', `/v1/identities/${machine.did}/status`, {
      status: 'active',
    });
    expect(selfResume.status).toBe(403);
    const resume = await client.signed(owner, 'POST', `/v1/identities/${machine.did}/status`, {
      status: 'active',
    });
    const identity = await readJson(resume);
    expect(identity.status).toBe('active');
    expect(identity.transitions.slice(-2)).toMatchObject([
      { from: 'active', to: 'suspended', actor: owner.did, reason: 'maintenance' },
      { from: 'suspended', to: 'active', actor: owner.did },
    ]);
  });

  it('suspends the machines of a terminated controller, and Terminated is final', async () => {
    const client = new IdentityClient();
    const owner = await client.register('human');
    const machine = await client.register('machine', { controller: owner });
    const terminate = await client.signed(owner, 'POST', `/v1/identities/${owner.did}/status`, {
      status: 'terminated',
    });
    expect((await readJson(terminate)).status).toBe('terminated');
    const orphan = await readJson(await client.app.request(`/v1/identities/${machine.did}`));
    expect(orphan.status).toBe('suspended');
    expect(orphan.transitions.at(-1)).toMatchObject({
      to: 'suspended',
      actor: owner.did,
      reason: 'controller terminated',
    });
    const revive = await client.admin('POST', `/v1/identities/${owner.did}/status`, { status: 'active' });
    expect(revive.status).toBe(409);
    expect((await readJson(revive)).error.code).toBe('TRANSITION_INVALID');
  });

  it('keeps created identities from acting until activated, and strangers from changing anyone', async () => {
    const client = new IdentityClient();
    const dormant = await client.register('autonomous', { activate: false });
    const stranger = await client.register('human');
    const key = await client.signed(dormant, 'POST', '/v1/api-keys', { name: 'ci' });
    expect((await readJson(key)).error.code).toBe('IDENTITY_NOT_ACTIVE');
    const meddle = await client.signed(stranger, 'POST', `/v1/identities/${dormant.did}/status`, {
      status: 'terminated',
    });
    expect(meddle.status).toBe(403);
    expect(
      (await client.admin('POST', `/v1/identities/${dormant.did}/status`, { status: 'active' })).status,
    ).toBe(200);
    expect((await client.signed(dormant, 'POST', '/v1/api-keys', { name: 'ci' })).status).toBe(201);
  });
});

describe('suspended identities', () => {
  it('keep authenticating but may not act until resumed', async () => {
    const client = new IdentityClient();
    const agent = await client.register('autonomous');
    const { secret } = await readJson(await client.signed(agent, 'POST', '/v1/api-keys', { name: 'main' }));
    await client.admin('POST', `/v1/identities/${agent.did}/status`, {
      status: 'suspended',
      reason: 'abuse report',
    });
    const blocked = await client.bearer(secret, 'POST', '/v1/wallets', {});
    expect(blocked.status).toBe(403);
    expect((await readJson(blocked)).error).toMatchObject({
      code: 'IDENTITY_NOT_ACTIVE',
      details: { status: 'suspended' },
    });
    const signedBlocked = await client.signed(agent, 'POST', '/v1/api-keys', { name: 'another' });
    expect((await readJson(signedBlocked)).error.code).toBe('IDENTITY_NOT_ACTIVE');
    await client.admin('POST', `/v1/identities/${agent.did}/status`, { status: 'active' });
    expect((await client.bearer(secret, 'POST', '/v1/wallets', {})).status).toBe(201);
  });
});

describe('request authentication', () => {
  it('accepts a signed request once, and refuses replays, tampering, stale and unknown signatures', async () => {
    const client = new IdentityClient();
    const agent = await client.register('autonomous');
    const ok = await client.signed(agent, 'POST', '/v1/api-keys', { name: 'first' });
    expect(ok.status).toBe(201);

    const url = 'http://localhost/v1/api-keys';
    const { signedRequestHeaders } = await import('./client.ts');
    const headers = signedRequestHeaders({
      method: 'POST',
      url,
      body: JSON.stringify({ name: 'once' }),
      keyId: agent.keyId,
      secretKey: agent.secretKey,
      created: Math.floor(client.clock.now() / 1000),
      nonce: 'fixed-nonce-1',
    });
    const send = (body: string, extra: Record<string, string> = {}) =>
      client.app.request(url, { method: 'POST', headers: { ...headers, ...extra }, body });
    expect((await send(JSON.stringify({ name: 'once' }))).status).toBe(201);
    expect((await readJson(await send(JSON.stringify({ name: 'once' })))).error.code).toBe(
      'SIGNATURE_REPLAYED',
    );
    expect((await readJson(await send(JSON.stringify({ name: 'twice' })))).error.code).toBe(
      'DIGEST_MISMATCH',
    );

    client.clock.advance(10 * 60 * 1000);
    const stale = await send(JSON.stringify({ name: 'once' }));
    expect(stale.status).toBe(401);
    expect((await readJson(stale)).error.code).toBe('SIGNATURE_EXPIRED');

    const unknown = await client.signed({ ...agent, keyId: `${agent.did}#key-9` }, 'GET', '/v1/api-keys');
    expect((await readJson(unknown)).error.code).toBe('SIGNATURE_UNKNOWN_KEY');
    const wrongKey = await client.signed(
      { ...agent, secretKey: generateDidKey().secretKey },
      'GET',
      '/v1/api-keys',
    );
    expect((await readJson(wrongKey)).error.code).toBe('SIGNATURE_INVALID');
  });

  it('signs with the did:key URL of a bound key as well as the did:parley key id', async () => {
    const client = new IdentityClient();
    const agent = await client.register('autonomous');
    const viaDidKey = await client.signed(
      { ...agent, keyId: `${agent.didKey}#${agent.didKey.slice(8)}` },
      'GET',
      '/v1/api-keys',
    );
    expect(viaDidKey.status).toBe(200);
  });

  it('issues API keys shown once, lists them without secrets, and stops them when revoked', async () => {
    const client = new IdentityClient();
    const agent = await client.register('autonomous');
    const created = await readJson(
      await client.signed(agent, 'POST', '/v1/api-keys', { name: 'openai-client' }),
    );
    expect(created.secret).toMatch(/^parley_[A-Za-z0-9_-]{43}$/);
    const listed = await readJson(await client.bearer(created.secret, 'GET', '/v1/api-keys'));
    expect(listed.data).toEqual([
      expect.objectContaining({ id: created.id, name: 'openai-client', revokedAt: null }),
    ]);
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    expect((await client.bearer(created.secret, 'DELETE', `/v1/api-keys/${created.id}`)).status).toBe(200);
    const after = await client.bearer(created.secret, 'GET', '/v1/api-keys');
    expect(after.status).toBe(401);
    expect((await readJson(after)).error.code).toBe('API_KEY_INVALID');
    expect((await client.bearer('parley_not-a-key', 'GET', '/v1/api-keys')).status).toBe(401);
  });

  it('needs credentials for protected routes', async () => {
    const client = new IdentityClient();
    const response = await client.app.request('/v1/api-keys');
    expect(response.status).toBe(401);
    expect((await readJson(response)).error.code).toBe('AUTH_REQUIRED');
  });
});
