const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * DNS rebinding protection: a browser page may drive /mcp only from a loopback origin or one the
 * operator listed; requests without an Origin (non-browser clients) pass. The Host header is not
 * trusted for this, since a rebound name arrives with a matching Host. `*` is not honoured here: an
 * MCP endpoint open to every web page is what this check exists to prevent.
 */
export function originAllowed(origin: string | undefined, allowedOrigins: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (allowedOrigins.includes(origin)) return true;
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && loopbackHosts.has(url.hostname);
  } catch {
    return false;
  }
}
