import { z } from 'zod';
import type { CheckList } from './appraisal.ts';
import { bytesEqual, EvidenceFormatError, fromHex, toHex } from './bytes.ts';
import { intelSgxRootCaPem, trustAnchors } from './roots.ts';
import type { PckExtensions } from './tdx-pck.ts';
import type { TdxQuote } from './tdx-quote.ts';
import type { TdxCollateral, VerifyOptions } from './verifier.ts';
import { appraiseChain, findLeaf, orderChain, parseCertificates, rawEcdsaValid } from './x509.ts';

const svn = z.object({ svn: z.number().int() });
const hexText = z.string().regex(/^[0-9a-fA-F]*$/);

/** Intel PCS TCB info v3 for TDX (only the fields the appraisal reads). */
const tcbInfoSchema = z.object({
  id: z.literal('TDX'),
  version: z.literal(3),
  issueDate: z.iso.datetime(),
  nextUpdate: z.iso.datetime(),
  fmspc: hexText,
  pceId: hexText,
  tdxModule: z.object({ mrsigner: hexText, attributes: hexText, attributesMask: hexText }),
  tcbLevels: z.array(
    z.object({
      tcb: z.object({
        sgxtcbcomponents: z.array(svn).length(16),
        pcesvn: z.number().int(),
        tdxtcbcomponents: z.array(svn).length(16),
      }),
      tcbStatus: z.string(),
      advisoryIDs: z.array(z.string()).optional(),
    }),
  ),
});

/** Intel PCS QE identity v2 for the TD quoting enclave. */
const qeIdentitySchema = z.object({
  id: z.literal('TD_QE'),
  issueDate: z.iso.datetime(),
  nextUpdate: z.iso.datetime(),
  miscselect: hexText,
  miscselectMask: hexText,
  attributes: hexText,
  attributesMask: hexText,
  mrsigner: hexText,
  isvprodid: z.number().int(),
  tcbLevels: z.array(z.object({ tcb: z.object({ isvsvn: z.number().int() }), tcbStatus: z.string() })),
});

/**
 * Splits a PCS body into the exact text that was signed and the signature: the signature covers
 * the bytes of the inner object as served, so the body is never re-serialized.
 */
function signedBody(text: string, member: string): { signed: string; signature: Uint8Array } {
  const match = new RegExp(`^\\{"${member}":([\\s\\S]*),"signature":"([0-9a-fA-F]+)"\\}$`).exec(text.trim());
  if (!match) throw new EvidenceFormatError(`not a PCS ${member} body`);
  return { signed: match[1] as string, signature: fromHex(match[2] as string) };
}

const masked = (value: Uint8Array, mask: Uint8Array) => value.map((byte, i) => byte & (mask[i] ?? 0));

function current(checks: string[], issueDate: string, nextUpdate: string, now: number, what: string): void {
  if (now < Date.parse(issueDate) || now > Date.parse(nextUpdate))
    checks.push(`${what} is valid ${issueDate} … ${nextUpdate}, not at ${new Date(now).toISOString()}`);
}

export interface CollateralVerdict {
  tcbStatus: string | null;
  advisoryIds: string[];
}

function appraiseTcbInfo(
  checks: CheckList,
  collateral: TdxCollateral,
  text: string,
  quote: TdxQuote,
  pck: PckExtensions | undefined,
  now: number,
): CollateralVerdict {
  const verdict: CollateralVerdict = { tcbStatus: null, advisoryIds: [] };
  checks.attempt('tcb-info', () => {
    if (!pck) throw new Error('the PCK extensions are unreadable');
    const info = tcbInfoSchema.parse(JSON.parse(signedBody(text, 'tcbInfo').signed));
    const problems: string[] = [];
    current(problems, info.issueDate, info.nextUpdate, now, 'TCB info');
    checks.expiresNoLaterThan(Date.parse(info.nextUpdate));
    if (info.fmspc.toLowerCase() !== toHex(pck.fmspc)) problems.push(`TCB info is for FMSPC ${info.fmspc}`);
    if (info.pceId.toLowerCase() !== toHex(pck.pceId)) problems.push(`TCB info is for PCE ${info.pceId}`);
    if (!bytesEqual(fromHex(info.tdxModule.mrsigner), quote.td.mrSignerSeam))
      problems.push('MRSIGNERSEAM is not the TDX module signer in TCB info');
    const mask = fromHex(info.tdxModule.attributesMask);
    if (!bytesEqual(masked(quote.td.seamAttributes, mask), masked(fromHex(info.tdxModule.attributes), mask)))
      problems.push('SEAM attributes differ from TCB info');
    const level = info.tcbLevels.find(
      ({ tcb }) =>
        tcb.sgxtcbcomponents.every((c, i) => c.svn <= (pck.tcbComponents[i] ?? -1)) &&
        tcb.pcesvn <= pck.pceSvn &&
        tcb.tdxtcbcomponents.every((c, i) => c.svn <= (quote.td.teeTcbSvn[i] ?? -1)),
    );
    const accepted = collateral.acceptedTcbStatuses ?? ['UpToDate'];
    if (!level)
      problems.push(
        `no TCB level in TCB info matches this platform (SGX components ${pck.tcbComponents.join(',')}, PCESVN ${pck.pceSvn}, TEE TCB SVN ${[...quote.td.teeTcbSvn].join(',')})`,
      );
    else {
      verdict.tcbStatus = level.tcbStatus;
      verdict.advisoryIds = level.advisoryIDs ?? [];
      if (!accepted.includes(level.tcbStatus)) problems.push(`platform TCB status is ${level.tcbStatus}`);
    }
    if (problems.length > 0) throw new Error(problems.join('; '));
    return `FMSPC ${info.fmspc}: ${verdict.tcbStatus}`;
  });
  return verdict;
}

function appraiseQeIdentity(
  checks: CheckList,
  collateral: TdxCollateral,
  text: string,
  quote: TdxQuote,
  now: number,
) {
  checks.attempt('qe-identity', () => {
    const identity = qeIdentitySchema.parse(JSON.parse(signedBody(text, 'enclaveIdentity').signed));
    const qe = quote.qeReport;
    const problems: string[] = [];
    current(problems, identity.issueDate, identity.nextUpdate, now, 'QE identity');
    checks.expiresNoLaterThan(Date.parse(identity.nextUpdate));
    if (!bytesEqual(fromHex(identity.mrsigner), qe.mrSigner))
      problems.push('the QE is signed by another MRSIGNER');
    if (identity.isvprodid !== qe.isvProdId)
      problems.push(`QE product ${qe.isvProdId} is not ${identity.isvprodid}`);
    const miscMask = Number.parseInt(identity.miscselectMask, 16);
    if ((qe.miscSelect & miscMask) >>> 0 !== (Number.parseInt(identity.miscselect, 16) & miscMask) >>> 0)
      problems.push('QE MISCSELECT differs');
    const attrMask = fromHex(identity.attributesMask);
    if (!bytesEqual(masked(qe.attributes, attrMask), masked(fromHex(identity.attributes), attrMask)))
      problems.push('QE attributes differ');
    const level = identity.tcbLevels.find(({ tcb }) => tcb.isvsvn <= qe.isvSvn);
    const accepted = collateral.acceptedTcbStatuses ?? ['UpToDate'];
    if (!level) problems.push(`QE ISVSVN ${qe.isvSvn} is below every known level`);
    else if (!accepted.includes(level.tcbStatus)) problems.push(`QE TCB status is ${level.tcbStatus}`);
    if (problems.length > 0) throw new Error(problems.join('; '));
    return `QE ISVSVN ${qe.isvSvn}: ${level?.tcbStatus}`;
  });
}

/**
 * Appraises the quote against Intel collateral the operator supplied: the signatures on TCB info
 * and QE identity (by the TCB Signing certificate, chained to the pinned root), the platform's TCB
 * level and the quoting enclave's identity. Nothing is checked when no collateral was supplied.
 */
export function appraiseTdxCollateral(
  checks: CheckList,
  quote: TdxQuote,
  pck: PckExtensions | undefined,
  options: VerifyOptions,
): CollateralVerdict {
  const collateral = options.tdxCollateral;
  const none: CollateralVerdict = { tcbStatus: null, advisoryIds: [] };
  if (!collateral || (collateral.tcbInfo === undefined && collateral.qeIdentity === undefined)) return none;
  const now = options.clock.now();
  checks.attempt('collateral-signature', () => {
    if (!collateral.issuerChain) throw new Error('no issuer chain for the collateral was supplied');
    const certs = parseCertificates(collateral.issuerChain);
    const signer = findLeaf(certs);
    if (!signer) throw new Error('the issuer chain is empty');
    const roots = trustAnchors([intelSgxRootCaPem], options.roots);
    appraiseChain(checks, orderChain(signer, certs), roots, now, 'collateral-');
    for (const [text, member] of [
      [collateral.tcbInfo, 'tcbInfo'],
      [collateral.qeIdentity, 'enclaveIdentity'],
    ] as const) {
      if (text === undefined) continue;
      const { signed, signature } = signedBody(text, member);
      if (!rawEcdsaValid('sha256', Buffer.from(signed), signer, signature))
        throw new Error(`the ${member} signature does not verify`);
    }
    return undefined;
  });
  const verdict = collateral.tcbInfo
    ? appraiseTcbInfo(checks, collateral, collateral.tcbInfo, quote, pck, now)
    : none;
  if (collateral.qeIdentity) appraiseQeIdentity(checks, collateral, collateral.qeIdentity, quote, now);
  return verdict;
}
