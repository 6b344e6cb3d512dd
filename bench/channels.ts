import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  AssetRegistry,
  ChannelService,
  Ledger,
  Meter,
  signChannelState,
  systemAccounts,
} from '../src/channels/index.ts';
import { migrateDatabase, openDatabase } from '../src/gateway/database.ts';
import { generateDidKey, IdentityRegistry, signRegistration } from '../src/identity/index.ts';
import { cryptoRng, ed25519Signer, systemClock } from '../src/shared/index.ts';
import { report } from './harness.ts';

/**
 * What payment adds to a metered request, on a real SQLite file (WAL): accepting the voucher (payer
 * signature check + durable write), metering each token, and the durable, gateway-signed receipt,
 * against the same loop of tokens without payment in the same run.
 */
export async function channelsBench(
  requests = Number(process.env.BENCH_COUNT ?? 1000),
  tokensPerRequest = 128,
) {
  const db = openDatabase(`file:${join(mkdtempSync(join(tmpdir(), 'parley-bench-channels-')), 'parley.db')}`);
  migrateDatabase(db);
  const gatewaySecret = cryptoRng.bytes(32);
  const signer = { publicKey: ed25519.getPublicKey(gatewaySecret), sign: ed25519Signer(gatewaySecret) };
  const registry = new IdentityRegistry({ orm: db.orm, clock: systemClock, rng: cryptoRng });
  const ledger = new Ledger({ orm: db.orm, clock: systemClock, signer, assets: new AssetRegistry() });
  const channels = new ChannelService({
    orm: db.orm,
    clock: systemClock,
    rng: cryptoRng,
    ledger,
    registry,
    signer,
    config: { expiryMs: 3600_000, challengeMs: 3600_000 },
  });
  const key = generateDidKey();
  const payload = {
    challenge: registry.createChallenge().challenge,
    kind: 'autonomous' as const,
    keys: [key.did],
    capabilities: [],
    services: [],
  };
  const payer = registry.register({
    ...payload,
    proofs: [{ key: key.did, signature: signRegistration(payload, key.secretKey) }],
    activate: true,
  }).did;
  const price = 10n ** 12n;
  const deposit = price * BigInt(tokensPerRequest) * BigInt(requests + 100);
  ledger.post('deposit', [
    { account: systemAccounts.issuance, asset: 'TNZO', amount: -deposit },
    { account: payer, asset: 'TNZO', amount: deposit },
  ]);
  const channel = channels.open(payer, { asset: 'TNZO', deposit });
  const network = channels.network;
  // Vouchers are signed by the client, so they are made before the clock starts.
  const vouchers = Array.from({ length: requests + 50 }, (_, i) =>
    signChannelState(
      network,
      {
        channelId: channel.id,
        nonce: i + 1,
        cumulativeAmount: (price * BigInt(tokensPerRequest) * BigInt(i + 1)).toString(),
        final: false,
      },
      `${payer}#key-1`,
      key.secretKey,
    ),
  );
  const costOf = (tokens: number) => BigInt(tokens) * price;
  let next = 0;
  const paidRequest = () => {
    const meter = Meter.start(channels, vouchers[next++] as (typeof vouchers)[number], costOf);
    while (meter.admit()) {}
    meter.receipt();
  };
  let sink = 0;
  const unpaidRequest = () => {
    for (let token = 0; token < tokensPerRequest; token++) sink += token;
  };
  const time = (count: number, run: () => void) => {
    const started = performance.now();
    for (let i = 0; i < count; i++) run();
    return ((performance.now() - started) / count) * 1000;
  };
  for (let i = 0; i < 50; i++) paidRequest();
  const unpaidUs = time(requests, unpaidRequest);
  const paidUs = time(requests, paidRequest);
  const meterOnly = new Meter(channels, channel.id, 10n ** 30n, costOf);
  const tokenNs = (time(200_000, () => meterOnly.admit()) * 1000) / 1;
  report('channels', {
    what: `metered request of ${tokensPerRequest} tokens: voucher check + per-token metering + signed receipt, durable on a SQLite file`,
    requests,
    baselineUnpaidUs: Number(unpaidUs.toFixed(2)),
    paidUs: Number(paidUs.toFixed(1)),
    addedByPaymentUs: Number((paidUs - unpaidUs).toFixed(1)),
    paidRequestsPerSecond: Math.round(1e6 / paidUs),
    meteringPerTokenNs: Number(tokenNs.toFixed(0)),
    sink,
    aim: 'payment adds < 500 us per request and < 2 us per streamed token',
  });
  db.close();
}
