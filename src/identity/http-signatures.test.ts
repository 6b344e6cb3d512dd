import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import {
  contentDigest,
  type RequestParts,
  readSignature,
  SignatureError,
  type SignatureErrorCode,
  signatureBase,
  signRequest,
  verifyRequestSignature,
  verifySignatureBase,
} from './http-signatures.ts';

const secretKey = new Uint8Array(32).fill(7);
const publicKey = ed25519.getPublicKey(secretKey);
const otherPublicKey = ed25519.getPublicKey(new Uint8Array(32).fill(9));
const keyId =
  'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const created = 1_700_000_000;
const body = JSON.stringify({ model: 'llama-3-8b', messages: [{ role: 'user', content: 'hi' }] });

const get: RequestParts = { method: 'GET', url: 'https://gateway.example/v1/models', headers: {} };
const post: RequestParts = {
  method: 'POST',
  url: 'https://gateway.example/v1/chat/completions?stream=false',
  headers: { 'content-type': 'application/json' },
  body,
};

function signed(parts: RequestParts, extra: { expires?: number; created?: number } = {}): RequestParts {
  const headers = signRequest(parts, { keyId, secretKey, created, nonce: 'nonce-1', ...extra });
  return { ...parts, headers: { ...(parts.headers as Record<string, string>), ...headers } };
}

function verify(
  parts: RequestParts,
  opts: { now?: number; resolveKey?: (id: string) => Uint8Array | undefined } = {},
) {
  return verifyRequestSignature(parts, {
    resolveKey: opts.resolveKey ?? ((id) => (id === keyId ? publicKey : undefined)),
    now: opts.now ?? created + 5,
    maxAgeSeconds: 300,
  });
}

function codeOf(run: () => unknown): SignatureErrorCode | 'NO_ERROR' {
  try {
    run();
    return 'NO_ERROR';
  } catch (error) {
    if (error instanceof SignatureError) return error.code;
    throw error;
  }
}

function withHeaders(parts: RequestParts, headers: Record<string, string>): RequestParts {
  return { ...parts, headers: { ...(parts.headers as Record<string, string>), ...headers } };
}

/** Signs exactly the given Signature-Input value, to build signatures the signer would refuse to make. */
function signedWithInput(parts: RequestParts, input: string): RequestParts {
  const withDigest = parts.body ? withHeaders(parts, { 'content-digest': contentDigest(parts.body) }) : parts;
  const label = input.slice(0, input.indexOf('='));
  const placeholder = { 'signature-input': input, signature: `${label}=:AA==:` };
  const { components, params } = readSignature({
    ...(withDigest.headers as Record<string, string>),
    ...placeholder,
  });
  const base = signatureBase(withDigest, components, params);
  const signature = Buffer.from(ed25519.sign(new TextEncoder().encode(base), secretKey)).toString('base64');
  return withHeaders(withDigest, { 'signature-input': input, signature: `${label}=:${signature}:` });
}

describe('contentDigest', () => {
  it('matches the RFC 9530 example for {"hello": "world"}', () => {
    expect(contentDigest('{"hello": "world"}')).toBe(
      'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:',
    );
    expect(contentDigest(new TextEncoder().encode('{"hello": "world"}'))).toBe(
      contentDigest('{"hello": "world"}'),
    );
  });
});

describe('signRequest and verifyRequestSignature', () => {
  it('round-trips a GET without a body, covering method, path and authority only', () => {
    const headers = signRequest(get, { keyId, secretKey, created, nonce: 'nonce-1' });
    expect(headers['signature-input']).toBe(
      `parley=("@method" "@path" "@authority");created=${created};keyid="${keyId}";alg="ed25519";nonce="nonce-1"`,
    );
    expect(headers['content-digest']).toBeUndefined();
    expect(headers.signature).toMatch(/^parley=:[A-Za-z0-9+/]{86}==:$/);
    expect(verify({ ...get, headers })).toEqual({
      keyId,
      created,
      nonce: 'nonce-1',
      components: ['@method', '@path', '@authority'],
    });
  });

  it('round-trips a POST with a JSON body, covering the query and content-digest', () => {
    const request = signed(post);
    const headers = request.headers as Record<string, string>;
    expect(headers['content-digest']).toBe(contentDigest(body));
    expect(verify(request).components).toEqual([
      '@method',
      '@path',
      '@query',
      '@authority',
      'content-digest',
    ]);
  });

  it('reads header names case-insensitively, from a record or a Headers object', () => {
    const raw = signRequest(post, { keyId, secretKey, created, nonce: 'nonce-1' });
    const shouting = {
      'Content-Type': 'application/json',
      'Signature-Input': raw['signature-input'],
      SIGNATURE: raw.signature,
      'Content-Digest': raw['content-digest'] ?? '',
    };
    expect(verify({ ...post, headers: shouting }).nonce).toBe('nonce-1');
    expect(verify({ ...post, headers: new Headers(shouting) }).nonce).toBe('nonce-1');
  });

  it('treats an opaque did:parley keyid like any other', () => {
    const machineKeyId = 'did:parley:machine:0b0a6a8e-3c1e-4f7e-9d55-8f7b1d2c9a10#key-1';
    const headers = signRequest(get, { keyId: machineKeyId, secretKey, created, nonce: 'n' });
    const result = verify(
      { ...get, headers },
      { resolveKey: (id) => (id === machineKeyId ? publicKey : undefined) },
    );
    expect(result.keyId).toBe(machineKeyId);
  });

  it.each([
    ['method', { method: 'PUT' }],
    ['path', { url: 'https://gateway.example/v1/embeddings?stream=false' }],
    ['query', { url: 'https://gateway.example/v1/chat/completions?stream=true' }],
    ['authority', { url: 'https://evil.example/v1/chat/completions?stream=false' }],
  ])('rejects a tampered %s as SIGNATURE_INVALID', (_, change) => {
    expect(codeOf(() => verify({ ...signed(post), ...change }))).toBe('SIGNATURE_INVALID');
  });

  it('rejects a tampered body as DIGEST_MISMATCH', () => {
    expect(codeOf(() => verify({ ...signed(post), body: body.replace('hi', 'ho') }))).toBe('DIGEST_MISMATCH');
  });

  it('rejects a Content-Digest that does not match the body as DIGEST_MISMATCH', () => {
    const request = withHeaders(signed(post), { 'content-digest': contentDigest('{}') });
    expect(codeOf(() => verify(request))).toBe('DIGEST_MISMATCH');
  });

  it('rejects a body and digest swapped together as SIGNATURE_INVALID', () => {
    const request = withHeaders({ ...signed(post), body: '{}' }, { 'content-digest': contentDigest('{}') });
    expect(codeOf(() => verify(request))).toBe('SIGNATURE_INVALID');
  });

  it('rejects a body sent without Content-Digest as DIGEST_MISMATCH', () => {
    const { 'content-digest': _, ...headers } = signed(post).headers as Record<string, string>;
    expect(codeOf(() => verify({ ...post, headers }))).toBe('DIGEST_MISMATCH');
  });

  it('rejects flipped signature bytes as SIGNATURE_INVALID', () => {
    const request = signed(get);
    const headers = request.headers as Record<string, string>;
    const bytes = Buffer.from(headers.signature?.slice('parley=:'.length, -1) ?? '', 'base64');
    bytes[10] = (bytes[10] ?? 0) ^ 1;
    const tampered = withHeaders(request, { signature: `parley=:${bytes.toString('base64')}:` });
    expect(codeOf(() => verify(tampered))).toBe('SIGNATURE_INVALID');
  });

  it('rejects a signature checked against another key as SIGNATURE_INVALID', () => {
    expect(codeOf(() => verify(signed(get), { resolveKey: () => otherPublicKey }))).toBe('SIGNATURE_INVALID');
  });

  it('rejects an unknown keyid as SIGNATURE_UNKNOWN_KEY', () => {
    expect(codeOf(() => verify(signed(get), { resolveKey: () => undefined }))).toBe('SIGNATURE_UNKNOWN_KEY');
  });

  it('accepts a signature up to maxAgeSeconds old and rejects an older one', () => {
    expect(codeOf(() => verify(signed(get), { now: created + 300 }))).toBe('NO_ERROR');
    expect(codeOf(() => verify(signed(get), { now: created + 301 }))).toBe('SIGNATURE_EXPIRED');
  });

  it('allows 30 seconds of clock skew by default, and maxSkewSeconds changes it', () => {
    expect(codeOf(() => verify(signed(get), { now: created - 30 }))).toBe('NO_ERROR');
    expect(codeOf(() => verify(signed(get), { now: created - 31 }))).toBe('SIGNATURE_FROM_FUTURE');
    const strict = () =>
      verifyRequestSignature(signed(get), {
        resolveKey: () => publicKey,
        now: created - 1,
        maxAgeSeconds: 300,
        maxSkewSeconds: 0,
      });
    expect(codeOf(strict)).toBe('SIGNATURE_FROM_FUTURE');
  });

  it('honours expires', () => {
    const request = signed(get, { expires: created + 10 });
    expect((request.headers as Record<string, string>)['signature-input']).toMatch(/;expires=1700000010$/);
    expect(codeOf(() => verify(request, { now: created + 9 }))).toBe('NO_ERROR');
    expect(codeOf(() => verify(request, { now: created + 10 }))).toBe('SIGNATURE_EXPIRED');
  });

  it.each([
    ['@path', get, '("@method" "@authority")'],
    ['@authority', get, '("@method" "@path")'],
    ['@method', get, '("@path" "@authority")'],
    ['@query', post, '("@method" "@path" "@authority" "content-digest")'],
    ['content-digest', post, '("@method" "@path" "@query" "@authority")'],
  ])('rejects a signature that leaves out %s as SIGNATURE_INCOMPLETE', (_, parts, list) => {
    const request = signedWithInput(parts, `parley=${list};created=${created};keyid="${keyId}";nonce="n"`);
    expect(codeOf(() => verify(request))).toBe('SIGNATURE_INCOMPLETE');
  });

  it.each(['created', 'keyid', 'nonce'])('rejects a signature without %s as SIGNATURE_INCOMPLETE', (name) => {
    const params = { created: `created=${created}`, keyid: `keyid="${keyId}"`, nonce: 'nonce="n"' };
    const kept = Object.entries(params).filter(([key]) => key !== name);
    const input = `parley=("@method" "@path" "@authority");${kept.map(([, value]) => value).join(';')}`;
    expect(codeOf(() => verify(signedWithInput(get, input)))).toBe('SIGNATURE_INCOMPLETE');
  });

  it('accepts a hand-built signature that covers the required set and omits alg', () => {
    const input = `parley=("@method" "@path" "@authority");created=${created};keyid="${keyId}";nonce="n"`;
    expect(verify(signedWithInput(get, input)).nonce).toBe('n');
  });

  it.each(['alg="rsa-pss-sha512"', 'alg="hmac-sha256"', 'alg=ed25519'])(
    'rejects %s as SIGNATURE_MALFORMED',
    (alg) => {
      const input = `parley=("@method" "@path" "@authority");created=${created};keyid="${keyId}";${alg};nonce="n"`;
      expect(codeOf(() => verify(signedWithInput(get, input)))).toBe('SIGNATURE_MALFORMED');
    },
  );

  it('reports absent headers as SIGNATURE_MISSING and unparsable ones as SIGNATURE_MALFORMED', () => {
    const { signature: _, ...withoutSignature } = signed(get).headers as Record<string, string>;
    expect(codeOf(() => verify(get))).toBe('SIGNATURE_MISSING');
    expect(codeOf(() => verify({ ...get, headers: withoutSignature }))).toBe('SIGNATURE_MISSING');
    expect(codeOf(() => verify(withHeaders(signed(get), { 'signature-input': 'parley=("@method"' })))).toBe(
      'SIGNATURE_MALFORMED',
    );
    expect(codeOf(() => verify(withHeaders(signed(get), { signature: 'parley="not bytes"' })))).toBe(
      'SIGNATURE_MALFORMED',
    );
    expect(codeOf(() => verify(withHeaders(signed(get), { signature: 'other=:AA==:' })))).toBe(
      'SIGNATURE_MALFORMED',
    );
  });

  it('uses the parley label, else the only label present', () => {
    const headers = signed(get).headers as Record<string, string>;
    const relabel = (value: string | undefined, label: string) =>
      (value ?? '').replace(/^parley=/, `${label}=`);
    const lone = withHeaders(get, {
      'signature-input': relabel(headers['signature-input'], 'sig1'),
      signature: relabel(headers.signature, 'sig1'),
    });
    expect(verify(lone).nonce).toBe('nonce-1');

    const alongside = withHeaders(get, {
      'signature-input': `proxy=("@method");created=1, ${headers['signature-input']}`,
      signature: `proxy=:AA==:, ${headers.signature}`,
    });
    expect(verify(alongside).nonce).toBe('nonce-1');

    const twoOthers = withHeaders(get, {
      'signature-input': `proxy=("@method");created=1, ${relabel(headers['signature-input'], 'sig1')}`,
      signature: `proxy=:AA==:, ${relabel(headers.signature, 'sig1')}`,
    });
    expect(codeOf(() => verify(twoOthers))).toBe('SIGNATURE_MISSING');
  });
});

/** RFC 9421 Appendix B.1.4 (test-key-ed25519) and B.2.6 (Signing a Request Using ed25519). */
describe('RFC 9421 Appendix B.2.6 test vector', () => {
  const rfcPublicKey = Buffer.from(
    'MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=',
    'base64',
  ).subarray(12);
  const rfcSeed = Buffer.from(
    'MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF',
    'base64',
  ).subarray(16);
  const rfcSignature =
    'wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==';
  const request: RequestParts = {
    method: 'POST',
    url: 'https://example.com/foo?param=Value&Pet=dog',
    headers: {
      Host: 'example.com',
      Date: 'Tue, 20 Apr 2021 02:07:55 GMT',
      'Content-Type': 'application/json',
      'Content-Digest':
        'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
      'Content-Length': '18',
      'Signature-Input':
        'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
      Signature: `sig-b26=:${rfcSignature}:`,
    },
    body: '{"hello": "world"}',
  };
  const expectedBase = [
    '"date": Tue, 20 Apr 2021 02:07:55 GMT',
    '"@method": POST',
    '"@path": /foo',
    '"@authority": example.com',
    '"content-type": application/json',
    '"content-length": 18',
    '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
  ].join('\n');

  it('reproduces the signature base and verifies the published signature with the published key', () => {
    const parsed = readSignature(request.headers, 'sig-b26');
    expect(parsed.label).toBe('sig-b26');
    const base = signatureBase(request, parsed.components, parsed.params);
    expect(base).toBe(expectedBase);
    expect(Buffer.from(parsed.signature).toString('base64')).toBe(rfcSignature);
    expect(verifySignatureBase(base, parsed.signature, rfcPublicKey)).toBe(true);
    expect(verifySignatureBase(`${base} `, parsed.signature, rfcPublicKey)).toBe(false);
  });

  it('signs the same base to the same bytes with the published private key', () => {
    expect(Buffer.from(ed25519.getPublicKey(rfcSeed)).equals(rfcPublicKey)).toBe(true);
    const signature = ed25519.sign(new TextEncoder().encode(expectedBase), rfcSeed);
    expect(Buffer.from(signature).toString('base64')).toBe(rfcSignature);
  });

  it('builds the same base from a plain parameter record', () => {
    const components = ['date', '@method', '@path', '@authority', 'content-type', 'content-length'];
    const base = signatureBase(request, components, { created: 1618884473, keyid: 'test-key-ed25519' });
    expect(base).toBe(expectedBase);
  });

  it('still fails Parley policy: it covers no content-digest and carries no nonce', () => {
    const run = () =>
      verifyRequestSignature(request, {
        resolveKey: () => rfcPublicKey,
        now: 1618884473,
        maxAgeSeconds: 300,
      });
    expect(codeOf(run)).toBe('SIGNATURE_INCOMPLETE');
  });
});
