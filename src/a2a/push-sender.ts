import type { StreamResponse, Task, TaskPushNotificationConfig } from '@a2a-js/sdk';
import { V03PushNotificationSerializer } from '@a2a-js/sdk/compat/v0_3/server';
import {
  type PushNotificationSender,
  type PushNotificationSerializer,
  type ServerCallContext,
  V1PushNotificationSerializer,
} from '@a2a-js/sdk/server';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { checkProviderEndpoint } from '../router/index.ts';
import { type Clock, type Rng, randomId } from '../shared/index.ts';
import type { SqlitePushNotificationStore } from './push-store.ts';

/** Signs webhook deliveries: the gateway's Ed25519 key, named by its did:key. */
export interface PushSigner {
  keyId: string;
  sign(message: Uint8Array): Uint8Array;
}

export interface PushSenderDeps {
  store: SqlitePushNotificationStore;
  clock: Clock;
  rng: Rng;
  allowPrivateEndpoints: boolean;
  signer?: PushSigner;
  /** Waits between attempts; one attempt more than there are delays. */
  retryDelaysMs: readonly number[];
  timeoutMs: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

/** Header carrying the compact JWS (EdDSA) over a delivery; its `sha256` claim binds the body. */
export const signatureHeader = 'Parley-Notification-Signature';

const base64url = (bytes: Uint8Array | string) =>
  Buffer.from(typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes).toString('base64url');

/** A compact JWS: `{alg: EdDSA, typ: JWT, kid}` . claims . Ed25519 signature. */
export function signJws(signer: PushSigner, claims: Record<string, unknown>): string {
  const header = base64url(JSON.stringify({ alg: 'EdDSA', typ: 'JWT', kid: signer.keyId }));
  const payload = base64url(JSON.stringify(claims));
  return `${header}.${payload}.${base64url(signer.sign(new TextEncoder().encode(`${header}.${payload}`)))}`;
}

const serializers: Record<string, PushNotificationSerializer> = {
  '1.0': new V1PushNotificationSerializer(),
  '0.3': new V03PushNotificationSerializer(),
};

/**
 * Delivers task updates to the webhooks registered for them, in order per task: the body in the
 * protocol version the webhook was registered over, the client's own credentials, a signature by
 * the gateway key, the SSRF guard again at delivery (DNS may have changed), and retries with
 * growing delays on network errors, 5xx, 408 and 429.
 */
export class SignedWebhookSender implements PushNotificationSender {
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly deps: PushSenderDeps) {}

  async send(event: StreamResponse, context: ServerCallContext, task?: Task): Promise<void> {
    const taskId = taskIdOf(event);
    if (!taskId) return;
    const configs = await this.deps.store.loadWithMetadata(taskId, context);
    if (configs.length === 0) return;
    const previous = this.chains.get(taskId) ?? Promise.resolve();
    const next = previous
      .catch(() => {})
      .then(() =>
        Promise.all(
          configs.map(({ config, wireVersion }) =>
            this.deliver(config, (serializers[wireVersion] ?? serializers['1.0'])?.serialize(event, task)),
          ),
        ).then(() => {}),
      );
    this.chains.set(taskId, next);
    await next;
    if (this.chains.get(taskId) === next) this.chains.delete(taskId);
  }

  private async deliver(
    config: TaskPushNotificationConfig,
    serialized: { body: string; contentType: string } | undefined,
  ): Promise<void> {
    if (!serialized) return;
    const send = this.deps.fetch ?? fetch;
    const sleep =
      this.deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    for (let attempt = 0; attempt <= this.deps.retryDelaysMs.length; attempt++) {
      if (attempt > 0) await sleep(this.deps.retryDelaysMs[attempt - 1] ?? 0);
      if (await checkProviderEndpoint(config.url, this.deps.allowPrivateEndpoints)) return;
      try {
        const response = await send(config.url, {
          method: 'POST',
          headers: this.headers(config, serialized),
          body: serialized.body,
          signal: AbortSignal.timeout(this.deps.timeoutMs),
        });
        await response.body?.cancel();
        if (response.ok || !retryable(response.status)) return;
      } catch {
        // Network errors and timeouts are retried like a 5xx.
      }
    }
  }

  private headers(config: TaskPushNotificationConfig, serialized: { body: string; contentType: string }) {
    const headers: Record<string, string> = { 'content-type': serialized.contentType };
    if (config.authentication?.scheme && config.authentication.credentials)
      headers.authorization = `${config.authentication.scheme} ${config.authentication.credentials}`;
    else if (config.token) headers['x-a2a-notification-token'] = config.token;
    if (this.deps.signer) {
      headers[signatureHeader.toLowerCase()] = signJws(this.deps.signer, {
        iss: this.deps.signer.keyId,
        iat: Math.floor(this.deps.clock.now() / 1000),
        jti: randomId(this.deps.rng, 12),
        taskId: config.taskId,
        sha256: bytesToHex(sha256(new TextEncoder().encode(serialized.body))),
      });
    }
    return headers;
  }
}

const retryable = (status: number) => status >= 500 || status === 408 || status === 429;

function taskIdOf(event: StreamResponse): string {
  const payload = event.payload;
  if (!payload) return '';
  return payload.$case === 'task' ? payload.value.id : payload.value.taskId;
}
