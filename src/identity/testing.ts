import { buildTestApp, readJson, testAdminToken } from '../gateway/testing.ts';
import { signDelegation, signedRequestHeaders, signRegistration } from './client.ts';
import { generateDidKey } from './did-key.ts';
import type { DelegationPayload, IdentityKind, Policy } from './schemas.ts';

type TestApp = ReturnType<typeof buildTestApp>;

/** An agent holding its own key, talking to a test gateway with real signatures. */
export interface TestAgent {
  did: string;
  keyId: string;
  didKey: string;
  secretKey: Uint8Array;
}

let nonceCounter = 0;

/** Drives the identity HTTP API of an in-process gateway the way a real agent would. */
export class IdentityClient {
  readonly app: TestApp['app'];
  readonly clock: TestApp['clock'];

  constructor(readonly built: TestApp = buildTestApp()) {
    this.app = built.app;
    this.clock = built.clock;
  }

  async challenge(): Promise<string> {
    return (await readJson(await this.app.request('/v1/identities/challenges', { method: 'POST' })))
      .challenge;
  }

  /** Registers a new identity with a fresh key (and its controller's signature for a machine). */
  async register(
    kind: IdentityKind,
    options: { controller?: TestAgent; capabilities?: string[]; activate?: boolean } = {},
  ): Promise<TestAgent> {
    const response = await this.registerRaw(kind, options);
    if (response.status !== 201) throw new Error(`registration failed: ${await response.text()}`);
    const identity = await readJson(response);
    return {
      did: identity.did,
      keyId: `${identity.did}#key-1`,
      didKey: identity.keys[0].didKey,
      secretKey: this.lastKey,
    };
  }

  private lastKey: Uint8Array = new Uint8Array();

  async registerRaw(
    kind: IdentityKind,
    options: {
      controller?: TestAgent;
      capabilities?: string[];
      activate?: boolean;
      challenge?: string;
      key?: ReturnType<typeof generateDidKey>;
    } = {},
  ): Promise<Response> {
    const key = options.key ?? generateDidKey();
    this.lastKey = key.secretKey;
    const payload = {
      challenge: options.challenge ?? (await this.challenge()),
      kind,
      keys: [key.did],
      ...(options.controller ? { controller: options.controller.did } : {}),
      capabilities: options.capabilities ?? ['inference'],
      services: [],
    };
    const body = {
      ...payload,
      proofs: [{ key: key.did, signature: signRegistration(payload, key.secretKey) }],
      ...(options.controller
        ? {
            controllerProof: {
              keyId: options.controller.keyId,
              signature: signRegistration(payload, options.controller.secretKey),
            },
          }
        : {}),
      activate: options.activate ?? true,
    };
    return this.app.request('/v1/identities', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  /** A request signed by `agent` (RFC 9421), optionally acting under a delegation. */
  async signed(
    agent: TestAgent,
    method: string,
    path: string,
    body?: unknown,
    delegationId?: string,
  ): Promise<Response> {
    const url = `http://localhost${path}`;
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers = signedRequestHeaders({
      method,
      url,
      ...(text !== undefined ? { body: text } : {}),
      keyId: agent.keyId,
      secretKey: agent.secretKey,
      created: Math.floor(this.clock.now() / 1000),
      nonce: `n-${++nonceCounter}-${Math.random().toString(36).slice(2)}`,
      ...(delegationId ? { delegationId } : {}),
    });
    return this.app.request(url, { method, headers, ...(text !== undefined ? { body: text } : {}) });
  }

  async bearer(token: string, method: string, path: string, body?: unknown): Promise<Response> {
    return this.app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  }

  admin(method: string, path: string, body?: unknown): Promise<Response> {
    return this.bearer(testAdminToken, method, path, body);
  }

  /** Signs and submits a delegation from `issuer` to `audience`. */
  async delegate(
    issuer: TestAgent,
    audience: TestAgent,
    policy: Policy,
    options: { parent?: string; nbf?: number; exp?: number; signer?: TestAgent } = {},
  ): Promise<Response> {
    const now = Math.floor(this.clock.now() / 1000);
    const payload: DelegationPayload = {
      v: 1,
      iss: issuer.did,
      aud: audience.did,
      nbf: options.nbf ?? now,
      exp: options.exp ?? now + 3600,
      nonce: `d-${++nonceCounter}-${Math.random().toString(36).slice(2)}`,
      policy,
      prf: options.parent ? [options.parent] : [],
    };
    const signer = options.signer ?? issuer;
    return this.app.request('/v1/delegations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        payload,
        keyId: signer.keyId,
        signature: signDelegation(payload, signer.secretKey),
      }),
    });
  }
}
