import { describe, expect, it } from 'vitest';
import { isTransientStatus, parseContentRange, resumeHeaders } from './http-range.ts';

describe('HTTP range helpers', () => {
  it('parses the Content-Range forms of 206 and 416 and rejects nonsense', () => {
    expect(parseContentRange('bytes 100-199/200')).toEqual({
      kind: 'range',
      start: 100,
      end: 199,
      total: 200,
    });
    expect(parseContentRange('bytes 0-9/*')).toEqual({ kind: 'range', start: 0, end: 9, total: null });
    expect(parseContentRange('bytes */4096')).toEqual({ kind: 'unsatisfied', total: 4096 });
    for (const bad of [null, '', 'bytes 10-5/20', 'bytes 0-20/20', 'items 0-1/2', 'bytes=0-1/2']) {
      expect(parseContentRange(bad)).toBeNull();
    }
  });

  it('asks for the rest only of the same version, preferring a strong ETag', () => {
    const lastModified = 'Wed, 01 Jan 2026 00:00:00 GMT';
    expect(resumeHeaders(42, { etag: '"abc"', lastModified })).toEqual({
      range: 'bytes=42-',
      'if-range': '"abc"',
    });
    expect(resumeHeaders(42, { etag: 'W/"abc"', lastModified })).toEqual({
      range: 'bytes=42-',
      'if-range': lastModified,
    });
    expect(resumeHeaders(42, {})).toEqual({ range: 'bytes=42-' });
  });

  it('retries only statuses that may pass', () => {
    expect([408, 429, 500, 502, 503, 504].every(isTransientStatus)).toBe(true);
    expect([400, 401, 403, 404, 410, 501].some(isTransientStatus)).toBe(false);
  });
});
