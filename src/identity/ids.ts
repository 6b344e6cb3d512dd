import type { IdentityKind } from './schemas.ts';

const uuidPattern = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const parleyDid = new RegExp(`^did:parley:(human:${uuidPattern}|machine:(${uuidPattern}:)?${uuidPattern})$`);

export function isParleyDid(did: string): boolean {
  return parleyDid.test(did);
}

/** The last uuid of a did:parley, which a controlled machine's DID embeds. */
export function uuidOf(did: string): string {
  return did.slice(did.lastIndexOf(':') + 1);
}

export function newParleyDid(kind: IdentityKind, uuid: string, controllerDid?: string): string {
  if (kind === 'human') return `did:parley:human:${uuid}`;
  if (kind === 'machine' && controllerDid) return `did:parley:machine:${uuidOf(controllerDid)}:${uuid}`;
  return `did:parley:machine:${uuid}`;
}

/** Splits a DID URL `did:…#fragment` into its DID and fragment. */
export function splitDidUrl(didUrl: string): { did: string; fragment?: string } {
  const hash = didUrl.indexOf('#');
  return hash < 0 ? { did: didUrl } : { did: didUrl.slice(0, hash), fragment: didUrl.slice(hash + 1) };
}

/** A v4 UUID from 16 random bytes of the injected RNG. */
export function uuidFromBytes(bytes: Uint8Array): string {
  const b = Uint8Array.from(bytes.subarray(0, 16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = Buffer.from(b).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
