import type { Logger } from 'pino';
import { listen } from '../gateway/server.ts';
import { providerApp } from './api/index.ts';
import { attest, type TeeSettings } from './attester.ts';
import type { InferenceEngine } from './engine/index.ts';
import { GatewayClient, type SigningKey } from './gateway-client.ts';
import { type ProviderListing, Registrar } from './registration.ts';

export interface ProviderNodeOptions {
  engine: InferenceEngine;
  host: string;
  port: number;
  /** The URL the gateway uses to reach this node; http://host:port by default. */
  publicUrl?: string;
  /** Register with this gateway and keep heartbeating; serve standalone when absent. */
  gateway?: {
    url: string;
    key: SigningKey;
    statePath: string;
    name: string;
    pricePerToken: bigint;
    minStake?: bigint;
    stake: bigint;
    /** Draw the stake from the gateway's faucet (development gateways). */
    faucet?: boolean;
    /** Attest the model in a TEE after registering, and again before each appraisal expires. */
    tee?: TeeSettings;
    heartbeatMs: number;
    fetch?: typeof fetch;
  };
  logger: Logger;
  version: string;
}

export interface ProviderNode {
  url: string;
  providerId: string | undefined;
  did: string | undefined;
  /** The latest TEE appraisal of this node's model, when it attests. */
  appraisal: { id: string; valid: boolean } | undefined;
  /** Sends one heartbeat now (re-registering if the gateway forgot this node). */
  heartbeat(): Promise<void>;
  /** Drains: refuses new work, lets in-flight generations finish (up to timeoutMs), stops serving. */
  close(timeoutMs: number): Promise<void>;
}

/**
 * A provider node: the engine behind an OpenAI-compatible HTTP API, registered with a gateway under
 * its own DID (signed requests), heartbeating its load and throughput, re-registering when the
 * gateway forgot it, and draining on close. The node owns the engine: closing the node closes it,
 * and so does a failed start (the gateway unreachable or refusing the registration).
 */
export async function startProviderNode(options: ProviderNodeOptions): Promise<ProviderNode> {
  const { engine, logger } = options;
  let registrar: Registrar | undefined;
  const app = providerApp({
    engine,
    info: () => ({
      ...(registrar
        ? { registration: { did: registrar.did ?? null, providerId: registrar.providerId ?? null } }
        : {}),
      version: options.version,
    }),
  });
  const server = await listen(app, options.host, options.port);
  const url = options.publicUrl ?? `http://${options.host}:${server.port}`;
  let timer: NodeJS.Timeout | undefined;
  let attestTimer: NodeJS.Timeout | undefined;
  let lastAppraisal: { id: string; valid: boolean } | undefined;
  const beat = async () => {
    if (!registrar) return;
    const stats = engine.stats();
    await registrar.heartbeat({ inFlight: stats.inFlight, tokensPerSecond: stats.tokensPerSecond });
  };
  const settings = options.gateway;
  if (settings) {
    const stats = engine.stats();
    const gpu = stats.gpu?.[0];
    const listing: ProviderListing = {
      name: settings.name,
      endpoint: url,
      capacity: stats.capacity,
      tee: settings.tee?.platform ?? null,
      gpu: gpu ? { name: gpu.name, vramGb: Math.max(0.001, gpu.vramBytes / 2 ** 30) } : null,
      model: {
        id: engine.model.id,
        name: engine.model.id,
        sha256: engine.model.sha256,
        parameters: engine.model.parameters,
        contextLength: engine.model.contextLength,
        pricePerToken: settings.pricePerToken,
        ...(settings.minStake !== undefined ? { minStake: settings.minStake } : {}),
      },
      stake: settings.stake,
      ...(settings.faucet ? { faucet: true } : {}),
    };
    const client = new GatewayClient(settings.url, settings.key, undefined, settings.fetch);
    registrar = new Registrar(client, listing, settings.statePath);
    const providerId = await registrar.register().catch(async (error: unknown) => {
      // Nothing will serve: stop listening and free the engine, so the process can exit.
      await Promise.all([engine.close(0), server.close(0)]);
      throw error;
    });
    logger.info(
      { gateway: settings.url, providerId, did: registrar.did, endpoint: url },
      'registered with the gateway',
    );
    const shortfall = registrar.stakeShortfall;
    if (shortfall)
      logger.warn(
        {
          bonded: shortfall.bonded.toString(),
          minimum: shortfall.minimum.toString(),
          model: engine.model.id,
        },
        "the bonded stake is below the model's minimum, so the gateway will not route to this node: bond more with --stake (and --faucet on a development gateway)",
      );
    const tee = settings.tee;
    if (tee) {
      const again = (ms: number) => {
        attestTimer = setTimeout(() => renew().catch(retry), ms);
        attestTimer.unref();
      };
      const retry = (err: unknown) => {
        logger.warn({ err: (err as Error).message }, 'attestation failed; retrying in 30 s');
        again(30_000);
      };
      const renew = async (): Promise<void> => {
        const current = registrar?.providerId;
        if (!current) return;
        const appraisal = await attest(
          client,
          current,
          { didKey: settings.key.didKey, modelId: engine.model.id, modelSha256: engine.model.sha256 },
          tee,
        );
        lastAppraisal = appraisal;
        if (appraisal.valid) {
          logger.info({ appraisal: appraisal.id, expiresAt: appraisal.expiresAt }, 'attested');
          again(appraisal.renewInMs);
        } else {
          // The same platform and code would fail (and be slashed) again: the operator must act.
          logger.error(
            { appraisal: appraisal.id, failed: appraisal.failed },
            'attestation refused; not retrying until restarted',
          );
        }
      };
      await renew().catch(retry);
    }
    timer = setInterval(() => {
      beat().catch((err) => logger.warn({ err: (err as Error).message }, 'heartbeat failed; will retry'));
    }, settings.heartbeatMs);
    timer.unref();
  }
  return {
    url,
    get providerId() {
      return registrar?.providerId;
    },
    get did() {
      return registrar?.did;
    },
    heartbeat: beat,
    get appraisal() {
      return lastAppraisal;
    },
    async close(timeoutMs) {
      if (timer) clearInterval(timer);
      if (attestTimer) clearTimeout(attestTimer);
      // The gateway first, so it sends nothing new while the generations in flight finish. A gateway
      // that does not answer soon learns it from failed requests instead.
      if (registrar) {
        const told = registrar.drain().then(
          () => logger.info('told the gateway this node is draining'),
          (err: Error) => logger.warn({ err: err.message }, 'could not tell the gateway about the drain'),
        );
        await Promise.race([told, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
      }
      await Promise.all([engine.close(timeoutMs), server.close(timeoutMs)]);
    },
  };
}
