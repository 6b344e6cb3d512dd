import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { type Clock, errorResponses, jsonBody, jsonResponse } from '../shared/index.ts';
import { fromHex } from './bytes.ts';
import { teeError } from './errors.ts';
import { storedAppraisalSchema, type VerifyRequest, verifyRequestSchema } from './schemas.ts';
import type { AppraisalStore } from './store.ts';
import type { TeeConfig, VerifyOptions } from './verifier.ts';
import { verifyEvidence } from './verifiers.ts';

/** What verifying evidence needs; the HTTP route, MCP's verify_proof and A2A's verification share it. */
export interface TeeServices {
  clock: Clock;
  appraisals: AppraisalStore;
  config: TeeConfig;
}

const verifyRoute = createRoute({
  method: 'post',
  path: '/v1/attestations/verify',
  tags: ['attestation'],
  summary: 'Verify SEV-SNP, TDX, Nitro or NVIDIA evidence; every check is named and the appraisal is kept',
  description:
    'Development-only `sim` evidence is accepted only when the gateway runs with PARLEY_TEE_SIM=true (else 400 TEE_PLATFORM_DISABLED).',
  request: { body: jsonBody(verifyRequestSchema) },
  responses: {
    200: jsonResponse(storedAppraisalSchema, 'The appraisal, valid or not'),
    ...errorResponses(400),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/attestations/{id}',
  tags: ['attestation'],
  summary: 'A stored appraisal, for audit',
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: { 200: jsonResponse(storedAppraisalSchema, 'The appraisal'), ...errorResponses(404) },
});

function decodeBase64(text: string): Uint8Array {
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact)) throw teeError('TEE_EVIDENCE_NOT_BASE64');
  return new Uint8Array(
    Buffer.from(compact, compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64'),
  );
}

function verifyOptions(body: VerifyRequest, services: TeeServices): VerifyOptions {
  if (body.now !== undefined && !services.config.allowClockOverride)
    throw teeError('TEE_CLOCK_OVERRIDE_REFUSED');
  const at = body.now === undefined ? undefined : Date.parse(body.now);
  const expected = body.expected;
  return {
    clock: at === undefined ? services.clock : { now: () => at },
    expected: expected && {
      reportData: expected.reportData === undefined ? undefined : fromHex(expected.reportData),
      nonce: expected.nonce === undefined ? undefined : fromHex(expected.nonce),
      issuedAt: expected.issuedAt === undefined ? undefined : Date.parse(expected.issuedAt),
    },
    allowDebug: body.allowDebug,
    maxAgeMs: body.maxAgeSeconds === undefined ? undefined : body.maxAgeSeconds * 1000,
    reference: body.reference,
    crls: body.crls,
    tdxCollateral: body.tdxCollateral,
    allowSim: services.config.allowSim,
  };
}

/** Verifies a request body (as `POST /v1/attestations/verify` takes it) and records the appraisal. */
export function appraiseRequest(body: VerifyRequest, services: TeeServices) {
  const evidence = decodeBase64(body.evidence);
  const appraisal = verifyEvidence(
    body.platform,
    { evidence, certificates: body.certificates },
    verifyOptions(body, services),
  );
  return services.appraisals.record({ appraisal, evidence });
}

/** `POST /v1/attestations/verify` and `GET /v1/attestations/{id}`. */
export function teeRoutes(services: TeeServices) {
  return new OpenAPIHono()
    .openapi(verifyRoute, (c) => {
      return c.json(appraiseRequest(c.req.valid('json'), services), 200);
    })
    .openapi(getRoute, (c) => {
      const stored = services.appraisals.get(c.req.valid('param').id);
      if (!stored) throw teeError('TEE_APPRAISAL_NOT_FOUND', { id: c.req.valid('param').id });
      return c.json(stored, 200);
    });
}
