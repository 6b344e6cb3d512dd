import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../app.ts';
import type { AppEnv } from '../context.ts';
import { requireAdmin } from '../middleware/admin-auth.ts';
import { errorBodySchema, setLogLevelSchema } from '../schemas.ts';

const setLogLevelRoute = createRoute({
  method: 'put',
  path: '/v1/admin/log-level',
  tags: ['admin'],
  summary: 'Change the log level of the running gateway without a restart',
  security: [{ adminToken: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: setLogLevelSchema } } } },
  responses: {
    200: { description: 'The new level', content: { 'application/json': { schema: setLogLevelSchema } } },
    400: { description: 'Invalid body', content: { 'application/json': { schema: errorBodySchema } } },
    401: {
      description: 'Missing or wrong admin token',
      content: { 'application/json': { schema: errorBodySchema } },
    },
  },
});

export function adminRoutes(deps: Pick<AppDeps, 'adminToken' | 'logger'>) {
  const admin = new OpenAPIHono<AppEnv>();
  admin.use('/v1/admin/*', requireAdmin(deps.adminToken));
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
