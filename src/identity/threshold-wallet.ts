import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { FrostPublic, FrostSecret } from '@noble/curves/abstract/frost.js';
import { ed25519, ed25519_FROST } from '@noble/curves/ed25519.js';
import { bytesToHex, concatBytes, equalBytes, hexToBytes } from '@noble/curves/utils.js';
import { z } from 'zod';
import type { Rng } from '../shared/index.ts';
import { identityError } from './errors.ts';

/**
 * 2-of-3 threshold Ed25519 wallets: FROST(Ed25519, SHA-512) from RFC 9591 with a trusted dealer.
 * Any two shares sign together, and the result is a plain Ed25519 signature under the group key.
 */

export const shareHolders = ['agent', 'gateway', 'recovery'] as const;
export type ShareHolder = (typeof shareHolders)[number];

/** One holder's FROST signing share; `identifier` is its FROST identifier (a scalar, in hex). */
export interface WalletShare {
  holder: ShareHolder;
  identifier: string;
  secret: Uint8Array;
}

/** What is safe to publish and store in the clear; signing needs it besides two shares. */
export interface WalletPublic {
  /** The group verifying key: a plain 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
  /** FROST commitments to the dealer's polynomial and each share's verifying key. */
  publicPackage: FrostPublic;
}

export interface ThresholdWallet extends WalletPublic {
  shares: Record<ShareHolder, WalletShare>;
}

const frost = ed25519_FROST;
const Point = ed25519.Point;
const signers = { min: 2, max: 3 } as const;
const shareBytesLength = 64; // identifier (32) then signing share (32)
const nonceLength = 12;
const tagLength = 16;
const sharePrefix = 'parley-share-v1.';
const sealedSharePrefix = 'parley-sealed-share-v1.';
const sealDomain = new TextEncoder().encode('parley/wallet-share/v1');

/** Identifiers come from the holder names, so a share's role can be checked from its identifier alone. */
export function holderIdentifier(holder: ShareHolder): string {
  return frost.Identifier.derive(holder);
}

/** noble asks for randomness as a function of a byte count; this routes it to the injected Rng. */
function frostRandom(rng: Rng): (length?: number) => Uint8Array<ArrayBuffer> {
  return (length = 32) => new Uint8Array(rng.bytes(length));
}

/** Deals a fresh key into three shares, one per holder; the dealer's secret is never returned. */
export function createThresholdWallet(rng: Rng): ThresholdWallet {
  const identifiers = shareHolders.map(holderIdentifier);
  const deal = frost.trustedDealer(signers, identifiers, undefined, frostRandom(rng));
  const shareOf = (holder: ShareHolder): WalletShare => {
    const identifier = holderIdentifier(holder);
    const dealt = deal.secretShares[identifier];
    if (!dealt) throw new Error(`the dealer returned no share for ${holder}`);
    return { holder, identifier, secret: dealt.signingShare };
  };
  const [groupKey] = deal.public.commitments;
  if (!groupKey) throw new Error('the dealer returned no group key');
  return {
    publicKey: groupKey.slice(),
    publicPackage: deal.public,
    shares: { agent: shareOf('agent'), gateway: shareOf('gateway'), recovery: shareOf('recovery') },
  };
}

/**
 * Runs both FROST rounds locally with two shares and returns a 64-byte Ed25519 signature.
 * Nonces come from `rng` and are used once; aggregation checks each signature share before summing.
 */
export function signWithShares(
  wallet: WalletPublic,
  message: Uint8Array,
  shares: readonly [WalletShare, WalletShare],
  rng: Rng,
): Uint8Array {
  const secrets = signingSecrets(wallet, shares);
  const random = frostRandom(rng);
  const rounds = secrets.map((secret) => ({ secret, ...frost.commit(secret, random) }));
  const commitments = rounds.map((round) => round.commitments);
  const signatureShares: Record<string, Uint8Array> = {};
  for (const { secret, nonces } of rounds) {
    signatureShares[secret.identifier] = frost.signShare(
      secret,
      wallet.publicPackage,
      nonces,
      commitments,
      message,
    );
  }
  return frost.aggregate(wallet.publicPackage, commitments, message, signatureShares);
}

function signingSecrets(wallet: WalletPublic, shares: readonly WalletShare[]): FrostSecret[] {
  if (shares.length !== signers.min) {
    throw identityError(
      'WALLET_SHARES_INVALID',
      { given: shares.length },
      'Signing needs exactly two shares.',
    );
  }
  const holders = new Set(shares.map((share) => share.holder));
  const identifiers = new Set(shares.map((share) => share.identifier));
  if (holders.size !== shares.length || identifiers.size !== shares.length) {
    throw identityError(
      'WALLET_SHARES_INVALID',
      { holders: shares.map((share) => share.holder) },
      'Signing needs two different shares; the same share was given twice.',
    );
  }
  return shares.map((share) => {
    const secret = { identifier: share.identifier, signingShare: new Uint8Array(share.secret) };
    try {
      if (share.identifier !== holderIdentifier(share.holder))
        throw new Error('identifier does not match holder');
      frost.validateSecret(secret, wallet.publicPackage);
    } catch {
      throw identityError(
        'WALLET_SHARES_INVALID',
        { holder: share.holder },
        `The ${share.holder} share does not belong to this wallet.`,
      );
    }
    return secret;
  });
}

/** Compact text form of one share, to hand to its holder: a version prefix and base64url bytes. */
export function encodeShare(share: WalletShare): string {
  return sharePrefix + toBase64Url(shareToBytes(share));
}

export function decodeShare(text: string): WalletShare {
  const bytes = fromBase64Url(text, sharePrefix);
  if (!bytes) throw shareUnreadable('This is not a Parley wallet share.');
  return shareFromBytes(bytes);
}

/** Encrypts a share at rest with AES-256-GCM under a 32-byte key; the nonce comes from `rng`. */
export function sealShare(share: WalletShare, key: Uint8Array, rng: Rng): string {
  requireKey(key);
  const nonce = rng.bytes(nonceLength);
  if (nonce.length !== nonceLength) throw new Error('the Rng returned a short nonce');
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: tagLength });
  cipher.setAAD(sealDomain);
  const plaintext = shareToBytes(share);
  const ciphertext = concatBytes(cipher.update(plaintext), cipher.final());
  plaintext.fill(0);
  return sealedSharePrefix + toBase64Url(concatBytes(nonce, ciphertext, cipher.getAuthTag()));
}

/** Decrypts a sealed share; a wrong key or any change to the sealed text throws. */
export function openShare(sealed: string, key: Uint8Array): WalletShare {
  requireKey(key);
  const bytes = fromBase64Url(sealed, sealedSharePrefix);
  if (!bytes || bytes.length !== nonceLength + shareBytesLength + tagLength) {
    throw shareUnreadable('This is not a sealed Parley wallet share.');
  }
  const ciphertextEnd = nonceLength + shareBytesLength;
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, nonceLength), {
    authTagLength: tagLength,
  });
  decipher.setAAD(sealDomain);
  decipher.setAuthTag(bytes.subarray(ciphertextEnd));
  let plaintext: Uint8Array;
  try {
    plaintext = concatBytes(decipher.update(bytes.subarray(nonceLength, ciphertextEnd)), decipher.final());
  } catch {
    throw shareUnreadable('The sealed share does not open with this key, or it was altered.');
  }
  const share = shareFromBytes(plaintext);
  plaintext.fill(0);
  return share;
}

function requireKey(key: Uint8Array): void {
  if (key.length !== 32) throw new Error(`a share sealing key must be 32 bytes, got ${key.length}`);
}

function shareToBytes(share: WalletShare): Uint8Array {
  return concatBytes(hexToBytes(share.identifier), share.secret);
}

function shareFromBytes(bytes: Uint8Array): WalletShare {
  if (bytes.length !== shareBytesLength) throw shareUnreadable('A wallet share is 64 bytes long.');
  const identifier = bytesToHex(bytes.subarray(0, 32));
  const holder = shareHolders.find((candidate) => holderIdentifier(candidate) === identifier);
  if (!holder) throw shareUnreadable('The share names no agent, gateway or recovery holder.');
  const secret = bytes.slice(32);
  try {
    if (frost.utils.Fn.is0(frost.utils.Fn.fromBytes(secret))) throw new Error('zero share');
  } catch {
    throw shareUnreadable('The share is not a valid Ed25519 scalar.');
  }
  return { holder, identifier, secret };
}

function shareUnreadable(message: string) {
  return identityError('WALLET_SHARES_INVALID', {}, message);
}

function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/** Strict base64url after `prefix`: Buffer's decoder skips junk, so the text must re-encode to itself. */
function fromBase64Url(text: string, prefix: string): Uint8Array | undefined {
  if (!text.startsWith(prefix)) return undefined;
  const body = text.slice(prefix.length);
  const bytes = Buffer.from(body, 'base64url');
  return bytes.toString('base64url') === body ? new Uint8Array(bytes) : undefined;
}

const hexPoint = z.string().regex(/^[0-9a-f]{64}$/, '32 bytes in lowercase hex');

/** The stored form of a wallet's public part; verifying shares are keyed by holder for readability. */
export const walletPublicSchema = z.object({
  version: z.literal(1),
  publicKey: hexPoint,
  signers: z.object({ min: z.literal(signers.min), max: z.literal(signers.max) }),
  commitments: z.tuple([hexPoint, hexPoint]),
  verifyingShares: z.object({ agent: hexPoint, gateway: hexPoint, recovery: hexPoint }),
});
export type WalletPublicJson = z.infer<typeof walletPublicSchema>;

export function serializeWalletPublic(wallet: WalletPublic): string {
  const { commitments, verifyingShares } = wallet.publicPackage;
  const verifyingShareOf = (holder: ShareHolder) => {
    const share = verifyingShares[holderIdentifier(holder)];
    if (!share) throw new Error(`the wallet has no verifying share for ${holder}`);
    return bytesToHex(share);
  };
  const [groupKey, slope] = commitments;
  if (!groupKey || !slope || commitments.length !== 2) throw new Error('a 2-of-3 wallet has two commitments');
  const json: WalletPublicJson = {
    version: 1,
    publicKey: bytesToHex(wallet.publicKey),
    signers: { min: signers.min, max: signers.max },
    commitments: [bytesToHex(groupKey), bytesToHex(slope)],
    verifyingShares: {
      agent: verifyingShareOf('agent'),
      gateway: verifyingShareOf('gateway'),
      recovery: verifyingShareOf('recovery'),
    },
  };
  return JSON.stringify(json);
}

/**
 * Restores a stored public part. Besides the shape, it checks that every point is a prime-order
 * Ed25519 point and that each verifying share lies on the committed polynomial, so a corrupted row
 * fails here rather than at signing time.
 */
export function parseWalletPublic(text: string): WalletPublic {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('Stored wallet public data is not JSON.');
  }
  const parsed = walletPublicSchema.safeParse(json);
  if (!parsed.success)
    throw new Error(`Stored wallet public data is invalid: ${z.prettifyError(parsed.error)}`);
  const data = parsed.data;
  if (data.publicKey !== data.commitments[0])
    throw new Error('Stored wallet public key is not its group key.');
  const constant = primeOrderPoint(data.commitments[0]);
  const slope = primeOrderPoint(data.commitments[1]);
  const verifyingShares: Record<string, Uint8Array<ArrayBuffer>> = {};
  for (const holder of shareHolders) {
    const identifier = holderIdentifier(holder);
    const expected = constant.add(slope.multiply(frost.utils.Fn.fromBytes(hexToBytes(identifier))));
    const stored = hexToBytes(data.verifyingShares[holder]);
    if (!equalBytes(expected.toBytes(), stored)) {
      throw new Error(`Stored wallet verifying share for ${holder} does not match the wallet's commitments.`);
    }
    verifyingShares[identifier] = stored;
  }
  return {
    publicKey: hexToBytes(data.publicKey),
    publicPackage: {
      signers: { min: signers.min, max: signers.max },
      commitments: data.commitments.map((commitment) => hexToBytes(commitment)),
      verifyingShares,
    },
  };
}

function primeOrderPoint(hex: string) {
  const point = Point.fromHex(hex);
  if (point.is0() || !point.isTorsionFree()) throw new Error('Stored wallet point is not of prime order.');
  return point;
}
