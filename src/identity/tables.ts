import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Registered identities: `did:parley:{human|machine}:…`, with their lifecycle status. */
export const identities = sqliteTable('identities', {
  did: text('did').primaryKey(),
  kind: text('kind', { enum: ['human', 'machine', 'autonomous'] }).notNull(),
  controllerDid: text('controller_did'),
  status: text('status', { enum: ['created', 'active', 'suspended', 'terminated'] }).notNull(),
  capabilities: text('capabilities', { mode: 'json' }).$type<string[]>().notNull(),
  services: text('services', { mode: 'json' })
    .$type<Array<{ id: string; type: string; serviceEndpoint: string }>>()
    .notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});

/** The did:key keys bound to an identity; a key belongs to one identity only. */
export const identityKeys = sqliteTable(
  'identity_keys',
  {
    identityDid: text('identity_did')
      .notNull()
      .references(() => identities.did),
    fragment: text('fragment').notNull(),
    didKey: text('did_key').notNull(),
    addedAt: integer('added_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.identityDid, table.fragment] }),
    uniqueIndex('identity_keys_did_key').on(table.didKey),
  ],
);

/** Every lifecycle transition, with who made it and when. */
export const identityTransitions = sqliteTable(
  'identity_transitions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    identityDid: text('identity_did')
      .notNull()
      .references(() => identities.did),
    fromStatus: text('from_status'),
    toStatus: text('to_status').notNull(),
    actor: text('actor').notNull(),
    reason: text('reason'),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
  },
  (table) => [index('identity_transitions_identity').on(table.identityDid)],
);

/** One-time challenges that registrations sign to prove possession of their keys. */
export const registrationChallenges = sqliteTable('registration_challenges', {
  challenge: text('challenge').primaryKey(),
  expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
  usedAt: integer('used_at', { mode: 'timestamp_ms' }),
});

/** Signed delegations (UCAN-like): issuer grants audience a policy, optionally under a parent. */
export const delegations = sqliteTable(
  'delegations',
  {
    id: text('id').primaryKey(),
    issuerDid: text('issuer_did')
      .notNull()
      .references(() => identities.did),
    audienceDid: text('audience_did')
      .notNull()
      .references(() => identities.did),
    parentId: text('parent_id'),
    notBefore: integer('not_before', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    payload: text('payload').notNull(),
    signature: text('signature').notNull(),
    keyId: text('key_id').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
    revokedBy: text('revoked_by'),
  },
  (table) => [
    index('delegations_audience').on(table.audienceDid),
    index('delegations_parent').on(table.parentId),
  ],
);

/** API keys, stored as SHA-256 hashes; the secret is shown once at creation. */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    identityDid: text('identity_did')
      .notNull()
      .references(() => identities.did),
    delegationId: text('delegation_id').references(() => delegations.id),
    name: text('name').notNull(),
    secretHash: text('secret_hash').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
  },
  (table) => [
    uniqueIndex('api_keys_secret_hash').on(table.secretHash),
    index('api_keys_identity').on(table.identityDid),
  ],
);

/** Nonces of accepted signed requests, kept until their signatures expire, against replays. */
export const requestNonces = sqliteTable(
  'request_nonces',
  {
    keyId: text('key_id').notNull(),
    nonce: text('nonce').notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.keyId, table.nonce] }),
    index('request_nonces_expiry').on(table.expiresAt),
  ],
);

/** 2-of-3 threshold wallets: the gateway's share and the recovery share are sealed at rest. */
export const wallets = sqliteTable(
  'wallets',
  {
    id: text('id').primaryKey(),
    identityDid: text('identity_did')
      .notNull()
      .references(() => identities.did),
    publicKey: text('public_key').notNull(),
    publicPackage: text('public_package').notNull(),
    gatewayShare: text('gateway_share').notNull(),
    recoveryShare: text('recovery_share').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (table) => [index('wallets_identity').on(table.identityDid)],
);
