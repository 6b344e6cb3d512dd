import { ed25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { AppError } from '../shared/index.ts';
import {
  DidKeyError,
  type DidKeyErrorReason,
  didDocumentSchema,
  didKeyFromPublicKey,
  generateDidKey,
  publicKeyFromDidKey,
  resolveDidKey,
  verificationMethodId,
} from './did-key.ts';

/**
 * Published vectors from the did:key spec's test suite, w3c-ccg/did-method-key
 * `test-vectors/ed25519-x25519.json`: the Ed25519 secret key ("seed"), the public key
 * (`publicKeyBase58` of the verification key pair) and the did:key.
 */
const specVectors = [
  {
    seed: '0000000000000000000000000000000000000000000000000000000000000000',
    publicKeyBase58: '4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS',
    did: 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp',
  },
  {
    seed: '0000000000000000000000000000000000000000000000000000000000000001',
    publicKeyBase58: '6ASf5EcmmEHTgDJ4X4ZT5vT6iHVJBXPg5AN5YoTCpGWt',
    did: 'did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG',
  },
  {
    seed: '0000000000000000000000000000000000000000000000000000000000000002',
    publicKeyBase58: '8pM1DN3RiT8vbom5u1sNryaNT1nyL8CTTW3b5PwWXRBH',
    did: 'did:key:z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf',
  },
  {
    seed: '0000000000000000000000000000000000000000000000000000000000000003',
    publicKeyBase58: 'HPYVwAQmskwT1qEEeRzhoomyfyupJGASQQtCXSNG8XS2',
    did: 'did:key:z6MkvqoYXQfDDJRv8L4wKzxYeuKyVZBfi9Qo6Ro8MiLH3kDQ',
  },
  {
    seed: '0000000000000000000000000000000000000000000000000000000000000004',
    publicKeyBase58: 'J3qYF7YJMKCqQke47UQwiHizgFUXapHxRxKmxbkar89x',
    did: 'did:key:z6MkwW6aqMnjgrhJXFUko3NnZPGzVpkNzhYK7yEhnsibmLwL',
  },
];

/** RFC 8032 §7.1 TEST 1 public key, as hex. */
const rfc8032PublicKeyHex = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';

/** digitalbazaar/did-method-key `test/expected-did-doc.json`: the verification method of a resolved did:key. */
const digitalBazaarDid = 'did:key:z6Mkpw72M9suPCBv48X2Xj4YKZJH9W7wzEK1aS6JioKSo89C';
const digitalBazaarMethod = {
  id: 'did:key:z6Mkpw72M9suPCBv48X2Xj4YKZJH9W7wzEK1aS6JioKSo89C#z6Mkpw72M9suPCBv48X2Xj4YKZJH9W7wzEK1aS6JioKSo89C',
  controller: 'did:key:z6Mkpw72M9suPCBv48X2Xj4YKZJH9W7wzEK1aS6JioKSo89C',
  publicKeyMultibase: 'z6Mkpw72M9suPCBv48X2Xj4YKZJH9W7wzEK1aS6JioKSo89C',
};

/** Other key types from the same test suite: secp256k1 (multicodec 0xe7 0x01) and X25519 (0xec 0x01). */
const secp256k1Did = 'did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme';
const x25519Did = 'did:key:z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW';

const hex = (value: string) => Uint8Array.from(Buffer.from(value, 'hex'));

function didFromMulticodecBytes(bytes: number[]): string {
  return `did:key:z${base58.encode(Uint8Array.from(bytes))}`;
}

function reasonOf(action: () => unknown): DidKeyErrorReason | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof DidKeyError) return error.reason;
    throw error;
  }
  return undefined;
}

describe('did:key published vectors', () => {
  it.each(specVectors)('encodes the public key of $did', ({ publicKeyBase58, did }) => {
    expect(didKeyFromPublicKey(base58.decode(publicKeyBase58))).toBe(did);
  });

  it.each(specVectors)('decodes $did to its published public key', ({ publicKeyBase58, did }) => {
    expect(base58.encode(publicKeyFromDidKey(did))).toBe(publicKeyBase58);
  });

  it.each(specVectors)('derives $did from its published seed', ({ seed, publicKeyBase58, did }) => {
    const generated = generateDidKey(hex(seed));
    expect(generated.did).toBe(did);
    expect(base58.encode(generated.publicKey)).toBe(publicKeyBase58);
    expect(generated.secretKey).toEqual(hex(seed));
  });

  it.each(specVectors)('resolves $did to the published verification method id', ({ did }) => {
    const multibase = did.slice('did:key:'.length);
    const document = resolveDidKey(did);
    // The spec vectors' verification method is `${did}#${multibase}` with the same key.
    expect(document.verificationMethod?.[0]?.id).toBe(`${did}#${multibase}`);
    expect(document.verificationMethod?.[0]?.publicKeyMultibase).toBe(multibase);
  });

  it('resolves the digitalbazaar reference document to the same method id and publicKeyMultibase', () => {
    const document = resolveDidKey(digitalBazaarDid);
    expect(document.id).toBe(digitalBazaarDid);
    expect(document.verificationMethod).toEqual([{ ...digitalBazaarMethod, type: 'Multikey' }]);
    expect(verificationMethodId(digitalBazaarDid)).toBe(digitalBazaarMethod.id);
  });

  it('round-trips the RFC 8032 test key through a z6Mk did:key', () => {
    const did = didKeyFromPublicKey(hex(rfc8032PublicKeyHex));
    expect(did).toMatch(/^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]{44}$/);
    expect(Buffer.from(publicKeyFromDidKey(did)).toString('hex')).toBe(rfc8032PublicKeyHex);
  });
});

describe('resolveDidKey', () => {
  const did = specVectors[0]?.did ?? '';
  const methodId = `${did}#${did.slice('did:key:'.length)}`;

  it('builds a Multikey DID document with every verification relationship', () => {
    expect(resolveDidKey(did)).toEqual({
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: did,
      verificationMethod: [
        { id: methodId, type: 'Multikey', controller: did, publicKeyMultibase: did.slice('did:key:'.length) },
      ],
      authentication: [methodId],
      assertionMethod: [methodId],
      capabilityDelegation: [methodId],
      capabilityInvocation: [methodId],
    });
  });

  it('resolves a DID URL to the document of its DID', () => {
    expect(resolveDidKey(methodId)).toEqual(resolveDidKey(did));
    expect(verificationMethodId(methodId)).toBe(methodId);
  });

  it('produces documents the schema accepts, and the schema keeps controller, services and extensions', () => {
    const document = resolveDidKey(did);
    expect(didDocumentSchema.parse(document)).toEqual(document);
    const extended = {
      ...document,
      controller: 'did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG',
      service: [{ id: `${did}#a2a`, type: 'A2A', serviceEndpoint: 'https://agent.example/a2a' }],
      parleyKind: 'machine',
    };
    expect(didDocumentSchema.parse(extended)).toEqual(extended);
  });

  it('rejects a document without an id', () => {
    expect(didDocumentSchema.safeParse({ '@context': ['https://www.w3.org/ns/did/v1'] }).success).toBe(false);
  });
});

describe('did:key rejections', () => {
  const did = specVectors[0]?.did ?? '';
  const publicKey = publicKeyFromDidKey(did);

  it.each([
    ['another DID method', 'did:web:example.com'],
    ['a bare multibase key', did.slice('did:key:'.length)],
    ['an empty method-specific id', 'did:key:'],
    ['a versioned did:key', `did:key:1:${did.slice('did:key:'.length)}`],
    ['a path', `${did}/path`],
  ])('rejects %s as not_did_key', (_label, input) => {
    expect(reasonOf(() => publicKeyFromDidKey(input))).toBe('not_did_key');
  });

  it.each([
    ['characters outside base58', 'did:key:z6Mk0OIl'],
    ['another multibase (base16)', `did:key:fed01${Buffer.from(publicKey).toString('hex')}`],
  ])('rejects %s as bad_encoding', (_label, input) => {
    expect(reasonOf(() => publicKeyFromDidKey(input))).toBe('bad_encoding');
  });

  it.each([
    ['secp256k1 (0xe7 0x01)', secp256k1Did],
    ['X25519 (0xec 0x01)', x25519Did],
    ['X25519 bytes built here', didFromMulticodecBytes([0xec, 0x01, ...publicKey])],
  ])('rejects %s as unsupported_key_type', (_label, input) => {
    expect(reasonOf(() => publicKeyFromDidKey(input))).toBe('unsupported_key_type');
  });

  it.each([
    ['31 key bytes', didFromMulticodecBytes([0xed, 0x01, ...publicKey.slice(0, 31)])],
    ['33 key bytes', didFromMulticodecBytes([0xed, 0x01, ...publicKey, 0])],
    ['no bytes at all', 'did:key:z'],
  ])('rejects %s as bad_length', (_label, input) => {
    expect(reasonOf(() => publicKeyFromDidKey(input))).toBe('bad_length');
  });

  it('rejects 32 bytes that are no Ed25519 point as invalid_public_key', () => {
    // The spec vector with its tail altered: 0xed 0x01 and 32 bytes, but no point on the curve.
    const corrupted = 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG1GLVVQR3djDX1mNrt1Z';
    expect(reasonOf(() => publicKeyFromDidKey(corrupted))).toBe('invalid_public_key');
  });

  it.each([
    ['another key', `${did}#${specVectors[1]?.did.slice('did:key:'.length)}`],
    ['a named fragment', `${did}#key-1`],
    ['an empty fragment', `${did}#`],
  ])('rejects a DID URL whose fragment is %s as fragment_mismatch', (_label, input) => {
    expect(reasonOf(() => publicKeyFromDidKey(input))).toBe('fragment_mismatch');
    expect(reasonOf(() => resolveDidKey(input))).toBe('fragment_mismatch');
  });

  it('throws an AppError the gateway maps to 400 DID_INVALID with the reason', () => {
    let caught: unknown;
    try {
      resolveDidKey(secp256k1Did);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).status).toBe(400);
    expect((caught as AppError).toBody().error).toMatchObject({
      code: 'DID_INVALID',
      details: { reason: 'unsupported_key_type' },
    });
  });

  it.each([0, 31, 33, 64])('refuses to encode a %i-byte public key', (length) => {
    expect(() => didKeyFromPublicKey(new Uint8Array(length))).toThrow(Error);
    expect(reasonOf(() => didKeyFromPublicKey(new Uint8Array(length)))).toBe('bad_length');
  });

  it('refuses a seed that is not 32 bytes', () => {
    expect(() => generateDidKey(new Uint8Array(31))).toThrow(RangeError);
  });
});

describe('generated did:keys', () => {
  it('round-trips random keys and verifies signatures under the decoded key', () => {
    const message = new TextEncoder().encode('parley did:key test v1');
    for (let i = 0; i < 8; i++) {
      const { did, publicKey, secretKey } = generateDidKey();
      expect(did.startsWith('did:key:z6Mk')).toBe(true);
      expect(publicKeyFromDidKey(did)).toEqual(publicKey);
      expect(didKeyFromPublicKey(publicKeyFromDidKey(did))).toBe(did);
      const signature = ed25519.sign(message, secretKey);
      expect(ed25519.verify(signature, message, publicKeyFromDidKey(did))).toBe(true);
      expect(ed25519.verify(signature, message, publicKeyFromDidKey(specVectors[0]?.did ?? ''))).toBe(false);
    }
  });

  it('draws a fresh key each time without a seed', () => {
    expect(generateDidKey().did).not.toBe(generateDidKey().did);
  });
});
