import { mkdirSync } from 'node:fs';
import { type Logger, pino } from 'pino';
import { probeProviders } from '../router/index.ts';
import { cryptoRng, parleyVersion, systemClock } from '../shared/index.ts';
import { createApp, createServices, type Services } from './app.ts';
import { type Config, ConfigError, loadConfig } from './config.ts';
import { migrateDatabase, openDatabase } from './database.ts';
import { loadOrCreateAdminToken, loadOrCreateGatewayKey, loadOrCreateWalletKey } from './secrets.ts';
import { listen } from './server.ts';
import { gatewayBoots } from './tables.ts';

export interface StartedGateway {
  url: string;
  port: number;
  services: Services;
  logger: Logger;
  adminToken: string;
  /** Stops the sweeper, drains the server (up to the shutdown timeout) and closes the database. */
  close(): Promise<void>;
}

/**
 * The composition root: reads the environment, opens and migrates the database, loads the gateway's
 * secrets, wires the areas into one app and serves it until SIGTERM or SIGINT. Resolves to an exit code.
 */
export async function runGateway(env: NodeJS.ProcessEnv): Promise<number> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`parley: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  let gateway: StartedGateway;
  try {
    gateway = await startGateway(config);
  } catch (error) {
    process.stderr.write(`parley: ${(error as Error).message}\n`);
    return 1;
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  gateway.logger.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutting down');
  await gateway.close();
  return 0;
}

/** Starts a gateway from a parsed configuration; rejects with a one-line reason when it cannot listen. */
export async function startGateway(config: Config): Promise<StartedGateway> {
  // Log lines are batched into 4 KiB writes instead of one syscall each, flushed every second and
  // before exit, so a quiet gateway's logs are never more than a second late.
  const logDestination = pino.destination({ dest: 1, minLength: 4096, sync: false });
  const logFlusher = setInterval(() => logDestination.flush(), 1000);
  logFlusher.unref();
  const logger = pino({ level: config.logLevel, base: { service: 'parley-gateway' } }, logDestination);
  const clock = systemClock;
  const rng = cryptoRng;

  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const db = openDatabase(config.dbUrl);
  migrateDatabase(db);
  const gatewayKey = loadOrCreateGatewayKey(config.dataDir, rng);
  const adminToken = loadOrCreateAdminToken(config.dataDir, config.adminToken, rng);
  const walletKey = loadOrCreateWalletKey(config.dataDir, config.walletKey, rng);
  if (walletKey.created)
    logger.warn({ path: walletKey.path }, 'generated the wallet sealing key; back it up');
  if (gatewayKey.created) logger.info({ path: gatewayKey.path }, 'created a new gateway key');
  if (adminToken.created)
    logger.warn({ path: adminToken.path }, 'generated an admin token; read it from this file');

  const startedAt = clock.now();
  db.orm
    .insert(gatewayBoots)
    .values({
      startedAt: new Date(startedAt),
      version: parleyVersion,
      publicKey: gatewayKey.value.publicKeyHex,
    })
    .run();

  const deps = {
    db,
    clock,
    rng,
    logger,
    gatewayKey: gatewayKey.value,
    adminToken: adminToken.value,
    walletSealingKey: walletKey.value,
    faucet: { amount: config.faucetAmount, cooldownMs: config.faucetCooldownSeconds * 1000 },
    channel: { expiryMs: config.channelExpirySeconds * 1000, challengeMs: config.challengeSeconds * 1000 },
    allowPrivateProviderEndpoints: config.allowPrivateProviders,
    version: parleyVersion,
    startedAt,
    corsOrigins: config.corsOrigins,
    maxBodyBytes: config.maxBodyBytes,
    tee: {
      allowClockOverride: config.teeAllowClockOverride,
      allowSim: config.teeSim,
      maxAgeMs: config.teeMaxAgeS * 1000,
    },
    forwarding: {
      defaultStrategy: config.routingStrategy,
      maxAttempts: config.upstreamAttempts,
      attemptTimeoutMs: config.upstreamTimeoutMs,
      deadlineMs: config.upstreamDeadlineMs,
    },
  };
  const services = createServices(deps);
  const app = createApp(deps, services);
  // Settles channels whose challenge window ended, closes expired ones and releases unbonded stake.
  const sweeper = setInterval(() => {
    try {
      const settled = services.channels.channels.settleDue();
      const released = services.router.stake.releaseDue();
      if (settled > 0 || released > 0)
        logger.info({ settled, released }, 'settled channels and released stake');
    } catch (err) {
      logger.error({ err }, 'channel sweep failed');
    }
  }, 30_000);
  sweeper.unref();
  // Active health checks, so idle providers still move between statuses.
  const prober = setInterval(() => {
    probeProviders(services.router, { timeoutMs: 5000 }).catch((err) =>
      logger.error({ err }, 'provider probes failed'),
    );
  }, 30_000);
  prober.unref();

  let server: Awaited<ReturnType<typeof listen>>;
  try {
    server = await listen(app, config.host, config.port);
  } catch (error) {
    clearInterval(sweeper);
    clearInterval(prober);
    db.close();
    throw error;
  }
  const url = `http://${config.host}:${server.port}`;
  logger.info({ url, dataDir: config.dataDir, version: parleyVersion }, 'gateway listening');
  logDestination.flushSync();
  return {
    url,
    port: server.port,
    services,
    logger,
    adminToken: adminToken.value,
    async close() {
      clearInterval(sweeper);
      clearInterval(prober);
      await server.close(config.shutdownTimeoutMs);
      db.close();
      logger.info('stopped');
      clearInterval(logFlusher);
      logDestination.flushSync();
    },
  };
}
