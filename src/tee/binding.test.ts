import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../shared/index.ts';
import { CheckList } from './appraisal.ts';
import { expectedBinding, teeBindingTag } from './binding.ts';
import { appraiseBinding, boundValueMatches } from './policy.ts';

const providerKey = new Uint8Array(32).fill(1);
const modelSha256 = new Uint8Array(32).fill(2);
const nonce = new Uint8Array(32).fill(3);

describe('expectedBinding', () => {
  it('is SHA-256 of the tag, provider key, model hash and nonce', () => {
    const reference = createHash('sha256')
      .update(teeBindingTag)
      .update(providerKey)
      .update(modelSha256)
      .update(nonce)
      .digest();
    expect(Buffer.from(expectedBinding({ providerKey, modelSha256, nonce }))).toEqual(reference);
    expect(teeBindingTag).toBe('parley/tee-binding/v1');
  });

  it('changes with every input, so evidence for one provider, model or challenge fits no other', () => {
    const base = expectedBinding({ providerKey, modelSha256, nonce });
    const variants = [
      expectedBinding({ providerKey: new Uint8Array(32).fill(9), modelSha256, nonce }),
      expectedBinding({ providerKey, modelSha256: new Uint8Array(32).fill(9), nonce }),
      expectedBinding({ providerKey, modelSha256, nonce: new Uint8Array(32).fill(9) }),
    ];
    for (const variant of variants) expect(Buffer.from(variant).equals(Buffer.from(base))).toBe(false);
  });

  it('refuses inputs of the wrong length, which would make the concatenation ambiguous', () => {
    expect(() => expectedBinding({ providerKey: new Uint8Array(31), modelSha256, nonce })).toThrow(
      /providerKey/,
    );
    expect(() => expectedBinding({ providerKey, modelSha256, nonce: new Uint8Array(16) })).toThrow(/nonce/);
  });

  it('fills the first half of 64-byte report data, the rest zero', () => {
    const binding = expectedBinding({ providerKey, modelSha256, nonce });
    const reportData = new Uint8Array(64);
    reportData.set(binding);
    expect(boundValueMatches(reportData, binding)).toBe(true);
    reportData[40] = 1;
    expect(boundValueMatches(reportData, binding)).toBe(false);
  });
});

describe('appraiseBinding', () => {
  it('fails evidence that nothing was expected of, since it could be a replay', () => {
    const checks = new CheckList();
    appraiseBinding(checks, [{ name: 'report-data', actual: new Uint8Array(64), expected: undefined }]);
    const appraisal = checks.appraisal('tdx', {}, new ManualClock().now());
    expect(appraisal).toMatchObject({ valid: false, failed: ['report-data'] });
  });
});
