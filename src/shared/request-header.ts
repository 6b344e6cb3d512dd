/** The slice of a Hono context this helper needs, so `shared` stays free of framework imports. */
interface HeaderSource {
  env: unknown;
  req: { header(name: string): string | undefined };
}

/**
 * A request header by lowercase name. On Node it reads the IncomingMessage directly: going through
 * Hono builds a whole Headers object per request, a measurable share of a small request's cost
 * (bench/gateway-overhead.ts). Elsewhere (app.request in tests) it asks Hono.
 */
export function requestHeader(c: HeaderSource, name: string): string | undefined {
  const incoming = (
    c.env as { incoming?: { headers: Record<string, string | string[] | undefined> } } | undefined
  )?.incoming;
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
