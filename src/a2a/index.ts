import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv, ProtocolContext } from '../gateway/context.ts';

/** The A2A server: agent card and JSON-RPC at /a2a. */
export function a2aRoutes(_context: ProtocolContext) {
  return new OpenAPIHono<AppEnv>();
}
