import { ed25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import { z } from 'zod';
import { AppError } from '../shared/index.ts';
import { identityErrors } from './errors.ts';

/**
 * Ed25519 `did:key` (did:key method v0.7): `did:key:z` + base58btc(0xed 0x01 ‖ 32-byte public key).
 * https://w3c-ccg.github.io/did-method-key/
 */

const didKeyPrefix = 'did:key:';
/** Multibase header for base58btc. */
const base58btcHeader = 'z';
/** The unsigned varint of multicodec 0xed (ed25519-pub). */
const ed25519Multicodec = [0xed, 0x01] as const;
const ed25519PublicKeyLength = 32;
/** Longer than any did:key in use (RSA-4096 is ~750 characters); base58 decoding is quadratic. */
const maxMultibaseLength = 2048;

export type DidKeyErrorReason =
  | 'not_did_key'
  | 'bad_encoding'
  | 'unsupported_key_type'
  | 'bad_length'
  | 'invalid_public_key'
  | 'fragment_mismatch';

/** Bad did:key input; an `AppError` with code `DID_INVALID`, so the edge answers 400 with the reason. */
export class DidKeyError extends AppError {
  constructor(
    readonly reason: DidKeyErrorReason,
    message: string,
  ) {
    const spec = identityErrors.DID_INVALID;
    super('DID_INVALID', spec.status, message, { reason }, spec.rpcCode);
    this.name = 'DidKeyError';
  }
}

const jsonObjectSchema = z.record(z.string(), z.unknown());

export const verificationMethodSchema = z.looseObject({
  id: z.string(),
  type: z.string(),
  controller: z.string(),
  publicKeyMultibase: z.string().optional(),
});
export type VerificationMethod = z.infer<typeof verificationMethodSchema>;

/** DID Core allows a service endpoint to be a URL, a map, or a set of either. */
export const didServiceSchema = z.looseObject({
  id: z.string(),
  type: z.union([z.string(), z.array(z.string())]),
  serviceEndpoint: z.union([z.string(), jsonObjectSchema, z.array(z.union([z.string(), jsonObjectSchema]))]),
});
export type DidService = z.infer<typeof didServiceSchema>;

/** A relationship lists verification methods by id or embeds them. */
const verificationRelationshipSchema = z.array(z.union([z.string(), verificationMethodSchema])).optional();

/** A W3C DID document; loose, so that extensions (Parley's own fields among them) survive parsing. */
export const didDocumentSchema = z.looseObject({
  '@context': z.union([z.string(), z.array(z.union([z.string(), jsonObjectSchema]))]),
  id: z.string(),
  controller: z.union([z.string(), z.array(z.string())]).optional(),
  alsoKnownAs: z.array(z.string()).optional(),
  verificationMethod: z.array(verificationMethodSchema).optional(),
  authentication: verificationRelationshipSchema,
  assertionMethod: verificationRelationshipSchema,
  keyAgreement: verificationRelationshipSchema,
  capabilityDelegation: verificationRelationshipSchema,
  capabilityInvocation: verificationRelationshipSchema,
  service: z.array(didServiceSchema).optional(),
});
export type DidDocument = z.infer<typeof didDocumentSchema>;

/** The did:key for an Ed25519 public key. */
export function didKeyFromPublicKey(publicKey: Uint8Array): string {
  if (publicKey.length !== ed25519PublicKeyLength) {
    throw new DidKeyError(
      'bad_length',
      `An Ed25519 public key is ${ed25519PublicKeyLength} bytes, not ${publicKey.length}.`,
    );
  }
  assertValidPoint(publicKey);
  const multicodecKey = new Uint8Array(ed25519Multicodec.length + ed25519PublicKeyLength);
  multicodecKey.set(ed25519Multicodec);
  multicodecKey.set(publicKey, ed25519Multicodec.length);
  return `${didKeyPrefix}${base58btcHeader}${base58.encode(multicodecKey)}`;
}

/** The public key inside a did:key, or inside a DID URL `did:key:z…#z…` naming its key. */
export function publicKeyFromDidKey(did: string): Uint8Array {
  return parseDidKey(did).publicKey;
}

/** The DID URL of a did:key's one verification method: `did:key:z…#z…`. */
export function verificationMethodId(did: string): string {
  const parsed = parseDidKey(did);
  return `${parsed.did}#${parsed.multibaseKey}`;
}

/** Expands a did:key (or a DID URL on one) into its DID document, with a Multikey verification method. */
export function resolveDidKey(did: string): DidDocument {
  const parsed = parseDidKey(did);
  const methodId = `${parsed.did}#${parsed.multibaseKey}`;
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: parsed.did,
    verificationMethod: [
      { id: methodId, type: 'Multikey', controller: parsed.did, publicKeyMultibase: parsed.multibaseKey },
    ],
    authentication: [methodId],
    assertionMethod: [methodId],
    capabilityDelegation: [methodId],
    capabilityInvocation: [methodId],
  };
}

/**
 * A new Ed25519 key pair and its did:key. `seed` is the 32-byte Ed25519 secret key; without it one is
 * drawn from the CSPRNG.
 */
export function generateDidKey(seed?: Uint8Array): {
  did: string;
  publicKey: Uint8Array;
  secretKey: Uint8Array;
} {
  if (seed !== undefined && seed.length !== ed25519PublicKeyLength) {
    throw new RangeError(`An Ed25519 secret key is 32 bytes, not ${seed.length}.`);
  }
  const secretKey = seed === undefined ? ed25519.utils.randomSecretKey() : Uint8Array.from(seed);
  const publicKey = ed25519.getPublicKey(secretKey);
  return { did: didKeyFromPublicKey(publicKey), publicKey, secretKey };
}

interface ParsedDidKey {
  did: string;
  multibaseKey: string;
  publicKey: Uint8Array;
}

function parseDidKey(input: string): ParsedDidKey {
  const hash = input.indexOf('#');
  const did = hash === -1 ? input : input.slice(0, hash);
  const fragment = hash === -1 ? undefined : input.slice(hash + 1);
  if (!did.startsWith(didKeyPrefix)) {
    throw new DidKeyError('not_did_key', 'A did:key starts with "did:key:".');
  }
  const multibaseKey = did.slice(didKeyPrefix.length);
  // Version segments (did:key:1:…), paths and queries are not part of the Ed25519 form Parley accepts.
  if (multibaseKey.length === 0 || /[:/?]/.test(multibaseKey)) {
    throw new DidKeyError('not_did_key', 'A did:key is "did:key:" followed by one multibase key.');
  }
  if (!multibaseKey.startsWith(base58btcHeader)) {
    throw new DidKeyError('bad_encoding', 'The did:key key must be multibase base58btc (starting with "z").');
  }
  if (multibaseKey.length > maxMultibaseLength) {
    throw new DidKeyError('bad_length', 'The did:key is longer than any supported key.');
  }
  let multicodecKey: Uint8Array;
  try {
    multicodecKey = base58.decode(multibaseKey.slice(base58btcHeader.length));
  } catch {
    throw new DidKeyError('bad_encoding', 'The did:key key is not valid base58btc.');
  }
  if (multicodecKey.length < ed25519Multicodec.length) {
    throw new DidKeyError('bad_length', 'The did:key key is too short to name a key type.');
  }
  if (multicodecKey[0] !== ed25519Multicodec[0] || multicodecKey[1] !== ed25519Multicodec[1]) {
    throw new DidKeyError('unsupported_key_type', 'Only Ed25519 did:keys (did:key:z6Mk…) are supported.');
  }
  const publicKey = multicodecKey.slice(ed25519Multicodec.length);
  if (publicKey.length !== ed25519PublicKeyLength) {
    throw new DidKeyError(
      'bad_length',
      `An Ed25519 did:key holds a ${ed25519PublicKeyLength}-byte key, not ${publicKey.length} bytes.`,
    );
  }
  assertValidPoint(publicKey);
  if (fragment !== undefined && fragment !== multibaseKey) {
    throw new DidKeyError('fragment_mismatch', "The DID URL fragment must be the did:key's own key.");
  }
  return { did, multibaseKey, publicKey };
}

/** The spec requires rejecting bytes that are no point on the curve; strict (non-ZIP-215) decoding keeps one DID per key. */
function assertValidPoint(publicKey: Uint8Array): void {
  if (!ed25519.utils.isValidPublicKey(publicKey, false)) {
    throw new DidKeyError('invalid_public_key', 'The key is not a valid Ed25519 public key.');
  }
}
