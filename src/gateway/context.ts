import type { IdentityEnv } from '../identity/index.ts';

/** Variables every request carries through Hono's context. */
export interface AppEnv {
  Variables: {
    requestId: string;
  } & IdentityEnv['Variables'];
}

/**
 * What the agent protocols (MCP, A2A) act on: the same services the HTTP API uses, so a tool call
 * goes through the same authentication, delegation and payment checks as the route it mirrors.
 */
export interface ProtocolContext {
  identity: import('../identity/index.ts').IdentityServices;
  channels: import('../channels/index.ts').ChannelServices;
  router: import('../router/index.ts').RouterServices;
  inference: import('../router/index.ts').InferenceDeps;
  clock: import('../shared/index.ts').Clock;
  rng: import('../shared/index.ts').Rng;
  version: string;
  /** The gateway's Ed25519 public key, hex (signs ledger blocks and receipts). */
  publicKey: string;
  startedAt: number;
  /** Verifying TEE evidence, with the gateway's TEE settings (MCP verify_proof, A2A verification). */
  tee: import('../tee/index.ts').TeeServices;
  /** The gateway's database, for protocol state of its own (the A2A task store). */
  orm: import('drizzle-orm/better-sqlite3').BetterSQLite3Database;
}
