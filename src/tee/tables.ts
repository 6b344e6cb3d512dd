import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Every appraisal the gateway made, valid or not, kept for audit. */
export const teeAppraisals = sqliteTable(
  'tee_appraisals',
  {
    id: text('id').primaryKey(),
    platform: text('platform', { enum: ['sev-snp', 'tdx', 'nitro', 'nvidia', 'sim'] }).notNull(),
    valid: integer('valid', { mode: 'boolean' }).notNull(),
    failed: text('failed', { mode: 'json' }).$type<string[]>().notNull(),
    checks: text('checks', { mode: 'json' })
      .$type<Array<{ name: string; ok: boolean; detail?: string }>>()
      .notNull(),
    claims: text('claims', { mode: 'json' }).$type<object>().notNull(),
    /** SHA-256 of the evidence bytes, to find every appraisal of the same evidence. */
    evidenceSha256: text('evidence_sha256').notNull(),
    /** The provider the evidence came from, when the appraisal was part of its attestation. */
    providerId: text('provider_id'),
    /** The model the provider attested for, when it did. */
    modelId: text('model_id'),
    /** The clock the verifier used (an overridden one for old samples). */
    appraisedAt: integer('appraised_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }),
    /** When the gateway stored it, always the real clock. */
    recordedAt: integer('recorded_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (table) => [
    index('tee_appraisals_provider').on(table.providerId, table.recordedAt),
    index('tee_appraisals_evidence').on(table.evidenceSha256),
  ],
);
