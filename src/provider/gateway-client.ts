import { randomBytes } from 'node:crypto';
import { signedRequestHeaders, signRegistration } from '../identity/index.ts';
import { fetchFailure } from '../shared/index.ts';

/** A gateway's answer that was not 2xx, with Parley's error code when it sent one. */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

export interface SigningKey {
  /** The did:key of the Ed25519 key. */
  didKey: string;
  secretKey: Uint8Array;
}

/**
 * Talks to a Parley gateway as one identity, over real HTTP, signing every request (RFC 9421) with
 * the identity's key. What a provider node (or any TypeScript agent) needs to register and stay alive.
 */
export class GatewayClient {
  did: string | undefined;

  constructor(
    readonly baseUrl: string,
    private readonly key: SigningKey,
    did?: string,
    private readonly send: typeof fetch = fetch,
  ) {
    this.did = did;
  }

  /**
   * Registers a new autonomous identity for the key and remembers its DID. When the key already
   * has an identity there (this node lost its saved state), that identity is the node's: signed
   * requests prove it holds the key.
   */
  async registerIdentity(capabilities: string[]): Promise<string> {
    const { challenge } = (await this.call('POST', '/v1/identities/challenges', undefined, false)) as {
      challenge: string;
    };
    const payload = {
      challenge,
      kind: 'autonomous' as const,
      keys: [this.key.didKey],
      capabilities,
      services: [],
    };
    const identity = (await this.call(
      'POST',
      '/v1/identities',
      {
        ...payload,
        proofs: [{ key: this.key.didKey, signature: signRegistration(payload, this.key.secretKey) }],
        activate: true,
      },
      false,
    ).catch((error: unknown) => {
      const owner = error instanceof GatewayError && error.code === 'KEY_ALREADY_BOUND' && error.details.did;
      if (typeof owner === 'string') return { did: owner };
      throw error;
    })) as { did: string };
    this.did = identity.did;
    return identity.did;
  }

  get<T = unknown>(path: string): Promise<T> {
    return this.call('GET', path, undefined, false) as Promise<T>;
  }

  post<T = unknown>(path: string, body?: unknown): Promise<T> {
    return this.call('POST', path, body, true) as Promise<T>;
  }

  put<T = unknown>(path: string, body: unknown): Promise<T> {
    return this.call('PUT', path, body, true) as Promise<T>;
  }

  private async call(method: string, path: string, body: unknown, signed: boolean): Promise<unknown> {
    const url = new URL(path, this.baseUrl).toString();
    const text = body === undefined ? undefined : JSON.stringify(body);
    let headers: Record<string, string> = text !== undefined ? { 'content-type': 'application/json' } : {};
    if (signed) {
      if (!this.did) throw new Error('register the identity before signed calls');
      headers = signedRequestHeaders({
        method,
        url,
        ...(text !== undefined ? { body: text } : {}),
        keyId: `${this.did}#key-1`,
        secretKey: this.key.secretKey,
        created: Math.floor(Date.now() / 1000),
        nonce: randomBytes(12).toString('base64url'),
      });
    }
    const response = await this.send(url, {
      method,
      headers,
      ...(text !== undefined ? { body: text } : {}),
    }).catch((error: Error) => {
      throw new Error(
        `cannot reach the gateway at ${this.baseUrl} (${method} ${path}): ${fetchFailure(error)}`,
        { cause: error },
      );
    });
    const answer = (await response.json().catch(() => ({}))) as {
      error?: { code?: string; message?: string; details?: Record<string, unknown> };
    };
    if (!response.ok) {
      throw new GatewayError(
        response.status,
        answer.error?.code,
        `${method} ${path}: ${response.status} ${answer.error?.code ?? ''} ${answer.error?.message ?? ''}`.trim(),
        answer.error?.details,
      );
    }
    return answer;
  }
}
