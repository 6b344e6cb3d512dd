import { Writable } from 'node:stream';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { type Logger, pino } from 'pino';
import { ed25519Signer, ManualClock, seededRng } from '../shared/index.ts';
import { type AppDeps, createApp, createServices } from './app.ts';
import { migrateDatabase, openDatabase } from './database.ts';

export const testAdminToken = 'test-admin-token-0123456789';

/** An app on a migrated in-memory database, a manual clock and a seeded RNG, for `app.request()` tests. */
export function buildTestApp(overrides: Partial<AppDeps> = {}) {
  const db = overrides.db ?? openDatabase(':memory:');
  if (!overrides.db) migrateDatabase(db);
  const rng = overrides.rng ?? seededRng('parley-test');
  const secretKey = ed25519.utils.randomSecretKey(rng.bytes(32));
  const publicKey = ed25519.getPublicKey(secretKey);
  const clock = new ManualClock();
  const deps: AppDeps = {
    db,
    clock,
    rng,
    logger: pino({ level: 'silent' }),
    gatewayKey: {
      publicKey,
      publicKeyHex: bytesToHex(publicKey),
      sign: ed25519Signer(secretKey),
    },
    adminToken: testAdminToken,
    walletSealingKey: rng.bytes(32),
    faucet: { amount: 1000n * 10n ** 18n, cooldownMs: 24 * 60 * 60 * 1000 },
    channel: { expiryMs: 30 * 24 * 60 * 60 * 1000, challengeMs: 24 * 60 * 60 * 1000 },
    allowPrivateProviderEndpoints: true,
    version: '0.0.0-test',
    startedAt: clock.now(),
    corsOrigins: [],
    maxBodyBytes: 4096,
    forwarding: { defaultStrategy: 'weighted', maxAttempts: 3, attemptTimeoutMs: 2000, deadlineMs: 5000 },
    ...overrides,
  };
  const services = createServices(deps);
  return { app: createApp(deps, services), deps, clock, db, services };
}

/** A logger at `level` whose JSON lines land in `entries`, for asserting on what the gateway logs. */
export function captureLogs(level = 'info'): { logger: Logger; entries: Array<Record<string, unknown>> } {
  const entries: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      entries.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level }, sink), entries };
}

/** A response body as JSON, loosely typed so tests can reach into it. */
// biome-ignore lint/suspicious/noExplicitAny: test assertions inspect arbitrary JSON
export const readJson = (response: Response): Promise<any> => response.json();
