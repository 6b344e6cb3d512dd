import { verifyAgentCardSignature } from '@a2a-js/sdk';
import { DefaultAgentCardResolver } from '@a2a-js/sdk/client';
import { parseLegacyAgentCard } from '@a2a-js/sdk/compat/v0_3/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicKeyFromDidKey } from '../identity/index.ts';
import { callerLimitsExtensionUri, x402ExtensionUri } from './schemas.ts';
import { a2aClient, bearerFetch, delegatedAgent, type ServedGateway, startGateway } from './testing.ts';

let gateway: ServedGateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(() => gateway.close());

const skillIds = ['wallet', 'identity', 'inference', 'settlement', 'verification'];

describe('agent card', () => {
  it('resolves with the SDK: five skills with examples, both security schemes, streaming and push', async () => {
    const card = await new DefaultAgentCardResolver().resolve(gateway.url);
    expect(card.name).toBe('Parley');
    expect(card.version).toBe('0.0.0-test');
    expect(card.supportedInterfaces).toEqual([
      { url: `${gateway.url}/a2a`, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' },
      { url: `${gateway.url}/a2a`, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '0.3' },
    ]);
    expect(card.capabilities).toMatchObject({
      streaming: true,
      pushNotifications: true,
      extendedAgentCard: true,
    });
    expect(card.capabilities?.extensions.map((extension) => extension.uri)).toEqual([x402ExtensionUri]);
    expect(card.skills.map((skill) => skill.id)).toEqual(skillIds);
    for (const skill of card.skills) expect(skill.examples.length).toBeGreaterThan(0);
    expect(card.skills.find((skill) => skill.id === 'verification')?.description).toMatch(
      /TEE evidence \(SEV-SNP, TDX, Nitro, NVIDIA\) is appraised/,
    );
    expect(card.securitySchemes.apiKey?.scheme).toMatchObject({
      $case: 'httpAuthSecurityScheme',
      value: { scheme: 'Bearer' },
    });
    expect(card.securitySchemes.httpSignature?.scheme).toMatchObject({
      $case: 'apiKeySecurityScheme',
      value: { location: 'header', name: 'Signature' },
    });
    expect(card.defaultInputModes).toEqual(['application/json', 'text/plain']);
  });

  it("is signed by the gateway key: the SDK's verifier accepts it and rejects an altered copy", async () => {
    const card = await new DefaultAgentCardResolver().resolve(gateway.url);
    expect(card.signatures).toHaveLength(1);
    const kids: string[] = [];
    const verify = verifyAgentCardSignature(async (kid) => {
      kids.push(kid);
      const x = Buffer.from(publicKeyFromDidKey(kid)).toString('base64url');
      return { kty: 'OKP', crv: 'Ed25519', x };
    });
    await verify(card);
    const gatewayKey = (await (await fetch(`${gateway.url}/v1/gateway`)).json()) as { publicKey: string };
    expect(Buffer.from(publicKeyFromDidKey(kids[0] as string)).toString('hex')).toBe(gatewayKey.publicKey);
    await expect(verify({ ...card, name: 'Not Parley' })).rejects.toThrow();

    // The extended card (the caller's own limits) is signed the same way.
    const { apiKey } = await delegatedAgent(gateway.identity, { allowed_operations: ['transfer'] });
    const extended = await (await a2aClient(gateway.url, bearerFetch(apiKey))).getAgentCard();
    expect(extended.capabilities?.extensions.map((extension) => extension.uri)).toContain(
      callerLimitsExtensionUri,
    );
    await verify(extended);
  });

  it('answers 0.3 clients (no A2A-Version) with a 0.3 card at both well-known paths', async () => {
    for (const path of ['/.well-known/agent.json', '/.well-known/agent-card.json']) {
      const response = await fetch(`${gateway.url}${path}`);
      expect(response.headers.get('vary')).toBe('A2A-Version');
      const legacy = (await response.json()) as { skills: Array<{ id: string }> };
      expect(legacy).toMatchObject({
        name: 'Parley',
        url: `${gateway.url}/a2a`,
        protocolVersion: '0.3',
        preferredTransport: 'JSONRPC',
        capabilities: { streaming: true, pushNotifications: true, stateTransitionHistory: true },
        supportsAuthenticatedExtendedCard: true,
        securitySchemes: { apiKey: { type: 'http', scheme: 'Bearer' } },
      });
      expect(legacy.skills.map((skill) => skill.id)).toEqual(skillIds);
      // The SDK's 0.3 card parser reads it back into the same skills.
      expect(parseLegacyAgentCard(legacy).skills.map((skill) => skill.id)).toEqual(skillIds);
    }
  });

  it('shows an authenticated caller its own delegation limits in the extended card', async () => {
    const policy = { allowed_operations: ['transfer', 'inference.chat'], max_transaction_value: '5000' };
    const { apiKey, agent, delegationId } = await delegatedAgent(gateway.identity, policy);
    const client = await a2aClient(gateway.url, bearerFetch(apiKey));
    const card = await client.getAgentCard();
    const limits = card.capabilities?.extensions.find(
      (extension) => extension.uri === callerLimitsExtensionUri,
    );
    expect(limits?.params).toMatchObject({
      did: agent.did,
      authenticatedVia: 'api-key',
      delegationId,
      policy,
      unrestricted: false,
      spentLast24h: { TNZO: '0', USDC: '0', USDT: '0' },
    });
  });

  it('refuses the extended card without credentials: 401 with a challenge', async () => {
    const response = await fetch(`${gateway.url}/a2a`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'GetExtendedAgentCard' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await response.json()).toMatchObject({
      jsonrpc: '2.0',
      id: 1,
      error: { code: -32600, data: [{ reason: 'A2A_AUTH_REQUIRED' }] },
    });
  });
});
