import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { type Clock, type Rng, randomId } from '../shared/index.ts';
import type { Appraisal } from './schemas.ts';
import { teeAppraisals } from './tables.ts';

export interface StoredAppraisal extends Appraisal {
  id: string;
  evidenceSha256: string;
  providerId: string | null;
  modelId: string | null;
  recordedAt: string;
}

export interface AppraisalRecord {
  appraisal: Appraisal;
  evidence: Uint8Array;
  providerId?: string;
  modelId?: string;
}

/** Keeps every appraisal for audit; the router also reads a provider's latest one from here. */
export class AppraisalStore {
  constructor(private readonly deps: { orm: BetterSQLite3Database; clock: Clock; rng: Rng }) {}

  record({ appraisal, evidence, providerId, modelId }: AppraisalRecord): StoredAppraisal {
    const row = {
      id: `apr_${randomId(this.deps.rng, 12)}`,
      platform: appraisal.platform,
      valid: appraisal.valid,
      failed: appraisal.failed,
      checks: appraisal.checks,
      claims: appraisal.claims,
      evidenceSha256: createHash('sha256').update(evidence).digest('hex'),
      providerId: providerId ?? null,
      modelId: modelId ?? null,
      appraisedAt: new Date(appraisal.appraisedAt),
      expiresAt: appraisal.expiresAt ? new Date(appraisal.expiresAt) : null,
      recordedAt: new Date(this.deps.clock.now()),
    };
    this.deps.orm.insert(teeAppraisals).values(row).run();
    return toStored(row);
  }

  get(id: string): StoredAppraisal | undefined {
    const row = this.deps.orm.select().from(teeAppraisals).where(eq(teeAppraisals.id, id)).get();
    return row ? toStored(row) : undefined;
  }
}

function toStored(row: typeof teeAppraisals.$inferSelect): StoredAppraisal {
  return {
    id: row.id,
    platform: row.platform,
    valid: row.valid,
    checks: row.checks,
    failed: row.failed,
    claims: row.claims as Appraisal['claims'],
    appraisedAt: row.appraisedAt.toISOString(),
    expiresAt: row.expiresAt ? row.expiresAt.toISOString() : null,
    evidenceSha256: row.evidenceSha256,
    providerId: row.providerId,
    modelId: row.modelId,
    recordedAt: row.recordedAt.toISOString(),
  };
}
