import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** Why a provider endpoint is refused, or undefined when it may be used. */
export type EndpointRefusal = 'not_http' | 'loopback' | 'link_local' | 'private' | 'unresolvable';

/** `::ffff:7f00:1` (how URL writes IPv4-mapped addresses) → `127.0.0.1`. */
function unmapIpv4(address: string): string {
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!mapped) return address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address;
  const high = Number.parseInt(mapped[1] ?? '0', 16);
  const low = Number.parseInt(mapped[2] ?? '0', 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

function classify(address: string): EndpointRefusal | undefined {
  const v4 = unmapIpv4(address);
  if (isIP(v4) === 4) {
    const [a = 0, b = 0] = v4.split('.').map(Number);
    if (a === 127 || a === 0) return 'loopback';
    if (a === 169 && b === 254) return 'link_local';
    if (
      a === 10 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    ) {
      return 'private';
    }
    return undefined;
  }
  const v6 = address.toLowerCase();
  if (v6 === '::1' || v6 === '::') return 'loopback';
  if (/^fe[89ab]/.test(v6)) return 'link_local';
  if (/^f[cd]/.test(v6)) return 'private';
  return undefined;
}

/**
 * Refuses provider URLs that point into the gateway's own network (loopback, link-local, private
 * ranges), after resolving host names, so a registration cannot turn the gateway into a proxy for
 * internal services. `allowPrivate` (config) lifts it for local development and tests.
 */
export async function checkProviderEndpoint(
  url: string,
  allowPrivate: boolean,
): Promise<EndpointRefusal | undefined> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not_http';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'not_http';
  if (allowPrivate) return undefined;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((entry) => entry.address);
  } catch {
    return 'unresolvable';
  }
  for (const address of addresses) {
    const refusal = classify(address);
    if (refusal) return refusal;
  }
  return undefined;
}
