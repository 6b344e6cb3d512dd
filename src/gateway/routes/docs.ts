import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../context.ts';

/** Swagger UI is served from the installed package, so /docs works with no internet. */
const swaggerDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const assets: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

const page = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Parley API</title><link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="api"></div><script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script></body>
</html>`;

/** The docs page loads only its own scripts and styles (Swagger UI adds inline styles). */
const pageHeaders = {
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
  'Cache-Control': 'no-cache',
};

const init = "window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#api', deepLinking: true });";

/** `/openapi.json` generated from the routes' zod schemas, and `/docs` rendering it. */
export function docsRoutes(app: OpenAPIHono<AppEnv>, version: string) {
  const docs = new OpenAPIHono<AppEnv>();
  const cache = new Map<string, string>();
  docs.get('/openapi.json', (c) =>
    c.json(
      app.getOpenAPI31Document({
        openapi: '3.1.0',
        info: {
          title: 'Parley',
          version,
          description: 'Agent-native inference gateway. Errors are `{"error":{"code","message","details"}}`.',
        },
      }),
    ),
  );
  docs.get('/docs', (c) => c.html(page, 200, pageHeaders));
  docs.get('/docs/init.js', (c) => c.body(init, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));
  docs.get('/docs/:asset', (c) => {
    const name = c.req.param('asset');
    const contentType = assets[name];
    if (!contentType) return c.notFound();
    let body = cache.get(name);
    if (body === undefined) {
      body = readFileSync(join(swaggerDir, name), 'utf8');
      cache.set(name, body);
    }
    return c.body(body, 200, { 'Content-Type': contentType, 'Cache-Control': 'public, max-age=86400' });
  });
  return docs;
}
