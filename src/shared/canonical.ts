import canonicalize from 'canonicalize';

const encoder = new TextEncoder();

/**
 * The bytes a Parley signature covers: a domain-separation tag with its version, a newline, then the
 * RFC 8785 canonical JSON of the payload, so a signature for one purpose never verifies for another.
 */
export function signedBytes(tag: string, payload: unknown): Uint8Array {
  const json = canonicalize(payload);
  if (json === undefined) throw new TypeError('payload cannot be canonicalized');
  return encoder.encode(`${tag}\n${json}`);
}
