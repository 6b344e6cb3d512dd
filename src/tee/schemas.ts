import { z } from 'zod';

/** The TEE platforms Parley verifies evidence from. */
export const teePlatformSchema = z.enum(['sev-snp', 'tdx', 'nitro', 'nvidia', 'sim']).meta({
  description:
    '`sim` is a development-only stand-in, refused unless the gateway runs with PARLEY_TEE_SIM=true',
});
export type TeePlatform = z.infer<typeof teePlatformSchema>;

const hex = z.string().regex(/^[0-9a-f]*$/);

export const checkSchema = z
  .object({
    name: z.string().meta({ example: 'report-signature' }),
    ok: z.boolean(),
    detail: z.string().optional(),
  })
  .meta({ id: 'TeeCheck' });
export type Check = z.infer<typeof checkSchema>;

const tcbSchema = z.object({
  bootloader: z.number().int(),
  tee: z.number().int(),
  snp: z.number().int(),
  microcode: z.number().int(),
  raw: hex,
});

export const snpClaimsSchema = z
  .object({
    version: z.number().int(),
    product: z.string().nullable().meta({ description: 'Milan, Genoa, … from the VCEK, when one was given' }),
    guestSvn: z.number().int(),
    policy: hex.meta({ description: 'Guest policy, 64 bits, big-endian hex' }),
    debug: z.boolean(),
    migrateMa: z.boolean(),
    smt: z.boolean(),
    vmpl: z.number().int(),
    signingKey: z.enum(['vcek', 'vlek', 'none', 'reserved']),
    measurement: hex,
    reportData: hex,
    hostData: hex,
    familyId: hex,
    imageId: hex,
    idKeyDigest: hex,
    authorKeyDigest: hex,
    reportId: hex,
    chipId: hex,
    reportedTcb: tcbSchema,
    currentTcb: tcbSchema,
    committedTcb: tcbSchema,
    launchTcb: tcbSchema,
  })
  .meta({ id: 'SevSnpClaims' });
export type SnpClaims = z.infer<typeof snpClaimsSchema>;

export const tdxClaimsSchema = z
  .object({
    version: z.number().int(),
    teeTcbSvn: hex,
    mrSeam: hex,
    mrSignerSeam: hex,
    seamAttributes: hex,
    tdAttributes: hex,
    debug: z.boolean(),
    xfam: hex,
    mrTd: hex,
    mrConfigId: hex,
    mrOwner: hex,
    mrOwnerConfig: hex,
    rtmr0: hex,
    rtmr1: hex,
    rtmr2: hex,
    rtmr3: hex,
    reportData: hex,
    mrServiceTd: hex.nullable(),
    fmspc: hex.nullable().meta({ description: 'Platform family, from the PCK certificate' }),
    pceId: hex.nullable(),
    tcbStatus: z
      .string()
      .nullable()
      .meta({ description: 'From TCB info, when that collateral was supplied' }),
    advisoryIds: z.array(z.string()),
  })
  .meta({ id: 'TdxClaims' });
export type TdxClaims = z.infer<typeof tdxClaimsSchema>;

export const nitroClaimsSchema = z
  .object({
    moduleId: z.string(),
    digest: z.string(),
    timestamp: z
      .number()
      .int()
      .meta({ description: 'Milliseconds since the epoch, signed by the hypervisor' }),
    pcrs: z.record(z.string(), hex).meta({ description: 'PCR index → value' }),
    debug: z.boolean().meta({ description: 'PCR0–2 all zero: an enclave started in debug mode' }),
    userData: hex.nullable(),
    nonce: hex.nullable(),
    publicKey: hex.nullable(),
  })
  .meta({ id: 'NitroClaims' });
export type NitroClaims = z.infer<typeof nitroClaimsSchema>;

export const nvidiaClaimsSchema = z
  .object({
    spdmVersion: z.string(),
    nonce: hex.meta({ description: 'The requester nonce, signed with the response' }),
    responderNonce: hex,
    measurements: z.record(z.string(), hex).meta({ description: 'Measurement block index → value' }),
    driverVersion: z.string().nullable(),
    vbiosVersion: z.string().nullable(),
    project: z.string().nullable(),
    projectSku: z.string().nullable(),
    chipSku: z.string().nullable(),
    fwid: hex.nullable(),
    opaque: z.record(z.string(), hex).meta({ description: 'Every opaque data field, type → raw value' }),
  })
  .meta({ id: 'NvidiaClaims' });
export type NvidiaClaims = z.infer<typeof nvidiaClaimsSchema>;

export const simClaimsSchema = z
  .object({
    measurement: hex.meta({ description: 'The code hash the sim provider reports (48 bytes)' }),
    reportData: hex,
    debug: z.boolean(),
    timestamp: z.number().int().meta({ description: 'Milliseconds since the epoch' }),
  })
  .meta({ id: 'SimClaims', description: 'DEVELOPMENT ONLY: what a sim report says; proves nothing' });
export type SimClaims = z.infer<typeof simClaimsSchema>;

export const appraisalSchema = z
  .object({
    platform: teePlatformSchema,
    valid: z.boolean().meta({ description: 'Every check passed' }),
    checks: z.array(checkSchema),
    failed: z.array(z.string()).meta({ description: 'Names of the checks that failed' }),
    claims: z
      .union([
        snpClaimsSchema,
        tdxClaimsSchema,
        nitroClaimsSchema,
        nvidiaClaimsSchema,
        simClaimsSchema,
        z.object({}),
      ])
      .meta({ description: 'What the evidence says; empty when it could not be read' }),
    appraisedAt: z.string().meta({ description: 'The clock the verifier used, ISO 8601' }),
    expiresAt: z
      .string()
      .nullable()
      .meta({ description: 'Until when a valid appraisal holds: first cert expiry or end of freshness' }),
  })
  .meta({ id: 'TeeAppraisal' });

/** An appraisal with the claims of one platform (or `{}` when the evidence was unreadable). */
export type Appraisal<Claims extends object = object> = Omit<z.infer<typeof appraisalSchema>, 'claims'> & {
  claims: Claims | Record<string, never>;
};

export const storedAppraisalSchema = appraisalSchema
  .extend({
    id: z.string().meta({ example: 'apr_5f0c9a1e2b3c4d5e6f708192' }),
    evidenceSha256: hex,
    providerId: z.string().nullable(),
    modelId: z.string().nullable().meta({ description: 'The model a provider attested for' }),
    recordedAt: z.string(),
  })
  .meta({ id: 'StoredTeeAppraisal' });

const bytesText = z.string().min(1).max(200_000);
const hexInput = z
  .string()
  .regex(/^([0-9a-fA-F]{2})*$/)
  .meta({ description: 'Hex bytes' });

export const verifyRequestSchema = z
  .object({
    platform: teePlatformSchema,
    evidence: bytesText.meta({
      description: 'The evidence, base64 (NVIDIA: GET_MEASUREMENTS request ‖ response)',
    }),
    certificates: bytesText
      .optional()
      .meta({ description: 'PEM, or base64 DER: the VCEK chain (SEV-SNP) or device chain (NVIDIA)' }),
    expected: z
      .object({
        reportData: hexInput
          .max(128)
          .optional()
          .meta({ description: 'A shorter value must be a prefix, rest zero' }),
        nonce: hexInput.max(2048).optional(),
        issuedAt: z.iso.datetime().optional().meta({ description: 'When the challenge nonce was issued' }),
      })
      .strict()
      .optional(),
    allowDebug: z.boolean().default(false),
    maxAgeSeconds: z
      .number()
      .int()
      .positive()
      .max(31 * 86_400)
      .optional(),
    reference: z
      .record(z.string(), z.union([hexInput, z.array(hexInput).min(1)]))
      .optional()
      .meta({ description: 'Claim path → allowed value(s), e.g. {"measurement": "…"} or {"pcrs.0": […]}' }),
    crls: z.array(bytesText).max(8).optional().meta({ description: 'CRLs, PEM or base64 DER' }),
    tdxCollateral: z
      .object({
        tcbInfo: bytesText.optional(),
        qeIdentity: bytesText.optional(),
        issuerChain: bytesText.optional(),
        acceptedTcbStatuses: z.array(z.string()).optional(),
      })
      .strict()
      .optional()
      .meta({ description: 'Intel PCS TCB info and QE identity bodies, verbatim, and their issuer chain' }),
    now: z.iso.datetime().optional().meta({
      description: 'Verify as of this time; refused unless the gateway allows clock override',
    }),
  })
  .strict()
  .meta({ id: 'VerifyAttestationRequest' });
export type VerifyRequest = z.infer<typeof verifyRequestSchema>;
