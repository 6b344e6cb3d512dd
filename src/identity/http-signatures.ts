import { equalBytes } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  type BareItem,
  type Item,
  isInnerList,
  type Parameters,
  parseDictionary,
  serializeDictionary,
  serializeInnerList,
  serializeString,
} from 'structured-headers';
import { ed25519Signer, verifyEd25519 } from '../shared/index.ts';

/**
 * HTTP Message Signatures (RFC 9421) with Ed25519 and Content-Digest (RFC 9530) for agent requests.
 * Pure functions over method, URL, headers and body; replay protection (the nonce store) is the caller's.
 */

export interface RequestParts {
  method: string;
  url: string;
  headers: Headers | Record<string, string>;
  body?: Uint8Array | string;
}

export const signatureLabel = 'parley';

export type SignatureErrorCode =
  | 'SIGNATURE_MISSING'
  | 'SIGNATURE_MALFORMED'
  | 'SIGNATURE_UNKNOWN_KEY'
  | 'SIGNATURE_INVALID'
  | 'SIGNATURE_EXPIRED'
  | 'SIGNATURE_FROM_FUTURE'
  | 'SIGNATURE_INCOMPLETE'
  | 'DIGEST_MISMATCH';

export class SignatureError extends Error {
  constructor(
    readonly code: SignatureErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SignatureError';
  }
}

function fail(code: SignatureErrorCode, message: string): never {
  throw new SignatureError(code, message);
}

/** Signature parameters in the order they are serialised, e.g. `{ created, keyid, alg, nonce }`. */
export type SignatureParameters = ReadonlyMap<string, BareItem> | Readonly<Record<string, string | number>>;

/** What `Signature-Input` and `Signature` say about one labelled signature. */
export interface ParsedSignature {
  label: string;
  components: string[];
  params: Parameters;
  signature: Uint8Array;
}

export interface VerifiedSignature {
  keyId: string;
  created: number;
  nonce: string;
  components: string[];
}

const encoder = new TextEncoder();

function toBytes(body: Uint8Array | string | undefined): Uint8Array {
  if (body === undefined) return new Uint8Array(0);
  return typeof body === 'string' ? encoder.encode(body) : body;
}

function toHeaders(headers: Headers | Record<string, string>): Headers {
  if (headers instanceof Headers) return headers;
  try {
    return new Headers(headers);
  } catch (error) {
    fail('SIGNATURE_MALFORMED', `Request headers are invalid: ${(error as Error).message}`);
  }
}

function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    fail('SIGNATURE_MALFORMED', `Request URL ${JSON.stringify(url)} is not absolute.`);
  }
}

/** `sha-256=:<base64>:`, the Content-Digest (RFC 9530) of the body as sent. */
export function contentDigest(body: Uint8Array | string): string {
  return serializeDictionary(new Map([['sha-256', [sha256(toBytes(body)), new Map()] satisfies Item]]));
}

/** RFC 9421 §2.2 derived components; WHATWG URL already lowercases the host and drops default ports. */
const derivedComponents = new Map<string, (method: string, url: URL) => string>([
  ['@method', (method) => method],
  ['@target-uri', (_, url) => url.href],
  ['@authority', (_, url) => url.host],
  ['@scheme', (_, url) => url.protocol.slice(0, -1)],
  ['@request-target', (_, url) => `${url.pathname}${url.search}`],
  ['@path', (_, url) => url.pathname || '/'],
  ['@query', (_, url) => url.search || '?'],
]);

function componentValue(name: string, method: string, url: URL, headers: Headers): string {
  const derived = derivedComponents.get(name);
  if (derived !== undefined) return derived(method, url);
  if (name.startsWith('@')) fail('SIGNATURE_MALFORMED', `Derived component ${name} is not supported.`);
  const value = headers.get(name);
  if (value === null) fail('SIGNATURE_INVALID', `The signature covers ${name}, which the request lacks.`);
  return value;
}

function toParameters(params: SignatureParameters): Parameters {
  return params instanceof Map ? new Map(params) : new Map(Object.entries(params));
}

/**
 * RFC 9421 §2.5: the signature base for the covered components (lowercase names, no component
 * parameters) and the signature parameters, exactly as signed and verified.
 */
export function signatureBase(
  parts: RequestParts,
  components: readonly string[],
  params: SignatureParameters,
): string {
  const url = parseUrl(parts.url);
  const headers = toHeaders(parts.headers);
  const lines: string[] = [];
  for (const name of components) {
    if (name !== name.toLowerCase()) fail('SIGNATURE_MALFORMED', `Component ${name} must be lowercase.`);
    const value = componentValue(name, parts.method, url, headers);
    if (/[\r\n]/.test(value)) fail('SIGNATURE_MALFORMED', `Component ${name} spans lines.`);
    lines.push(`${serializeString(name)}: ${value}`);
  }
  const items = components.map((name): Item => [name, new Map()]);
  lines.push(`"@signature-params": ${serializeInnerList([items, toParameters(params)])}`);
  return lines.join('\n');
}

/** Ed25519 over a signature base; strict RFC 8032 encodings, and malformed keys verify as false. */
export function verifySignatureBase(base: string, signature: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return verifyEd25519(signature, encoder.encode(base), publicKey);
  } catch {
    return false;
  }
}

export function signRequest(
  parts: RequestParts,
  opts: { keyId: string; secretKey: Uint8Array; created: number; nonce: string; expires?: number },
): { 'signature-input': string; signature: string; 'content-digest'?: string } {
  if (
    !Number.isSafeInteger(opts.created) ||
    (opts.expires !== undefined && !Number.isSafeInteger(opts.expires))
  ) {
    fail('SIGNATURE_MALFORMED', 'created and expires are whole unix seconds.');
  }
  const url = parseUrl(parts.url);
  const headers = new Headers(toHeaders(parts.headers));
  const components = ['@method', '@path', ...(url.search ? ['@query'] : []), '@authority'];
  const body = toBytes(parts.body);
  const digest = body.length > 0 ? contentDigest(body) : undefined;
  if (digest !== undefined) {
    headers.set('content-digest', digest);
    components.push('content-digest');
  }
  const params: Parameters = new Map<string, BareItem>([
    ['created', opts.created],
    ['keyid', opts.keyId],
    ['alg', 'ed25519'],
    ['nonce', opts.nonce],
  ]);
  if (opts.expires !== undefined) params.set('expires', opts.expires);

  const base = signatureBase({ ...parts, headers }, components, params);
  const signature = ed25519Signer(opts.secretKey)(encoder.encode(base));
  const items = components.map((name): Item => [name, new Map()]);
  return {
    'signature-input': serializeDictionary(new Map([[signatureLabel, [items, params]]])),
    signature: serializeDictionary(new Map([[signatureLabel, [signature, new Map()] satisfies Item]])),
    ...(digest === undefined ? {} : { 'content-digest': digest }),
  };
}

function parseField(name: string, value: string) {
  try {
    return parseDictionary(value);
  } catch (error) {
    fail('SIGNATURE_MALFORMED', `${name} is not a structured dictionary: ${(error as Error).message}`);
  }
}

/** Reads one labelled signature (default `parley`, else the only one present) without judging it. */
export function readSignature(
  headers: Headers | Record<string, string>,
  label = signatureLabel,
): ParsedSignature {
  const all = toHeaders(headers);
  const inputField = all.get('signature-input');
  const signatureField = all.get('signature');
  if (inputField === null || signatureField === null) {
    fail('SIGNATURE_MISSING', 'The request needs both Signature-Input and Signature.');
  }
  const inputs = parseField('Signature-Input', inputField);
  const signatures = parseField('Signature', signatureField);
  const chosen = inputs.has(label) ? label : inputs.size === 1 ? [...inputs.keys()][0] : undefined;
  if (chosen === undefined) fail('SIGNATURE_MISSING', `No signature labelled ${label}.`);

  const input = inputs.get(chosen);
  const signature = signatures.get(chosen);
  if (input === undefined || !isInnerList(input)) {
    fail('SIGNATURE_MALFORMED', `Signature-Input ${chosen} is not an inner list.`);
  }
  if (signature === undefined || isInnerList(signature) || !(signature[0] instanceof ArrayBuffer)) {
    fail('SIGNATURE_MALFORMED', `Signature ${chosen} is not a byte sequence.`);
  }
  const components = input[0].map(([name, componentParams]) => {
    if (typeof name !== 'string' || componentParams.size > 0) {
      fail('SIGNATURE_MALFORMED', 'Covered components must be plain quoted names.');
    }
    return name;
  });
  if (new Set(components).size !== components.length) {
    fail('SIGNATURE_MALFORMED', 'A component is covered twice.');
  }
  return { label: chosen, components, params: input[1], signature: new Uint8Array(signature[0]) };
}

function integerParam(params: Parameters, name: string): number | undefined {
  const value = params.get(name);
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    fail('SIGNATURE_MALFORMED', `Parameter ${name} must be an integer.`);
  }
  return value;
}

function stringParam(params: Parameters, name: string): string | undefined {
  const value = params.get(name);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') fail('SIGNATURE_MALFORMED', `Parameter ${name} must be a string.`);
  return value;
}

function checkDigest(headers: Headers, body: Uint8Array): void {
  const field = headers.get('content-digest');
  if (field === null) {
    if (body.length > 0) fail('DIGEST_MISMATCH', 'A request with a body needs Content-Digest.');
    return;
  }
  let claimed: BareItem | undefined;
  try {
    const entry = parseDictionary(field).get('sha-256');
    claimed = entry === undefined || isInnerList(entry) ? undefined : entry[0];
  } catch {
    claimed = undefined;
  }
  if (!(claimed instanceof ArrayBuffer)) {
    fail('DIGEST_MISMATCH', 'Content-Digest has no sha-256 byte sequence.');
  }
  if (!equalBytes(new Uint8Array(claimed), sha256(body))) {
    fail('DIGEST_MISMATCH', 'Content-Digest does not match the body.');
  }
}

/**
 * Verifies the `parley` signature of a request under Parley's policy: what must be covered, freshness,
 * the key, the body digest, then Ed25519. Returns the nonce for the caller's replay store.
 */
export function verifyRequestSignature(
  parts: RequestParts,
  opts: {
    resolveKey: (keyId: string) => Uint8Array | undefined;
    now: number;
    maxAgeSeconds: number;
    maxSkewSeconds?: number;
  },
): VerifiedSignature {
  const headers = toHeaders(parts.headers);
  const { components, params, signature } = readSignature(headers);
  const url = parseUrl(parts.url);
  const body = toBytes(parts.body);

  const created = integerParam(params, 'created');
  const expires = integerParam(params, 'expires');
  const keyId = stringParam(params, 'keyid');
  const nonce = stringParam(params, 'nonce');
  const alg = stringParam(params, 'alg');
  if (alg !== undefined && alg !== 'ed25519') {
    fail('SIGNATURE_MALFORMED', `Algorithm ${alg} is not accepted; use ed25519.`);
  }
  const required = ['@method', '@path', '@authority'];
  if (url.search) required.push('@query');
  if (body.length > 0) required.push('content-digest');
  const uncovered = required.filter((name) => !components.includes(name));
  if (uncovered.length > 0) fail('SIGNATURE_INCOMPLETE', `The signature must cover ${uncovered.join(', ')}.`);
  if (created === undefined || keyId === undefined || nonce === undefined) {
    fail('SIGNATURE_INCOMPLETE', 'The signature needs created, keyid and nonce parameters.');
  }

  if (created > opts.now + (opts.maxSkewSeconds ?? 30)) {
    fail('SIGNATURE_FROM_FUTURE', `The signature was created at ${created}, after ${opts.now}.`);
  }
  if (opts.now - created > opts.maxAgeSeconds || (expires !== undefined && opts.now >= expires)) {
    fail('SIGNATURE_EXPIRED', 'The signature is too old or past its expires time.');
  }
  const publicKey = opts.resolveKey(keyId);
  if (publicKey === undefined) fail('SIGNATURE_UNKNOWN_KEY', `No key for keyid ${keyId}.`);

  checkDigest(headers, body);
  const base = signatureBase({ ...parts, headers }, components, params);
  if (!verifySignatureBase(base, signature, publicKey)) {
    fail('SIGNATURE_INVALID', 'The signature does not verify with the key of this keyid.');
  }
  return { keyId, created, nonce, components };
}
