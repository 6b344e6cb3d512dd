import { timingSafeEqual } from 'node:crypto';

/** Evidence that cannot be read at all: too short, a wrong length field, an unknown structure. */
export class EvidenceFormatError extends Error {
  override readonly name = 'EvidenceFormatError';
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function fromHex(text: string): Uint8Array {
  const clean = text.trim();
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) throw new EvidenceFormatError('not hex');
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

/** Constant-time equality; different lengths are simply unequal. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function isAllZero(bytes: Uint8Array): boolean {
  return bytes.every((byte) => byte === 0);
}

/** Reads little-endian fields in order, failing with a named field instead of reading past the end. */
export class ByteReader {
  private position = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {}

  get offset(): number {
    return this.position;
  }

  get remaining(): number {
    return this.bytes.length - this.position;
  }

  take(length: number, field: string): Uint8Array {
    if (length < 0 || this.position + length > this.bytes.length)
      throw new EvidenceFormatError(
        `${this.what} ends inside ${field} (needs ${length} bytes at offset ${this.position}, has ${this.remaining})`,
      );
    const slice = this.bytes.subarray(this.position, this.position + length);
    this.position += length;
    return slice;
  }

  u8(field: string): number {
    return this.take(1, field)[0] as number;
  }

  u16(field: string): number {
    return Buffer.from(this.take(2, field)).readUInt16LE(0);
  }

  u24(field: string): number {
    const b = this.take(3, field);
    return (b[0] as number) | ((b[1] as number) << 8) | ((b[2] as number) << 16);
  }

  u32(field: string): number {
    return Buffer.from(this.take(4, field)).readUInt32LE(0);
  }

  u64(field: string): bigint {
    return Buffer.from(this.take(8, field)).readBigUInt64LE(0);
  }

  skipTo(offset: number, field: string): void {
    if (offset < this.position) throw new EvidenceFormatError(`${this.what}: ${field} is behind the cursor`);
    this.take(offset - this.position, field);
  }
}
