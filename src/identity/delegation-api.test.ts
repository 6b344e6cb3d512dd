import { describe, expect, it } from 'vitest';
import { readJson } from '../gateway/testing.ts';
import { IdentityClient, type TestAgent } from './testing.ts';

async function setup() {
  const client = new IdentityClient();
  const owner = await client.register('human');
  const machine = await client.register('machine', { controller: owner });
  const worker = await client.register('machine', { controller: owner });
  return { client, owner, machine, worker };
}

const issued = async (response: Response) => {
  if (response.status !== 201) throw new Error(`delegation refused: ${await response.text()}`);
  return readJson(response);
};

/** An API key for `agent`, created by its controller and bound to `delegationId`. */
async function keyFor(client: IdentityClient, controller: TestAgent, agent: TestAgent, delegationId: string) {
  const response = await client.signed(controller, 'POST', '/v1/api-keys', {
    did: agent.did,
    name: 'agent',
    delegationId,
  });
  if (response.status !== 201) throw new Error(await response.text());
  return (await readJson(response)).secret as string;
}

describe('delegations', () => {
  it('bound a machine to what its controller delegated, naming the rule and limit when exceeded', async () => {
    const { client, owner, machine } = await setup();
    const delegation = await issued(
      await client.delegate(owner, machine, { allowed_operations: ['wallet.create'] }),
    );
    const secret = await keyFor(client, owner, machine, delegation.id);
    expect((await client.bearer(secret, 'POST', '/v1/wallets', {})).status).toBe(201);
    const denied = await client.bearer(secret, 'POST', '/v1/api-keys', { name: 'more' });
    expect(denied.status).toBe(403);
    expect((await readJson(denied)).error).toMatchObject({
      code: 'SCOPE_EXCEEDED',
      details: {
        rule: 'allowed_operations',
        limit: ['wallet.create'],
        requested: 'api_key.create',
        delegationId: delegation.id,
      },
    });
  });

  it('gives a controlled machine without a delegation no operations at all', async () => {
    const { client, machine } = await setup();
    const denied = await client.signed(machine, 'POST', '/v1/wallets', {});
    expect((await readJson(denied)).error).toMatchObject({
      code: 'SCOPE_EXCEEDED',
      details: { rule: 'allowed_operations', limit: [] },
    });
  });

  it('accepts a narrower re-delegation and refuses a wider one, listing what widens', async () => {
    const { client, owner, machine, worker } = await setup();
    const root = await issued(
      await client.delegate(owner, machine, {
        max_transaction_value: '1000',
        allowed_models: ['llama-1b', 'llama-8b'],
        allowed_operations: ['inference', 'wallet.create'],
      }),
    );
    const narrow = await issued(
      await client.delegate(
        machine,
        worker,
        { max_transaction_value: '500', allowed_models: ['llama-1b'], allowed_operations: ['inference'] },
        { parent: root.id },
      ),
    );
    expect(narrow.effectivePolicy).toEqual({
      max_transaction_value: '500',
      allowed_models: ['llama-1b'],
      allowed_operations: ['inference'],
    });

    const wide = await client.delegate(
      machine,
      worker,
      { max_transaction_value: '5000', allowed_operations: ['inference'] },
      { parent: root.id },
    );
    expect(wide.status).toBe(400);
    const body = await readJson(wide);
    expect(body.error.code).toBe('DELEGATION_WIDENS');
    expect(body.error.details.widenings).toEqual([
      { rule: 'max_transaction_value', parent: '1000', child: '5000' },
      { rule: 'allowed_models', parent: ['llama-1b', 'llama-8b'], child: 'any' },
    ]);
    const longer = await client.delegate(machine, worker, root.payload.policy, {
      parent: root.id,
      exp: root.payload.exp + 60,
    });
    expect((await readJson(longer)).error.details.widenings).toEqual([
      { rule: 'exp', parent: root.payload.exp, child: root.payload.exp + 60 },
    ]);
  });

  it('refuses forged, misdirected and parentless delegations to machines one does not control', async () => {
    const { client, owner, machine, worker } = await setup();
    const stranger = await client.register('human');
    const forged = await client.delegate(
      owner,
      machine,
      {},
      { signer: { ...owner, secretKey: stranger.secretKey } },
    );
    expect((await readJson(forged)).error).toMatchObject({
      code: 'DELEGATION_INVALID',
      details: { reason: 'signature' },
    });
    const notMine = await client.delegate(stranger, machine, {});
    expect((await readJson(notMine)).error.code).toBe('DELEGATION_INVALID');
    const root = await issued(await client.delegate(owner, machine, {}));
    const wrongAudience = await client.signed(owner, 'POST', '/v1/api-keys', {
      did: worker.did,
      name: 'x',
      delegationId: root.id,
    });
    expect((await readJson(wrongAudience)).error.code).toBe('DELEGATION_INVALID');
    const reDelegateByOther = await client.delegate(worker, machine, {}, { parent: root.id });
    expect((await readJson(reDelegateByOther)).error.code).toBe('DELEGATION_INVALID');
  });

  it('stops working before not-before, after expiry, and at once when revoked, down the chain', async () => {
    const { client, owner, machine, worker } = await setup();
    const now = Math.floor(client.clock.now() / 1000);
    const later = await issued(
      await client.delegate(owner, machine, {}, { nbf: now + 600, exp: now + 1200 }),
    );
    const early = await client.signed(machine, 'GET', '/v1/api-keys', undefined, later.id);
    expect((await readJson(early)).error).toMatchObject({
      code: 'DELEGATION_UNUSABLE',
      details: { reason: 'not yet valid' },
    });
    client.clock.advance(1300 * 1000);
    const expired = await client.signed(machine, 'GET', '/v1/api-keys', undefined, later.id);
    expect((await readJson(expired)).error.details.reason).toBe('expired');

    const root = await issued(
      await client.delegate(owner, machine, { allowed_operations: ['wallet.create'] }),
    );
    const child = await issued(
      await client.delegate(machine, worker, { allowed_operations: ['wallet.create'] }, { parent: root.id }),
    );
    const workerKey = await keyFor(client, owner, worker, child.id);
    expect((await client.bearer(workerKey, 'POST', '/v1/wallets', {})).status).toBe(201);
    const stranger = await client.register('human');
    expect((await client.signed(stranger, 'DELETE', `/v1/delegations/${root.id}`)).status).toBe(403);
    expect(
      (await readJson(await client.signed(owner, 'DELETE', `/v1/delegations/${root.id}`))).revokedAt,
    ).not.toBeNull();
    const revoked = await client.bearer(workerKey, 'POST', '/v1/wallets', {});
    expect(revoked.status).toBe(403);
    expect((await readJson(revoked)).error).toMatchObject({
      code: 'DELEGATION_UNUSABLE',
      details: { id: root.id, reason: 'revoked' },
    });
  });

  it('stops a delegation whose issuer is suspended', async () => {
    const { client, owner, machine } = await setup();
    const root = await issued(await client.delegate(owner, machine, {}));
    await client.admin('POST', `/v1/identities/${owner.did}/status`, { status: 'suspended' });
    const response = await client.signed(machine, 'GET', '/v1/api-keys', undefined, root.id);
    expect((await readJson(response)).error.details.reason).toBe('issuer not active');
  });
});

describe('threshold wallets', () => {
  it('sign with agent + gateway shares as plain Ed25519, and recover with gateway + recovery for admins', async () => {
    const { ed25519 } = await import('@noble/curves/ed25519.js');
    const client = new IdentityClient();
    const agent = await client.register('autonomous');
    const wallet = await readJson(await client.signed(agent, 'POST', '/v1/wallets', {}));
    expect(wallet).toMatchObject({
      did: agent.did,
      publicKey: expect.stringMatching(/^[0-9a-f]{64}$/),
      agentShare: expect.any(String),
    });
    const message = Buffer.from('channel close: nonce 7, cumulative 1000').toString('hex');
    const signed = await readJson(
      await client.signed(agent, 'POST', `/v1/wallets/${wallet.id}/sign`, {
        message,
        shares: ['agent', 'gateway'],
        agentShare: wallet.agentShare,
      }),
    );
    const verify = (signature: string) =>
      ed25519.verify(
        Buffer.from(signature, 'hex'),
        Buffer.from(message, 'hex'),
        Buffer.from(wallet.publicKey, 'hex'),
      );
    expect(verify(signed.signature)).toBe(true);

    const recoveryByAgent = await client.signed(agent, 'POST', `/v1/wallets/${wallet.id}/sign`, {
      message,
      shares: ['gateway', 'recovery'],
    });
    expect(recoveryByAgent.status).toBe(403);
    const recovered = await readJson(
      await client.admin('POST', `/v1/wallets/${wallet.id}/sign`, {
        message,
        shares: ['gateway', 'recovery'],
      }),
    );
    expect(verify(recovered.signature)).toBe(true);
  });

  it('refuse one share, a missing agent share, and a share of another wallet', async () => {
    const client = new IdentityClient();
    const agent = await client.register('autonomous');
    const wallet = await readJson(await client.signed(agent, 'POST', '/v1/wallets', {}));
    const other = await readJson(await client.signed(agent, 'POST', '/v1/wallets', {}));
    const sign = (body: unknown) => client.signed(agent, 'POST', `/v1/wallets/${wallet.id}/sign`, body);
    expect((await readJson(await sign({ message: 'aa', shares: ['agent'] }))).error.code).toBe(
      'VALIDATION_FAILED',
    );
    expect((await readJson(await sign({ message: 'aa', shares: ['agent', 'agent'] }))).error.code).toBe(
      'WALLET_SHARES_INVALID',
    );
    expect((await readJson(await sign({ message: 'aa', shares: ['agent', 'gateway'] }))).error.code).toBe(
      'WALLET_SHARES_INVALID',
    );
    const foreign = await sign({ message: 'aa', shares: ['agent', 'gateway'], agentShare: other.agentShare });
    expect((await readJson(foreign)).error.code).toBe('WALLET_SHARES_INVALID');
  });

  it('are only for machine identities', async () => {
    const client = new IdentityClient();
    const human = await client.register('human');
    expect((await client.signed(human, 'POST', '/v1/wallets', {})).status).toBe(403);
  });
});
