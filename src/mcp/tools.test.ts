import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signChannelState } from '../channels/index.ts';
import { readJson, testAdminToken } from '../gateway/testing.ts';
import { generateDidKey, signRegistration } from '../identity/index.ts';
import { vectors } from '../tee/testing.ts';
import { type McpGateway, PRICE, startMcpGateway, structured, TNZO, toolErrorOf } from './testing.ts';

const publicTools = ['get_block', 'get_node_status', 'list_models', 'resolve_did'];
const privateTools: Record<string, Record<string, unknown>> = {
  get_balance: {},
  send_transaction: { to: 'did:parley:nobody', amount: '1' },
  request_faucet: {},
  register_identity: {},
  create_wallet: {},
  verify_proof: {},
  list_providers: {},
  get_quote: { model: 'llama-1b', tokens: 10 },
  open_channel: { deposit: '1' },
  get_channel: { channel_id: 'ch_unknown' },
  close_channel: { channel_id: 'ch_unknown' },
  chat: { model: 'free-1b', messages: [{ role: 'user', content: 'hi' }] },
};

let gateway: McpGateway;
let agent: Client;
let anonymous: Client;
beforeAll(async () => {
  gateway = await startMcpGateway();
  agent = await gateway.connect(gateway.apiKey);
  anonymous = await gateway.connect();
});
afterAll(() => gateway.close());

const call = (client: Client, name: string, args: Record<string, unknown> = {}) =>
  client.callTool({ name, arguments: args });

describe('MCP tools', () => {
  it('lists every tool with input and output schemas, annotations and a description for a model', async () => {
    const { tools } = await anonymous.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(
      [...publicTools, ...Object.keys(privateTools)].sort(),
    );
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema?.type).toBe('object');
      expect(tool.description?.length).toBeGreaterThan(80);
      expect(typeof tool.annotations?.readOnlyHint).toBe('boolean');
      if (publicTools.includes(tool.name)) expect(tool.annotations?.readOnlyHint).toBe(true);
    }
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    expect(byName.send_transaction?.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: true,
    });
    expect(byName.chat?.annotations).toMatchObject({ openWorldHint: true });
  });

  it('lets anonymous callers use the public tools only', async () => {
    for (const [name, args] of Object.entries(privateTools)) {
      const error = toolErrorOf(await call(anonymous, name, args));
      expect(error.code, name).toBe('AUTH_REQUIRED');
      expect(error.text).toContain('Authorization: Bearer');
    }
    const status = structured(await call(anonymous, 'get_node_status'));
    expect(status).toMatchObject({
      name: 'parley',
      publicKey: gateway.channel.network,
      models: { registered: 2, available: 2 },
      providers: { total: 1, active: 1 },
    });
    expect(status.ledgerHeight).toBeGreaterThan(0);
  });

  it('list_models: prices, availability and filters; bad arguments are tool errors', async () => {
    const { models } = structured(await call(anonymous, 'list_models'));
    expect(models.map((model: { model_id: string }) => model.model_id).sort()).toEqual([
      'free-1b',
      'llama-1b',
    ]);
    expect(models.find((model: { model_id: string }) => model.model_id === 'llama-1b')).toMatchObject({
      price_per_token: '1000',
      available: true,
    });
    expect(structured(await call(anonymous, 'list_models', { max_price: '0' })).models).toHaveLength(1);
    const invalid = await call(anonymous, 'list_models', { category: 'Teleportation' });
    expect(invalid.isError).toBe(true);
    expect(JSON.stringify(invalid.content)).toMatch(/Input validation error/);
    // The SDK answers an unknown tool as a tool error too (what the conformance suite expects).
    const unknown = await call(anonymous, 'transfer_everything');
    expect(unknown.isError).toBe(true);
    expect(JSON.stringify(unknown.content)).toMatch(/transfer_everything not found/);
  });

  it('resolve_did: a DID document; unknown and foreign DIDs fail with codes', async () => {
    const { document } = structured(await call(anonymous, 'resolve_did', { did: gateway.agent.did }));
    expect(document).toMatchObject({ id: gateway.agent.did, controller: gateway.controller.did });
    expect(document.verificationMethod[0].publicKeyMultibase).toBe(
      gateway.agent.didKey.slice('did:key:'.length),
    );
    expect(toolErrorOf(await call(anonymous, 'resolve_did', { did: 'did:web:example.com' })).code).toBe(
      'DID_INVALID',
    );
    const unknown = `${gateway.agent.did.slice(0, -4)}0000`;
    expect(toolErrorOf(await call(anonymous, 'resolve_did', { did: unknown })).code).toBe(
      'IDENTITY_NOT_FOUND',
    );
  });

  it('get_block and verify_proof: a signed block verifies, a tampered one does not', async () => {
    const tip = structured(await call(anonymous, 'get_block'));
    expect(tip.block.height).toBe(tip.tip);
    expect(tip.publicKey).toBe(gateway.channel.network);
    const first = structured(await call(anonymous, 'get_block', { height: 1 })).block;
    expect(first.prevHash).toBe('0'.repeat(64));
    expect(toolErrorOf(await call(anonymous, 'get_block', { height: 10_000 })).code).toBe('BLOCK_NOT_FOUND');

    const valid = structured(await call(agent, 'verify_proof', { ledger_block: first }));
    expect(valid).toMatchObject({ kind: 'ledger_block', valid: true, signer: gateway.channel.network });
    const forged = structuredClone(first);
    forged.postings[0].amount = `${forged.postings[0].amount}0`;
    const checks = structured(await call(agent, 'verify_proof', { ledger_block: forged }));
    expect(checks.valid).toBe(false);
    expect(
      checks.checks.filter((check: { ok: boolean }) => !check.ok).map((c: { check: string }) => c.check),
    ).toEqual(['hash', 'signature', 'chain']);
    expect(toolErrorOf(await call(agent, 'verify_proof', {})).code).toBe('PROOF_AMBIGUOUS');
  });

  it('verify_proof: a TEE attestation against the vendor root, with every check named', async () => {
    const nvidia = vectors.nvidia;
    const attestation = {
      platform: 'nvidia',
      evidence: Buffer.from(nvidia.evidence()).toString('base64'),
      certificates: nvidia.certificates(),
      expected: {
        nonce: Buffer.from(nvidia.nonce()).toString('hex'),
        issuedAt: new Date(gateway.built.clock.now()).toISOString(),
      },
    };
    const appraised = structured(await call(agent, 'verify_proof', { attestation }));
    expect(appraised).toMatchObject({ kind: 'tee_attestation', valid: true });
    expect(appraised.appraisal.id).toMatch(/^apr_/);
    expect(appraised.checks.length).toBeGreaterThan(2);
    const replayed = structured(
      await call(agent, 'verify_proof', {
        attestation: { ...attestation, expected: { nonce: '00'.repeat(32) } },
      }),
    );
    expect(replayed.valid).toBe(false);
    expect(replayed.checks).toContainEqual(expect.objectContaining({ check: 'nonce', ok: false }));
    const garbled = toolErrorOf(
      await call(agent, 'verify_proof', { attestation: { ...attestation, evidence: '*not base64*' } }),
    );
    expect(garbled.code).toBe('TEE_EVIDENCE_NOT_BASE64');
    // This gateway runs without PARLEY_TEE_SIM: development-only sim evidence is refused outright.
    const sim = toolErrorOf(
      await call(agent, 'verify_proof', { attestation: { ...attestation, platform: 'sim' } }),
    );
    expect(sim.code).toBe('TEE_PLATFORM_DISABLED');
  });

  it('get_balance, send_transaction: a transfer moves funds and is bounded by the delegation', async () => {
    const before = structured(await call(agent, 'get_balance'));
    expect(before).toMatchObject({
      account: gateway.agent.did,
      balances: [{ asset: 'TNZO', decimals: 18, amount: (990n * TNZO).toString(), formatted: '990' }],
    });
    const sent = structured(
      await call(agent, 'send_transaction', {
        to: gateway.owner.did,
        amount: TNZO.toString(),
        memo: 'thanks',
      }),
    );
    expect(sent.block).toMatchObject({ kind: 'transfer', memo: { memo: 'thanks' } });
    expect(sent.block.postings).toContainEqual({
      account: gateway.agent.did,
      asset: 'TNZO',
      amount: `-${TNZO}`,
    });
    const after = structured(await call(agent, 'get_balance'));
    expect(after.balances[0].formatted).toBe('989');
    const owner = structured(await call(agent, 'get_balance', { did: gateway.owner.did }));
    expect(owner.balances.find((b: { asset: string }) => b.asset === 'TNZO').amount).toBe(
      (TNZO + 99_000n).toString(),
    );

    const tooMuch = toolErrorOf(
      await call(agent, 'send_transaction', { to: gateway.owner.did, amount: (10n ** 30n).toString() }),
    );
    expect(tooMuch.code).toBe('INSUFFICIENT_FUNDS');
    const capped = await gateway.connect(await gateway.agentKey({ max_transaction_value: '100' }));
    const overLimit = toolErrorOf(
      await call(capped, 'send_transaction', { to: gateway.owner.did, amount: '101' }),
    );
    expect(overLimit).toMatchObject({ code: 'SCOPE_EXCEEDED', details: { rule: 'max_transaction_value' } });
    expect(
      structured(await call(capped, 'send_transaction', { to: gateway.owner.did, amount: '100' })).block,
    ).toBeDefined();
  });

  it('checks allowed_operations against the MCP tool names', async () => {
    const readOnly = await gateway.connect(
      await gateway.agentKey({ allowed_operations: ['get_balance', 'get_channel'] }),
    );
    expect(structured(await call(readOnly, 'get_balance')).account).toBe(gateway.agent.did);
    for (const [name, args] of [
      ['send_transaction', { to: gateway.owner.did, amount: '1' }],
      ['list_providers', {}],
      ['open_channel', { deposit: '1' }],
      ['chat', { model: 'free-1b', messages: [{ role: 'user', content: 'hi' }] }],
    ] as const) {
      const error = toolErrorOf(await call(readOnly, name, args));
      expect(error, name).toMatchObject({
        code: 'SCOPE_EXCEEDED',
        details: { rule: 'allowed_operations', requested: name },
      });
    }
    // The admin token holds no account of its own.
    const admin = await gateway.connect(testAdminToken);
    expect(toolErrorOf(await call(admin, 'get_balance')).code).toBe('ACCOUNT_REQUIRED');
  });

  it('register_identity: a generated key and API key that work at once, or a registration you signed', async () => {
    const created = structured(await call(agent, 'register_identity', { capabilities: ['inference'] }));
    expect(created.identity).toMatchObject({ kind: 'autonomous', status: 'active' });
    expect(created.generatedKey.secretKey).toMatch(/^[0-9a-f]{64}$/);
    expect(created.identity.keys[0].didKey).toBe(created.generatedKey.didKey);
    const newcomer = await gateway.connect(created.apiKey.secret);
    const grant = structured(await call(newcomer, 'request_faucet'));
    expect(grant.block).toMatchObject({ kind: 'faucet', memo: { did: created.identity.did } });
    expect(structured(await call(newcomer, 'get_balance')).balances[0].formatted).toBe('1000');
    expect(toolErrorOf(await call(newcomer, 'request_faucet')).code).toBe('FAUCET_RATE_LIMITED');

    const key = generateDidKey();
    const challenge = (
      await readJson(await gateway.built.app.request('/v1/identities/challenges', { method: 'POST' }))
    ).challenge;
    const payload = { challenge, kind: 'human' as const, keys: [key.did], capabilities: [], services: [] };
    const proofs = [{ key: key.did, signature: signRegistration(payload, key.secretKey) }];
    const own = structured(await call(agent, 'register_identity', { ...payload, proofs }));
    expect(own.identity).toMatchObject({ kind: 'human', keys: [{ didKey: key.did }] });
    expect(own.generatedKey).toBeUndefined();
    const replayed = toolErrorOf(await call(agent, 'register_identity', { ...payload, proofs }));
    expect(replayed.code).toBe('CHALLENGE_INVALID');
    expect(toolErrorOf(await call(agent, 'register_identity', { keys: [key.did] })).code).toBe(
      'REGISTRATION_INCOMPLETE',
    );
    expect(toolErrorOf(await call(agent, 'register_identity', { kind: 'machine' })).code).toBe(
      'CONTROLLER_INVALID',
    );
  });

  it('create_wallet: a 2-of-3 wallet for yourself, not for an identity you do not control', async () => {
    const { wallet } = structured(await call(agent, 'create_wallet'));
    expect(wallet).toMatchObject({ did: gateway.agent.did });
    expect(wallet.agentShare.length).toBeGreaterThan(32);
    expect(wallet.publicKey).toMatch(/^[0-9a-f]{64}$/);
    const theirs = toolErrorOf(await call(agent, 'create_wallet', { did: gateway.owner.did }));
    expect(theirs.code).toBe('NOT_PERMITTED');
  });

  it('list_providers and get_quote: live providers, prices with their factors', async () => {
    const { providers } = structured(await call(agent, 'list_providers'));
    expect(providers).toEqual([
      expect.objectContaining({ id: gateway.providerId, status: 'active', models: ['free-1b', 'llama-1b'] }),
    ]);
    expect(providers[0].health.reputation).toBe(0.5);
    expect(structured(await call(agent, 'list_providers', { model: 'other' })).providers).toEqual([]);
    const priced = structured(await call(agent, 'get_quote', { model: 'llama-1b', tokens: 100 }));
    expect(priced).toMatchObject({
      provider: gateway.providerId,
      asset: 'TNZO',
      total: (100n * PRICE).toString(),
    });
    expect(priced.perToken).toBe(PRICE.toString());
    expect(toolErrorOf(await call(agent, 'get_quote', { model: 'nope', tokens: 1 })).code).toBe(
      'MODEL_NOT_FOUND',
    );
  });

  it('open_channel, get_channel, close_channel: unilateral and cooperative closes', async () => {
    const { channel } = structured(await call(agent, 'open_channel', { deposit: TNZO.toString() }));
    expect(channel).toMatchObject({
      payer: gateway.agent.did,
      deposit: TNZO.toString(),
      status: 'open',
      nonce: 0,
    });
    expect(structured(await call(agent, 'get_channel', { channel_id: channel.id })).channel.id).toBe(
      channel.id,
    );
    expect(toolErrorOf(await call(agent, 'get_channel', { channel_id: 'ch_missing' })).code).toBe(
      'CHANNEL_NOT_FOUND',
    );
    expect(toolErrorOf(await call(agent, 'open_channel', { deposit: (10n ** 30n).toString() })).code).toBe(
      'INSUFFICIENT_FUNDS',
    );

    const stranger = structured(await call(agent, 'register_identity')).apiKey.secret;
    const notTheirs = toolErrorOf(
      await call(await gateway.connect(stranger), 'close_channel', { channel_id: channel.id }),
    );
    expect(notTheirs.code).toBe('NOT_PARTICIPANT');
    const closing = structured(await call(agent, 'close_channel', { channel_id: channel.id }));
    expect(closing.channel).toMatchObject({ status: 'closing', closingNonce: 0 });

    const second = structured(await call(agent, 'open_channel', { deposit: TNZO.toString() })).channel;
    const final = signChannelState(
      second.network,
      { channelId: second.id, nonce: 1, cumulativeAmount: '0', final: true },
      gateway.agent.keyId,
      gateway.agent.secretKey,
    );
    const settled = structured(await call(agent, 'close_channel', { channel_id: second.id, state: final }));
    expect(settled.channel).toMatchObject({ status: 'closed' });
    expect(settled.gatewaySignature).toMatch(/^[0-9a-f]{128}$/);
    const wrong = toolErrorOf(await call(agent, 'close_channel', { channel_id: channel.id, state: final }));
    expect(wrong.code).toBe('VOUCHER_WRONG_CHANNEL');
  });
});
