import { z } from 'zod';

/** Atomic units as a decimal string on the wire; bigint everywhere inside. Never a JS number. */
export const atomicAmountSchema = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,77})$/, 'a non-negative whole number of atomic units, as a decimal string')
  .meta({ example: '1000000000000000000' });

export const positiveAmountSchema = atomicAmountSchema.refine(
  (value) => value !== '0',
  'must be more than 0',
);

/** `1.5` with 18 decimals → 1500000000000000000n; refuses more decimals than the asset has. */
export function parseUnits(text: string, decimals: number): bigint {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) throw new RangeError(`${JSON.stringify(text)} is not a decimal amount`);
  const fraction = match[2] ?? '';
  if (fraction.length > decimals) throw new RangeError(`${text} has more than ${decimals} decimals`);
  return BigInt(match[1] ?? '0') * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, '0') || '0');
}

/** 1500000000000000000n with 18 decimals → `1.5`. */
export function formatUnits(amount: bigint, decimals: number): string {
  const negative = amount < 0n;
  const digits = (negative ? -amount : amount).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}
