import { execFile } from 'node:child_process';
import { hexToBytes } from '@noble/hashes/utils.js';
import { publicKeyFromDidKey } from '../identity/index.ts';
import { expectedBinding, simEvidence, type TeePlatform } from '../tee/index.ts';
import type { GatewayClient } from './gateway-client.ts';

/** Produces the platform's evidence carrying `reportData` (64 bytes: the binding, then zeros). */
export type EvidenceSource = (
  reportData: Uint8Array,
) => Promise<{ evidence: Uint8Array; certificates?: string }>;

export interface TeeSettings {
  platform: TeePlatform;
  evidence: EvidenceSource;
}

interface Appraisal {
  id: string;
  valid: boolean;
  failed: string[];
  expiresAt: string | null;
}

/**
 * Keeps a provider attested: asks the gateway for a nonce, binds it with the node's key and the
 * model's hash (SHA-256("parley/tee-binding/v1" ‖ key ‖ model sha256 ‖ nonce)), has the platform
 * produce evidence over it, submits it, and says when to do it again (before the appraisal expires).
 */
export async function attest(
  gateway: GatewayClient,
  providerId: string,
  node: { didKey: string; modelId: string; modelSha256: string },
  tee: TeeSettings,
): Promise<Appraisal & { renewInMs: number }> {
  const { nonce } = await gateway.post<{ nonce: string }>(
    `/v1/providers/${providerId}/attestation/challenge`,
  );
  const binding = expectedBinding({
    providerKey: publicKeyFromDidKey(node.didKey),
    modelSha256: hexToBytes(node.modelSha256),
    nonce: hexToBytes(nonce),
  });
  const reportData = new Uint8Array(64);
  reportData.set(binding);
  const produced = await tee.evidence(reportData);
  const appraisal = await gateway.post<Appraisal>(`/v1/providers/${providerId}/attestation`, {
    model: node.modelId,
    platform: tee.platform,
    evidence: Buffer.from(produced.evidence).toString('base64'),
    ...(produced.certificates ? { certificates: produced.certificates } : {}),
  });
  // Renew a fifth of the lifetime (at most 10 min) before expiry, between 5 s and 12 h from now.
  const untilExpiry = appraisal.expiresAt ? Date.parse(appraisal.expiresAt) - Date.now() : 0;
  const margin = Math.min(10 * 60_000, untilExpiry / 5);
  const renewInMs = Math.max(5_000, Math.min(12 * 3600_000, untilExpiry - margin));
  return { ...appraisal, renewInMs };
}

/**
 * Evidence from a command (`--tee-evidence-command`): it runs in a shell with the report data in
 * PARLEY_TEE_REPORT_DATA (128 hex digits) and prints the evidence, base64 or raw bytes.
 */
export function commandEvidence(command: string, certificates?: string): EvidenceSource {
  return (reportData) =>
    new Promise((resolve, reject) => {
      execFile(
        '/bin/sh',
        ['-c', command],
        {
          env: { ...process.env, PARLEY_TEE_REPORT_DATA: Buffer.from(reportData).toString('hex') },
          encoding: 'buffer',
          maxBuffer: 16 * 1024 * 1024,
          timeout: 60_000,
        },
        (error, stdout, stderr) => {
          if (error)
            return reject(
              new Error(`the evidence command failed: ${stderr.toString().trim() || error.message}`),
            );
          const text = stdout.toString('latin1').trim();
          const evidence = /^[A-Za-z0-9+/=\s]+$/.test(text) ? Buffer.from(text, 'base64') : stdout;
          resolve({ evidence: new Uint8Array(evidence), ...(certificates ? { certificates } : {}) });
        },
      );
    });
}

/**
 * DEVELOPMENT ONLY: evidence of the `sim` platform, signed with the public sim key, reporting
 * `measurement` as its code hash. Gateways refuse it unless they run with PARLEY_TEE_SIM=true.
 */
export function simAttester(measurement: Uint8Array, clock: () => number = Date.now): EvidenceSource {
  return async (reportData) => ({
    evidence: simEvidence({ measurement, reportData, debug: false, timestamp: clock() }),
  });
}
