import type { ProtocolContext } from '../gateway/context.ts';
import { a2aHttpRoutes } from './http.ts';
import { type A2AOptions, createA2aServer } from './server.ts';

export { a2aErrors } from './errors.ts';
export { type PushSigner, signatureHeader, signJws } from './push-sender.ts';
export { type SkillRequest, skillRequestSchema } from './schemas.ts';
export type { A2AOptions };

/**
 * The A2A server: agent card at /.well-known/agent-card.json (and agent.json), JSON-RPC at /a2a and
 * /a2a/stream. `options` are the composition root's: webhook policy and the key that signs deliveries.
 */
export function a2aRoutes(context: ProtocolContext, options: A2AOptions = {}) {
  return a2aHttpRoutes(context, createA2aServer(context, options), options.signer);
}
