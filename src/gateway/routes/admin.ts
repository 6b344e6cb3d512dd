import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { errorResponses, jsonBody, jsonResponse } from '../../shared/index.ts';
import type { AppDeps } from '../app.ts';
import type { AppEnv } from '../context.ts';
import { setLogLevelSchema } from '../schemas.ts';

const setLogLevelRoute = createRoute({
  method: 'put',
  path: '/v1/admin/log-level',
  tags: ['admin'],
  summary: 'Change the log level of the running gateway without a restart',
  security: [{ adminToken: [] }],
  request: { body: jsonBody(setLogLevelSchema) },
  responses: { 200: jsonResponse(setLogLevelSchema, 'The new level'), ...errorResponses(400, 401) },
});

/** Admin routes of the gateway itself; app.ts guards every /v1/admin/* path with the admin token. */
export function adminRoutes(deps: Pick<AppDeps, 'logger'>) {
  const admin = new OpenAPIHono<AppEnv>();
  admin.openAPIRegistry.registerComponent('securitySchemes', 'adminToken', {
    type: 'http',
    scheme: 'bearer',
  });
  return admin.openapi(setLogLevelRoute, (c) => {
    const { level } = c.req.valid('json');
    deps.logger.level = level;
    return c.json({ level }, 200);
  });
}
