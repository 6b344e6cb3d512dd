import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ManualClock } from './clock.ts';
import { AppError, defineErrors, schemaFailure } from './errors.ts';
import { randomId, seededRng } from './random.ts';

describe('seededRng', () => {
  it('repeats for the same seed and differs across seeds, however the bytes are requested', () => {
    const whole = seededRng('a').bytes(100);
    const pieces = seededRng('a');
    const joined = new Uint8Array([...pieces.bytes(7), ...pieces.bytes(60), ...pieces.bytes(33)]);
    expect(joined).toEqual(whole);
    expect(seededRng('b').bytes(100)).not.toEqual(whole);
    expect(randomId(seededRng('a'))).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('ManualClock', () => {
  it('moves only forward and only when told', () => {
    const clock = new ManualClock(1000);
    clock.advance(500);
    expect(clock.now()).toBe(1500);
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });
});

describe('defineErrors', () => {
  it('builds AppErrors from an area table, with the default or a specific message', () => {
    const fail = defineErrors({ THING_MISSING: { status: 404, rpcCode: -32004, message: 'No such thing.' } });
    const error = fail('THING_MISSING', { id: 'x' });
    expect(error).toBeInstanceOf(AppError);
    expect(error.toBody()).toEqual({
      error: {
        code: 'THING_MISSING',
        message: 'No such thing.',
        type: 'not_found_error',
        param: null,
        details: { id: 'x' },
      },
    });
    expect(error.status).toBe(404);
    expect(error.rpcCode).toBe(-32004);
    expect(fail('THING_MISSING', {}, 'Thing x is gone.').message).toBe('Thing x is gone.');
  });
});

describe('schemaFailure', () => {
  it('lists every issue and names the first in the message, counting the rest', () => {
    const result = z
      .object({ a: z.number(), b: z.object({ c: z.string() }) })
      .safeParse({ a: 'x', b: { c: 1 } });
    const { details, message } = schemaFailure(result.error?.issues ?? []);
    expect(details.issues).toEqual([
      expect.objectContaining({ path: 'a', code: 'invalid_type' }),
      expect.objectContaining({ path: 'b.c', code: 'invalid_type' }),
    ]);
    expect(message).toMatch(/^The request does not match the schema\. a: .+ \(and 1 more\)$/);
    const root = schemaFailure(z.string().safeParse(1).error?.issues ?? []);
    expect(root.message).toMatch(/schema\. body: /);
    expect(schemaFailure([]).message).toBe('The request does not match the schema.');
  });
});
