import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv, ProtocolContext } from '../gateway/context.ts';

/** The MCP server at /mcp (Streamable HTTP). */
export function mcpRoutes(_context: ProtocolContext) {
  return new OpenAPIHono<AppEnv>();
}
