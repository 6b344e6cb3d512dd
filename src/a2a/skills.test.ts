import { type Message, type Task, TaskState } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signChannelState } from '../channels/index.ts';
import { readJson } from '../gateway/testing.ts';
import { generateDidKey, signDelegation, signRegistration } from '../identity/index.ts';
import { vectors } from '../tee/testing.ts';
import {
  a2aClient,
  bearerFetch,
  type DelegatedAgent,
  delegatedAgent,
  type ServedGateway,
  sendRequest,
  startGateway,
  TNZO,
  textPart,
  userMessage,
} from './testing.ts';

let gateway: ServedGateway;
let payer: DelegatedAgent;
let client: Client;

beforeAll(async () => {
  gateway = await startGateway();
  payer = await delegatedAgent(gateway.identity, { max_transaction_value: (5n * TNZO).toString() });
  client = await a2aClient(gateway.url, bearerFetch(payer.apiKey));
});
afterAll(() => gateway.close());

/** Sends one skill request and returns the finished task. */
async function run(value: unknown, as: Client = client): Promise<Task> {
  const result = await as.sendMessage(sendRequest(value));
  if (!('status' in result)) throw new Error(`expected a task, got a message: ${JSON.stringify(result)}`);
  return result;
}

// biome-ignore lint/suspicious/noExplicitAny: tests reach into skill results
const resultOf = (task: Task): any => {
  const part = task.artifacts[0]?.parts[0]?.content;
  return part?.$case === 'data' ? part.value : undefined;
};
const statusText = (task: Task) =>
  task.status?.message?.parts
    .map((part) => (part.content?.$case === 'text' ? part.content.value : ''))
    .join('');
// biome-ignore lint/suspicious/noExplicitAny: tests reach into error bodies
const statusError = (task: Task): any => {
  const part = task.status?.message?.parts.find((p) => p.content?.$case === 'data')?.content;
  return part?.$case === 'data' ? part.value.error : undefined;
};

describe('wallet skill', () => {
  it('draws from the faucet, shows balances and transfers within the delegated limit', async () => {
    const faucet = await run({ skill: 'wallet', action: 'faucet' });
    expect(faucet.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(resultOf(faucet).kind).toBe('faucet');

    const balances = await run({ skill: 'wallet', action: 'balances' });
    expect(resultOf(balances).balances).toEqual([
      { asset: 'TNZO', decimals: 18, amount: (1000n * TNZO).toString(), formatted: '1000' },
    ]);
    expect(statusText(balances)).toContain('holds 1000 TNZO');

    const recipient = await gateway.identity.register('autonomous');
    const transfer = await run({
      skill: 'wallet',
      action: 'transfer',
      to: recipient.did,
      asset: 'TNZO',
      amount: (2n * TNZO).toString(),
    });
    expect(transfer.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(resultOf(transfer)).toMatchObject({
      kind: 'transfer',
      memo: { from: payer.agent.did, to: recipient.did },
    });
    const after = await readJson(
      await gateway.identity.app.request(`/v1/accounts/${recipient.did}/balances`),
    );
    expect(after.balances[0].amount).toBe((2n * TNZO).toString());
  });

  it('rejects a transfer beyond max_transaction_value, naming the rule, and moves nothing', async () => {
    const recipient = await gateway.identity.register('autonomous');
    const task = await run({
      skill: 'wallet',
      action: 'transfer',
      to: recipient.did,
      asset: 'TNZO',
      amount: (6n * TNZO).toString(),
    });
    expect(task.status?.state).toBe(TaskState.TASK_STATE_REJECTED);
    expect(statusError(task)).toMatchObject({
      code: 'SCOPE_EXCEEDED',
      details: { rule: 'max_transaction_value', limit: (5n * TNZO).toString() },
    });
    const after = await readJson(
      await gateway.identity.app.request(`/v1/accounts/${recipient.did}/balances`),
    );
    expect(after.balances).toEqual([]);
  });

  it('rejects what the delegation does not allow at all', async () => {
    const narrow = await delegatedAgent(gateway.identity, { allowed_operations: ['inference.chat'] });
    const task = await run(
      { skill: 'wallet', action: 'faucet' },
      await a2aClient(gateway.url, bearerFetch(narrow.apiKey)),
    );
    expect(task.status?.state).toBe(TaskState.TASK_STATE_REJECTED);
    expect(statusError(task)).toMatchObject({
      code: 'SCOPE_EXCEEDED',
      details: { rule: 'allowed_operations' },
    });
  });

  it('understands the plain-text command "balances"', async () => {
    const result = await client.sendMessage({
      tenant: '',
      message: userMessage([textPart('  Balances ')]),
      configuration: undefined,
      metadata: undefined,
    });
    expect('status' in result && resultOf(result).account).toBe(payer.agent.did);
  });
});

describe('identity skill', () => {
  it('hands out a challenge, registers a self-proving identity, reads and resolves it', async () => {
    const challenge = resultOf(await run({ skill: 'identity', action: 'challenge' })).challenge as string;
    const key = generateDidKey();
    const payload = {
      challenge,
      kind: 'autonomous' as const,
      keys: [key.did],
      capabilities: ['inference'],
      services: [],
    };
    const registered = await run({
      skill: 'identity',
      action: 'register',
      registration: {
        ...payload,
        proofs: [{ key: key.did, signature: signRegistration(payload, key.secretKey) }],
      },
    });
    expect(registered.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const did = resultOf(registered).did as string;
    expect(resultOf(registered)).toMatchObject({ kind: 'autonomous', status: 'active' });

    expect(resultOf(await run({ skill: 'identity', action: 'get', did }))).toMatchObject({
      did,
      status: 'active',
    });
    const document = resultOf(await run({ skill: 'identity', action: 'resolve', did }));
    expect(document.id).toBe(did);
    expect(document.verificationMethod[0].publicKeyMultibase).toBe(key.did.slice('did:key:'.length));
    const byText = await client.sendMessage({
      tenant: '',
      message: userMessage([textPart(`resolve ${key.did}`)]),
      configuration: undefined,
      metadata: undefined,
    });
    expect('status' in byText && resultOf(byText).id).toBe(key.did);
  });

  it('records a delegation from the caller and lets its issuer revoke it', async () => {
    const controller = await gateway.identity.register('autonomous');
    const machine = await gateway.identity.register('machine', { controller });
    const key = await readJson(
      await gateway.identity.signed(controller, 'POST', '/v1/api-keys', { name: 'own' }),
    );
    const asController = await a2aClient(gateway.url, bearerFetch(key.secret));
    const now = Math.floor(gateway.built.clock.now() / 1000);
    const payload = {
      v: 1 as const,
      iss: controller.did,
      aud: machine.did,
      nbf: now,
      exp: now + 3600,
      nonce: 'a2a-delegation-1',
      policy: { allowed_operations: ['inference.chat'] },
      prf: [],
    };
    const issued = await run(
      {
        skill: 'identity',
        action: 'delegate',
        delegation: {
          payload,
          keyId: controller.keyId,
          signature: signDelegation(payload, controller.secretKey),
        },
      },
      asController,
    );
    const id = resultOf(issued).id as string;
    expect(resultOf(issued).effectivePolicy).toEqual(payload.policy);
    // Only the issuer (or an admin) may revoke: the delegated caller of this suite may not.
    const refused = await run({ skill: 'identity', action: 'revokeDelegation', id });
    expect(refused.status?.state).toBe(TaskState.TASK_STATE_REJECTED);
    expect(statusError(refused).code).toBe('NOT_PERMITTED');
    const revoked = await run({ skill: 'identity', action: 'revokeDelegation', id }, asController);
    expect(resultOf(revoked).revokedAt).not.toBeNull();
  });

  it('fails a lookup of an unknown DID with its not-found error', async () => {
    const task = await run({ skill: 'identity', action: 'get', did: 'did:parley:autonomous:nobody' });
    expect(task.status?.state).toBe(TaskState.TASK_STATE_FAILED);
    expect(statusError(task).code).toBe('IDENTITY_NOT_FOUND');
  });
});

describe('settlement skill', () => {
  it('opens a channel, takes a voucher and closes it cooperatively with a final state', async () => {
    const opened = await run({
      skill: 'settlement',
      action: 'open',
      asset: 'TNZO',
      deposit: TNZO.toString(),
    });
    expect(opened.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const channel = resultOf(opened);
    expect(channel).toMatchObject({ payer: payer.agent.did, deposit: TNZO.toString(), status: 'open' });
    const sign = (nonce: number, final: boolean) =>
      signChannelState(
        channel.network,
        { channelId: channel.id, nonce, cumulativeAmount: '1000', final },
        payer.agent.keyId,
        payer.agent.secretKey,
      );
    const voucher = await run({ skill: 'settlement', action: 'voucher', state: sign(1, false) });
    expect(resultOf(voucher)).toMatchObject({ nonce: 1, authorized: '1000' });
    const closed = await run({
      skill: 'settlement',
      action: 'close',
      channelId: channel.id,
      state: sign(2, true),
    });
    expect(resultOf(closed).channel.status).toBe('closed');
    expect(resultOf(closed).gatewaySignature).toMatch(/^[0-9a-f]{128}$/);
    const read = await client.sendMessage({
      tenant: '',
      message: userMessage([textPart(`channel ${channel.id}`)]),
      configuration: undefined,
      metadata: undefined,
    });
    expect('status' in read && resultOf(read).status).toBe('closed');
  });
});

describe('verification skill', () => {
  it('appraises real TEE evidence like POST /v1/attestations/verify, naming what failed', async () => {
    // A real Nitro document, appraised now: its certificates expired long ago, so it must fail.
    const task = await run({
      skill: 'verification',
      action: 'attestation',
      platform: 'nitro',
      evidence: Buffer.from(vectors.nitro.evidence()).toString('base64'),
      expected: { nonce: '01'.repeat(1024) },
    });
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const appraisal = resultOf(task) as { platform: string; valid: boolean; failed: string[]; id: string };
    expect(appraisal).toMatchObject({ platform: 'nitro', valid: false });
    expect(appraisal.failed.length).toBeGreaterThan(0);
    expect(appraisal.id).toMatch(/^apr_/);
  });
});

describe('requests Parley cannot act on', () => {
  it('answers unclear text with a direct message listing the skills, examples and the schema', async () => {
    const reply = (await client.sendMessage({
      tenant: '',
      message: userMessage([textPart('please make me rich')]),
      configuration: undefined,
      metadata: undefined,
    })) as Message;
    expect('status' in reply).toBe(false);
    const [text, data] = reply.parts;
    expect(text?.content?.$case === 'text' && text.content.value).toMatch(
      /did not understand "please make me rich"/,
    );
    const help = data?.content?.$case === 'data' ? data.content.value : undefined;
    expect(Object.keys(help.examples)).toEqual([
      'wallet',
      'identity',
      'inference',
      'settlement',
      'verification',
    ]);
    expect(help.schema.$defs.A2ASkillRequest.oneOf).toHaveLength(5);
  });

  it('rejects a data part that names a skill but does not match its schema, with the failing fields', async () => {
    const task = await run({ skill: 'wallet', action: 'transfer', to: 'x', amount: '-1' });
    expect(task.status?.state).toBe(TaskState.TASK_STATE_REJECTED);
    const error = statusError(task);
    expect(error.code).toBe('SKILL_REQUEST_INVALID');
    expect(error.details.issues.map((issue: { path: string }) => issue.path)).toEqual(
      expect.arrayContaining(['to', 'amount', 'asset']),
    );
  });
});
