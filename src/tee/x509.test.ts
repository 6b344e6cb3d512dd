import { describe, expect, it } from 'vitest';
import { CheckList } from './appraisal.ts';
import { issueCertificate, issueChain, issueCrl } from './testing-pki.ts';
import { appraiseChain, appraiseRevocation } from './x509.ts';

const at = Date.UTC(2030, 0, 1);
const failedOf = (checks: CheckList) => checks.appraisal('nitro', {}, at).failed;

describe('certificate chains', () => {
  const { root, intermediate, leaf } = issueChain();

  it('accept a chain that ends at, or is issued by, a pinned root', () => {
    for (const chain of [
      [leaf.cert, intermediate.cert, root.cert],
      [leaf.cert, intermediate.cert],
    ]) {
      const checks = new CheckList();
      expect(appraiseChain(checks, chain, [root.cert], at).path).toHaveLength(3);
      expect(failedOf(checks)).toEqual([]);
    }
  });

  it('reject a chain to another root, a missing link and a certificate outside its validity', () => {
    const other = issueCertificate({ subject: 'Other Root', ca: true });
    const unpinned = new CheckList();
    appraiseChain(unpinned, [leaf.cert, intermediate.cert, root.cert], [other.cert], at);
    expect(failedOf(unpinned)).toEqual(['pinned-root']);

    const gap = new CheckList();
    appraiseChain(gap, [leaf.cert], [root.cert], at);
    expect(failedOf(gap)).toEqual(['pinned-root']);

    const expired = new CheckList();
    appraiseChain(expired, [leaf.cert, intermediate.cert], [root.cert], Date.UTC(2041, 0, 1));
    expect(failedOf(expired)).toEqual(['certificate-validity']);
  });

  it('reject a leaf signed by a non-CA certificate', () => {
    const impostor = issueCertificate({ subject: 'Leaf Child', issuer: leaf });
    const checks = new CheckList();
    appraiseChain(checks, [impostor.cert, leaf.cert, intermediate.cert], [root.cert], at);
    expect(failedOf(checks)).toEqual(['certificate-chain']);
  });
});

describe('revocation', () => {
  const { root, intermediate, leaf } = issueChain();
  const path = [leaf.cert, intermediate.cert, root.cert];
  const current = [new Date(Date.UTC(2029, 11, 1)), new Date(Date.UTC(2030, 1, 1))] as const;

  it('passes when the issuer’s CRL lists nothing on the chain', () => {
    const checks = new CheckList();
    appraiseRevocation(checks, path, [issueCrl(intermediate, [], ...current)], at);
    expect(failedOf(checks)).toEqual([]);
  });

  it('fails a revoked certificate, a stale CRL and a CRL from outside the chain', () => {
    const revoked = new CheckList();
    appraiseRevocation(revoked, path, [issueCrl(intermediate, [leaf], ...current)], at);
    expect(failedOf(revoked)).toEqual(['revocation']);

    const stale = new CheckList();
    appraiseRevocation(
      stale,
      path,
      [issueCrl(root, [], new Date(Date.UTC(2028, 0, 1)), new Date(Date.UTC(2028, 1, 1)))],
      at,
    );
    expect(failedOf(stale)).toEqual(['revocation']);

    const stranger = issueCertificate({ subject: 'Stranger CA', ca: true });
    const foreign = new CheckList();
    appraiseRevocation(foreign, path, [issueCrl(stranger, [leaf], ...current)], at);
    expect(failedOf(foreign)).toEqual(['revocation']);
  });
});
