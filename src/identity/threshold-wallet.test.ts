import type { FrostSecret, NonceCommitments, Nonces } from '@noble/curves/abstract/frost.js';
import { ed25519, ed25519_FROST } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes, numberToBytesLE } from '@noble/curves/utils.js';
import { describe, expect, it } from 'vitest';
import { AppError, seededRng } from '../shared/index.ts';
import {
  createThresholdWallet,
  decodeShare,
  encodeShare,
  holderIdentifier,
  openShare,
  parseWalletPublic,
  type ShareHolder,
  sealShare,
  serializeWalletPublic,
  signWithShares,
  type WalletShare,
} from './threshold-wallet.ts';

/** RFC 9591 Appendix E.1, FROST(Ed25519, SHA-512): a 2-of-3 dealer key, participants 1 and 3 sign. */
const rfc = {
  groupSecretKey: '7b1c33d3f5291d85de664833beb1ad469f7fb6025a0ec78b3a790c6e13a98304',
  groupPublicKey: '15d21ccd7ee42959562fc8aa63224c8851fb3ec85a3faf66040d380fb9738673',
  message: '74657374',
  sharePolynomialCoefficient: '178199860edd8c62f5212ee91eff1295d0d670ab4ed4506866bae57e7030b204',
  participantShares: {
    1: '929dcc590407aae7d388761cddb0c0db6f5627aea8e217f4a033f2ec83d93509',
    2: 'a91e66e012e4364ac9aaa405fcafd370402d9859f7b6685c07eed76bf409e80d',
    3: 'd3cb090a075eb154e82fdb4b3cb507f110040905468bb9c46da8bdea643a9a02',
  },
  signers: [
    {
      identifier: 1,
      hidingNonceRandomness: '0fd2e39e111cdc266f6c0f4d0fd45c947761f1f5d3cb583dfcb9bbaf8d4c9fec',
      bindingNonceRandomness: '69cd85f631d5f7f2721ed5e40519b1366f340a87c2f6856363dbdcda348a7501',
      hidingNonce: '812d6104142944d5a55924de6d49940956206909f2acaeedecda2b726e630407',
      bindingNonce: 'b1110165fc2334149750b28dd813a39244f315cff14d4e89e6142f262ed83301',
      hidingNonceCommitment: 'b5aa8ab305882a6fc69cbee9327e5a45e54c08af61ae77cb8207be3d2ce13de3',
      bindingNonceCommitment: '67e98ab55aa310c3120418e5050c9cf76cf387cb20ac9e4b6fdb6f82a469f932',
      signatureShare: '001719ab5a53ee1a12095cd088fd149702c0720ce5fd2f29dbecf24b7281b603',
    },
    {
      identifier: 3,
      hidingNonceRandomness: '86d64a260059e495d0fb4fcc17ea3da7452391baa494d4b00321098ed2a0062f',
      bindingNonceRandomness: '13e6b25afb2eba51716a9a7d44130c0dbae0004a9ef8d7b5550c8a0e07c61775',
      hidingNonce: 'c256de65476204095ebdc01bd11dc10e57b36bc96284595b8215222374f99c0e',
      bindingNonce: '243d71944d929063bc51205714ae3c2218bd3451d0214dfb5aeec2a90c35180d',
      hidingNonceCommitment: 'cfbdb165bd8aad6eb79deb8d287bcc0ab6658ae57fdcc98ed12c0669e90aec91',
      bindingNonceCommitment: '7487bc41a6e712eea2f2af24681b58b1cf1da278ea11fe4e8b78398965f13552',
      signatureShare: 'bd86125de990acc5e1f13781d8e32c03a9bbd4c53539bbc106058bfd14326007',
    },
  ],
  signature:
    '36282629c383bb820a88b71cae937d41f2f2adfcc3d02e55507e2fb9e2dd3cbe' +
    'bd9d2b0844e49ae0f3fa935161e1419aab7b47d21a37ebeae1f17d4987b3160b',
} as const;

/** Hands out fixed byte strings in order, as the RFC's vectors fix every random input. */
function scriptedRandom(outputs: Uint8Array[]) {
  return (length = 32) => {
    const next = outputs.shift();
    if (!next || next.length !== length) throw new Error(`unexpected request for ${length} random bytes`);
    return new Uint8Array(next);
  };
}

/**
 * noble draws a dealer coefficient as 48 random bytes reduced to (x mod (n - 1)) + 1, so the
 * little-endian bytes of (c - 1) make it draw exactly c.
 */
function randomnessForScalar(scalarHex: string): Uint8Array {
  return numberToBytesLE(ed25519_FROST.utils.Fn.fromBytes(hexToBytes(scalarHex)) - 1n, 48);
}

function rfcDeal() {
  const identifiers = [1, 2, 3].map((n) => ed25519_FROST.Identifier.fromNumber(n));
  const deal = ed25519_FROST.trustedDealer(
    { min: 2, max: 3 },
    identifiers,
    hexToBytes(rfc.groupSecretKey),
    scriptedRandom([randomnessForScalar(rfc.sharePolynomialCoefficient)]),
  );
  const shareOf = (n: number): FrostSecret => {
    const share = deal.secretShares[ed25519_FROST.Identifier.fromNumber(n)];
    if (!share) throw new Error(`no share ${n}`);
    return share;
  };
  return { deal, shareOf };
}

describe('FROST(Ed25519, SHA-512) against RFC 9591 Appendix E.1', () => {
  const message = hexToBytes(rfc.message);

  it('the published signature is a plain Ed25519 signature under the published group key', () => {
    const publicKey = hexToBytes(rfc.groupPublicKey);
    expect(ed25519.verify(hexToBytes(rfc.signature), message, publicKey)).toBe(true);
    expect(ed25519.verify(hexToBytes(rfc.signature), message, publicKey, { zip215: false })).toBe(true);
    expect(ed25519.verify(hexToBytes(rfc.signature), hexToBytes('74657375'), publicKey)).toBe(false);
  });

  it('the dealer reproduces the published group key and participant shares', () => {
    const { deal, shareOf } = rfcDeal();
    expect(bytesToHex(deal.public.commitments[0] ?? new Uint8Array())).toBe(rfc.groupPublicKey);
    for (const n of [1, 2, 3] as const) {
      expect(bytesToHex(shareOf(n).signingShare)).toBe(rfc.participantShares[n]);
      ed25519_FROST.validateSecret(shareOf(n), deal.public);
    }
    const recovered = ed25519_FROST.combineSecret([shareOf(1), shareOf(3)], { min: 2, max: 3 });
    expect(bytesToHex(recovered)).toBe(rfc.groupSecretKey);
  });

  it('both rounds reproduce the published nonces, commitments, signature shares and signature', () => {
    const { deal, shareOf } = rfcDeal();
    const nonces = new Map<string, Nonces>();
    const commitments: NonceCommitments[] = [];
    for (const signer of rfc.signers) {
      const round = ed25519_FROST.commit(
        shareOf(signer.identifier),
        scriptedRandom([hexToBytes(signer.hidingNonceRandomness), hexToBytes(signer.bindingNonceRandomness)]),
      );
      expect(bytesToHex(round.nonces.hiding)).toBe(signer.hidingNonce);
      expect(bytesToHex(round.nonces.binding)).toBe(signer.bindingNonce);
      expect(bytesToHex(round.commitments.hiding)).toBe(signer.hidingNonceCommitment);
      expect(bytesToHex(round.commitments.binding)).toBe(signer.bindingNonceCommitment);
      nonces.set(round.commitments.identifier, round.nonces);
      commitments.push(round.commitments);
    }
    const signatureShares: Record<string, Uint8Array> = {};
    for (const signer of rfc.signers) {
      const share = shareOf(signer.identifier);
      const own = nonces.get(share.identifier);
      if (!own) throw new Error('no nonces');
      const signatureShare = ed25519_FROST.signShare(share, deal.public, own, commitments, message);
      expect(bytesToHex(signatureShare)).toBe(signer.signatureShare);
      signatureShares[share.identifier] = signatureShare;
    }
    const signature = ed25519_FROST.aggregate(deal.public, commitments, message, signatureShares);
    expect(bytesToHex(signature)).toBe(rfc.signature);
  });
});

const pairs: [ShareHolder, ShareHolder][] = [
  ['agent', 'gateway'],
  ['agent', 'recovery'],
  ['gateway', 'recovery'],
];

function errorCodeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return error instanceof AppError ? error.code : `not an AppError: ${String(error)}`;
  }
  return 'did not throw';
}

describe('threshold wallet', () => {
  const wallet = createThresholdWallet(seededRng('wallet'));
  const other = createThresholdWallet(seededRng('another wallet'));
  const message = new TextEncoder().encode('parley/test/v1 pay 5 tokens');

  it('deals one share per holder, with identifiers derived from the holder names', () => {
    expect(wallet.publicKey).toHaveLength(32);
    expect(wallet.publicKey).toEqual(wallet.publicPackage.commitments[0]);
    for (const holder of ['agent', 'gateway', 'recovery'] as const) {
      expect(wallet.shares[holder].holder).toBe(holder);
      expect(wallet.shares[holder].identifier).toBe(holderIdentifier(holder));
      expect(wallet.shares[holder].secret).toHaveLength(32);
    }
    expect(createThresholdWallet(seededRng('wallet')).publicKey).toEqual(wallet.publicKey);
    expect(other.publicKey).not.toEqual(wallet.publicKey);
  });

  it.each(pairs)('%s and %s together sign a plain Ed25519 signature', (first, second) => {
    const shares = [wallet.shares[first], wallet.shares[second]] as const;
    const signature = signWithShares(wallet, message, shares, seededRng(`sign ${first} ${second}`));
    expect(signature).toHaveLength(64);
    expect(ed25519.verify(signature, message, wallet.publicKey)).toBe(true);
    expect(ed25519.verify(signature, message, wallet.publicKey, { zip215: false })).toBe(true);
    expect(ed25519.verify(signature, new TextEncoder().encode('something else'), wallet.publicKey)).toBe(
      false,
    );
  });

  it('takes its nonces from the injected rng, in either share order', () => {
    const { agent, gateway } = wallet.shares;
    const once = signWithShares(wallet, message, [agent, gateway], seededRng('nonces'));
    const again = signWithShares(wallet, message, [agent, gateway], seededRng('nonces'));
    const fresh = signWithShares(wallet, message, [agent, gateway], seededRng('other nonces'));
    const swapped = signWithShares(wallet, message, [gateway, agent], seededRng('nonces'));
    expect(again).toEqual(once);
    expect(fresh).not.toEqual(once);
    expect(ed25519.verify(fresh, message, wallet.publicKey)).toBe(true);
    expect(ed25519.verify(swapped, message, wallet.publicKey)).toBe(true);
  });

  it('refuses to sign with one share, or with one share given twice', () => {
    const rng = seededRng('refusals');
    const { agent } = wallet.shares;
    // @ts-expect-error the signature type already asks for two shares
    expect(errorCodeOf(() => signWithShares(wallet, message, [agent], rng))).toBe('WALLET_SHARES_INVALID');
    expect(errorCodeOf(() => signWithShares(wallet, message, [agent, agent], rng))).toBe(
      'WALLET_SHARES_INVALID',
    );
    const copy: WalletShare = { ...agent, secret: new Uint8Array(agent.secret) };
    expect(errorCodeOf(() => signWithShares(wallet, message, [agent, copy], rng))).toBe(
      'WALLET_SHARES_INVALID',
    );
  });

  it('refuses shares that are not this wallet’s, relabelled or altered', () => {
    const rng = seededRng('foreign shares');
    const { agent, gateway } = wallet.shares;
    expect(errorCodeOf(() => signWithShares(wallet, message, [agent, other.shares.gateway], rng))).toBe(
      'WALLET_SHARES_INVALID',
    );
    const relabelled: WalletShare = { ...gateway, holder: 'recovery' };
    expect(errorCodeOf(() => signWithShares(wallet, message, [agent, relabelled], rng))).toBe(
      'WALLET_SHARES_INVALID',
    );
    const altered: WalletShare = { ...gateway, secret: new Uint8Array(gateway.secret) };
    altered.secret[0] = (altered.secret[0] ?? 0) ^ 1;
    expect(errorCodeOf(() => signWithShares(wallet, message, [agent, altered], rng))).toBe(
      'WALLET_SHARES_INVALID',
    );
  });

  it("another wallet's two shares sign only for that wallet's key", () => {
    const shares = [other.shares.agent, other.shares.recovery] as const;
    const signature = signWithShares(other, message, shares, seededRng('other signs'));
    expect(ed25519.verify(signature, message, other.publicKey)).toBe(true);
    expect(ed25519.verify(signature, message, wallet.publicKey)).toBe(false);
  });
});

describe('share encoding and sealing', () => {
  const wallet = createThresholdWallet(seededRng('sealed wallet'));
  const { agent, recovery } = wallet.shares;
  const key = seededRng('sealing key').bytes(32);

  it('encodes a share as compact text and decodes it back', () => {
    const text = encodeShare(agent);
    expect(text).toMatch(/^parley-share-v1\.[A-Za-z0-9_-]{86}$/);
    expect(decodeShare(text)).toEqual(agent);
  });

  it('rejects text that is not a share', () => {
    const text = encodeShare(agent);
    for (const bad of [
      '',
      'hello',
      text.slice(0, -2),
      `${text}A`,
      text.replace('parley-share-v1.', 'v2.'),
      `${text}!`,
    ]) {
      expect(errorCodeOf(() => decodeShare(bad))).toBe('WALLET_SHARES_INVALID');
    }
  });

  it('seals and opens a share; a decoded share still signs', () => {
    const sealed = sealShare(recovery, key, seededRng('seal'));
    expect(sealed.startsWith('parley-sealed-share-v1.')).toBe(true);
    expect(sealed).not.toContain(encodeShare(recovery).slice('parley-share-v1.'.length));
    const opened = openShare(sealed, key);
    expect(opened).toEqual(recovery);
    const signature = signWithShares(
      wallet,
      new Uint8Array([1, 2, 3]),
      [agent, opened],
      seededRng('after open'),
    );
    expect(ed25519.verify(signature, new Uint8Array([1, 2, 3]), wallet.publicKey)).toBe(true);
  });

  it('draws a fresh nonce for every seal', () => {
    const rng = seededRng('two seals');
    expect(sealShare(recovery, key, rng)).not.toBe(sealShare(recovery, key, rng));
  });

  it('refuses a wrong key and any altered byte', () => {
    const sealed = sealShare(recovery, key, seededRng('tamper'));
    const wrongKey = seededRng('wrong key').bytes(32);
    expect(errorCodeOf(() => openShare(sealed, wrongKey))).toBe('WALLET_SHARES_INVALID');
    const prefixLength = 'parley-sealed-share-v1.'.length;
    for (const position of [prefixLength + 2, prefixLength + 40, sealed.length - 5]) {
      const replacement = sealed[position] === 'A' ? 'B' : 'A';
      const tampered = sealed.slice(0, position) + replacement + sealed.slice(position + 1);
      expect(errorCodeOf(() => openShare(tampered, key))).toBe('WALLET_SHARES_INVALID');
    }
    expect(errorCodeOf(() => openShare(sealed.slice(0, -4), key))).toBe('WALLET_SHARES_INVALID');
    expect(() => openShare(sealed, key.subarray(0, 16))).toThrow(/32 bytes/);
  });
});

describe('wallet public part', () => {
  const wallet = createThresholdWallet(seededRng('stored wallet'));

  it('round-trips through JSON text and still verifies signing', () => {
    const text = serializeWalletPublic(wallet);
    const restored = parseWalletPublic(text);
    expect(restored.publicKey).toEqual(wallet.publicKey);
    expect(restored.publicPackage).toEqual(wallet.publicPackage);
    expect(serializeWalletPublic(restored)).toBe(text);
    const shares = [wallet.shares.gateway, wallet.shares.recovery] as const;
    const signature = signWithShares(restored, new Uint8Array([9]), shares, seededRng('restored'));
    expect(ed25519.verify(signature, new Uint8Array([9]), wallet.publicKey)).toBe(true);
  });

  it('rejects stored data that is malformed or inconsistent', () => {
    const json = JSON.parse(serializeWalletPublic(wallet));
    const otherJson = JSON.parse(serializeWalletPublic(createThresholdWallet(seededRng('x'))));
    const variants = [
      'not json',
      JSON.stringify({ ...json, version: 2 }),
      JSON.stringify({ ...json, signers: { min: 3, max: 3 } }),
      JSON.stringify({ ...json, publicKey: otherJson.publicKey }),
      JSON.stringify({
        ...json,
        verifyingShares: { ...json.verifyingShares, agent: otherJson.verifyingShares.agent },
      }),
      JSON.stringify({ ...json, commitments: [json.commitments[0], otherJson.commitments[1]] }),
    ];
    for (const text of variants) expect(() => parseWalletPublic(text)).toThrow(/Stored wallet/);
  });
});
