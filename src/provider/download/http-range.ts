/** What a server said about the bytes it sent (206) or could not send (416), from `Content-Range`. */
export type ContentRange =
  | { kind: 'range'; start: number; end: number; total: number | null }
  | { kind: 'unsatisfied'; total: number };

const rangePattern = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i;
const unsatisfiedPattern = /^bytes\s+\*\/(\d+)$/i;

/** Parses a `Content-Range` header (RFC 9110 §14.4); null when absent or malformed. */
export function parseContentRange(header: string | null): ContentRange | null {
  if (header === null) return null;
  const value = header.trim();
  const range = rangePattern.exec(value);
  if (range) {
    const start = Number(range[1]);
    const end = Number(range[2]);
    const total = range[3] === '*' ? null : Number(range[3]);
    if (end < start || (total !== null && end >= total)) return null;
    return { kind: 'range', start, end, total };
  }
  const unsatisfied = unsatisfiedPattern.exec(value);
  if (unsatisfied) return { kind: 'unsatisfied', total: Number(unsatisfied[1]) };
  return null;
}

/** The validators that identify one version of the remote file. */
export interface Validators {
  etag?: string | undefined;
  lastModified?: string | undefined;
}

export function validatorsOf(response: Response): Validators {
  return {
    etag: response.headers.get('etag') ?? undefined,
    lastModified: response.headers.get('last-modified') ?? undefined,
  };
}

/**
 * The headers that ask for the rest of a file from `offset`, but only if it is still the same file:
 * If-Range makes the server send the whole new file (200) instead of a range of a changed one.
 * RFC 9110 forbids weak ETags in If-Range, so those fall back to Last-Modified.
 */
export function resumeHeaders(offset: number, validators: Validators): Record<string, string> {
  const headers: Record<string, string> = { range: `bytes=${offset}-` };
  const { etag, lastModified } = validators;
  if (etag && !etag.startsWith('W/')) headers['if-range'] = etag;
  else if (lastModified) headers['if-range'] = lastModified;
  return headers;
}

/** Statuses worth asking again for: the server or something between was busy or briefly broken. */
const transientStatuses = new Set([408, 425, 429, 500, 502, 503, 504]);

export function isTransientStatus(status: number): boolean {
  return transientStatuses.has(status);
}
