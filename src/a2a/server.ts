import { DefaultExecutionEventBusManager, DefaultRequestHandler } from '@a2a-js/sdk/server';
import type { ProtocolContext } from '../gateway/context.ts';
import { baseUrlOf, principalOf } from './caller.ts';
import { agentCard, extendedAgentCard, signedCard } from './card.ts';
import { ParleyAgentExecutor } from './executor.ts';
import { IdempotentRequestHandler } from './idempotent-handler.ts';
import { A2aDispatcher } from './jsonrpc.ts';
import { MessageLog } from './message-log.ts';
import { type PushSigner, SignedWebhookSender } from './push-sender.ts';
import { SqlitePushNotificationStore } from './push-store.ts';
import { SqliteTaskStore } from './task-store.ts';

/** Settings the gateway's composition root may give the A2A server. */
export interface A2AOptions {
  /** The gateway key: signs the agent card (A2A 1.0 `signatures`); unsigned without one. */
  signer?: PushSigner;
  push?: {
    /** Accept webhooks on loopback/private networks (development; as PARLEY_ALLOW_PRIVATE_PROVIDERS). */
    allowPrivateEndpoints?: boolean;
    /** Signs every delivery (header Parley-Notification-Signature); unsigned without one. */
    signer?: PushSigner;
    retryDelaysMs?: readonly number[];
    timeoutMs?: number;
    fetch?: typeof fetch;
  };
}

/**
 * The A2A server: the SDK's DefaultRequestHandler over Parley's executor, a SQLite task store,
 * SQLite webhook registrations with a signing sender, idempotent message ids, and the JSON-RPC
 * dispatcher in front.
 */
export function createA2aServer(context: ProtocolContext, options: A2AOptions = {}) {
  const { orm, clock, rng } = context;
  const allowPrivateEndpoints = options.push?.allowPrivateEndpoints ?? false;
  const tasks = new SqliteTaskStore(orm, clock);
  const messages = new MessageLog(orm, clock);
  const pushStore = new SqlitePushNotificationStore({ orm, clock, rng, allowPrivateEndpoints });
  const sender = new SignedWebhookSender({
    store: pushStore,
    clock,
    rng,
    allowPrivateEndpoints,
    retryDelaysMs: options.push?.retryDelaysMs ?? [500, 2_000, 8_000],
    timeoutMs: options.push?.timeoutMs ?? 5_000,
    ...(options.push?.signer ? { signer: options.push.signer } : {}),
    ...(options.push?.fetch ? { fetch: options.push.fetch } : {}),
  });
  // The handler needs a card for capabilities and versions; served cards carry the caller's origin.
  const card = agentCard(context, '');
  const inner = new DefaultRequestHandler(
    card,
    tasks,
    new ParleyAgentExecutor({ context, tasks, messages }),
    new DefaultExecutionEventBusManager(),
    pushStore,
    sender,
    async (call) => {
      const extended = extendedAgentCard(context, baseUrlOf(call), principalOf(call));
      return options.signer ? signedCard(extended, options.signer) : extended;
    },
  );
  const handler = new IdempotentRequestHandler(inner, messages);
  return { handler, tasks, dispatcher: new A2aDispatcher(handler, card) };
}

export type A2aServer = ReturnType<typeof createA2aServer>;
