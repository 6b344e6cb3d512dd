import { z } from 'zod';
import { defineErrors, parseUnits } from '../shared/index.ts';

/**
 * Prices inference: total = base × tokens × size × utilization × tee, converted to the paying asset.
 *
 * - size = max(0.1, 1 + 0.3·log10(params / 1e9)); the 0.1 floor (reached below 1M parameters) keeps
 *   tiny models from costing nothing or less than nothing.
 * - utilization = 0.5 + 1.5·u, u = inFlight / capacity clamped to [0, 1]; capacity 0 counts as full.
 * - tee = 1.2 when served inside a TEE, else 1.
 *
 * Every factor is a fixed-point bigint with 18 decimals, rounded down, and the quote shows them, so
 * anyone can recompute the total from the breakdown. The total is rounded down once, at the very end
 * (after the asset conversion too), from the cumulative token count, so metering never leaks value.
 */

const SCALE = 10n ** 18n;
const DECIMALS = 18;
const MIN_SIZE_FACTOR = SCALE / 10n;
const TEE_FACTOR = (SCALE * 12n) / 10n;
/** Working precision of the logarithm: 60 decimals, so its internal truncations stay below 1e-58. */
const LOG_WORK = 10n ** 60n;

export const pricingErrors = {
  PRICE_ASSET_UNKNOWN: { status: 400, rpcCode: -32602, message: 'This gateway has no price for that asset.' },
} as const;
const fail = defineErrors(pricingErrors);

/**
 * log10(value) × 1e18 for a whole number value ≥ 1, computed digit by digit: the integer part is the
 * number of decimal digits minus one; for the mantissa m in [1, 10), each step raises m to the 10th
 * power and the number of whole decimal digits it gains is the next digit of the logarithm.
 *
 * Precision: every internal truncation lowers the value, so the result never exceeds the true
 * logarithm and is below it by less than 1e-18 + 1e-58: it is log10 rounded down to 18 decimals
 * (one unit lower only if the true value lies within 1e-58 above an 18-decimal step). Exact for
 * powers of ten, and the same on every machine, because it is integer arithmetic only.
 */
export function log10Fixed(value: bigint): bigint {
  if (value < 1n) throw new RangeError(`log10 needs a whole number ≥ 1, got ${value}`);
  const wholeDigits = BigInt(value.toString().length - 1);
  let mantissa = (value * LOG_WORK) / 10n ** wholeDigits;
  let fraction = 0n;
  for (let place = 0; place < DECIMALS; place++) {
    const squared = (mantissa * mantissa) / LOG_WORK;
    const fourth = (squared * squared) / LOG_WORK;
    const eighth = (fourth * fourth) / LOG_WORK;
    mantissa = (eighth * squared) / LOG_WORK;
    let digit = 0n;
    while (mantissa >= 10n * LOG_WORK) {
      mantissa /= 10n;
      digit++;
    }
    fraction = fraction * 10n + digit;
  }
  return wholeDigits * SCALE + fraction;
}

/** max(0.1, 1 + 0.3·log10(params / 1e9)) with 18 decimals, rounded down (at most 2e-18 below). */
export function sizeFactor(paramsCount: bigint): bigint {
  if (paramsCount < 1n) throw new RangeError(`a model has at least one parameter, got ${paramsCount}`);
  const log10OfBillions = log10Fixed(paramsCount) - 9n * SCALE;
  // bigint division truncates toward zero: that is rounding down wherever the clamp does not apply
  const factor = (10n * SCALE + 3n * log10OfBillions) / 10n;
  return factor < MIN_SIZE_FACTOR ? MIN_SIZE_FACTOR : factor;
}

/** 0.5 + 1.5·min(1, inFlight / capacity) with 18 decimals, rounded down; capacity ≤ 0 counts as full. */
export function utilizationFactor(inFlight: number, capacity: number): bigint {
  if (!Number.isSafeInteger(inFlight) || !Number.isSafeInteger(capacity)) {
    throw new RangeError(`inFlight and capacity must be whole numbers, got ${inFlight} and ${capacity}`);
  }
  if (capacity <= 0) return 2n * SCALE;
  const busy = BigInt(Math.min(Math.max(inFlight, 0), capacity));
  const slots = BigInt(capacity);
  return (SCALE * (slots + 3n * busy)) / (2n * slots);
}

export function teeFactor(tee: boolean): bigint {
  return tee ? TEE_FACTOR : SCALE;
}

/** How many atomic units of `to` one atomic unit of `from` is worth, as an exact ratio. */
export interface ExchangeRate {
  numerator: bigint;
  denominator: bigint;
}

/** Where exchange rates come from: a static table today, a live feed later. */
export interface PriceOracle {
  rate(from: string, to: string): ExchangeRate;
}

const usdPriceSchema = z
  .string({ error: 'a USD price per whole token as a decimal string such as "0.25", not a number' })
  .regex(/^\d+(\.\d{1,18})?$/, 'a USD price per whole token such as "0.25" (at most 18 decimals)')
  .refine((usd) => /[1-9]/.test(usd), 'a USD price must be more than 0');

const decimalsRule = 'decimals must be a whole number from 0 to 36';

/** Config table of USD prices per whole token: `{ TNZO: { usd: '0.25', decimals: 18 } }`. */
export const priceTableSchema = z.record(
  z.string().regex(/^[A-Z][A-Z0-9]{1,15}$/, 'an asset symbol such as TNZO'),
  z.strictObject({
    usd: usdPriceSchema,
    decimals: z.int({ error: decimalsRule }).min(0, decimalsRule).max(36, decimalsRule),
  }),
  {
    error: (issue) =>
      issue.code === 'invalid_key' ? 'asset symbols are upper case, such as TNZO or USDC' : undefined,
  },
);
export type PriceTable = z.infer<typeof priceTableSchema>;

export const defaultPriceTable: PriceTable = {
  TNZO: { usd: '0.25', decimals: 18 },
  USDC: { usd: '1', decimals: 6 },
  USDT: { usd: '1', decimals: 6 },
};

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** Rates from fixed USD prices; the ratio is exact (USD prices kept as 18-decimal integers). */
export class StaticPriceOracle implements PriceOracle {
  private readonly prices: Map<string, { usd: bigint; decimals: number }>;
  /** Rates asked for so far (the table is fixed, and routing asks once per provider and request). */
  private readonly rates = new Map<string, ExchangeRate>();

  constructor(table: PriceTable = defaultPriceTable) {
    const entries = Object.entries(priceTableSchema.parse(table));
    this.prices = new Map(
      entries.map(([symbol, p]) => [symbol, { usd: parseUnits(p.usd, DECIMALS), decimals: p.decimals }]),
    );
  }

  rate(from: string, to: string): ExchangeRate {
    const key = `${from}>${to}`;
    let rate = this.rates.get(key);
    if (!rate) {
      rate = Object.freeze(this.computeRate(from, to));
      this.rates.set(key, rate);
    }
    return rate;
  }

  private computeRate(from: string, to: string): ExchangeRate {
    const source = this.price(from);
    const target = this.price(to);
    if (from === to) return { numerator: 1n, denominator: 1n };
    // (usd_from / 10^dec_from) / (usd_to / 10^dec_to) atomic units of `to` per atomic unit of `from`
    const numerator = source.usd * 10n ** BigInt(target.decimals);
    const denominator = target.usd * 10n ** BigInt(source.decimals);
    const common = gcd(numerator, denominator);
    return { numerator: numerator / common, denominator: denominator / common };
  }

  private price(symbol: string): { usd: bigint; decimals: number } {
    const price = this.prices.get(symbol);
    if (!price) throw fail('PRICE_ASSET_UNKNOWN', { asset: symbol, known: [...this.prices.keys()] });
    return price;
  }
}

/** Everything a price depends on except the token count. */
export interface QuoteContext {
  /** Atomic units of `baseAsset` (18 decimals for TNZO) per token, before any factor. */
  basePricePerToken: bigint;
  /** The asset `basePricePerToken` is in; TNZO unless said otherwise. */
  baseAsset?: string;
  /** The model's parameter count, e.g. 7_000_000_000n. */
  paramsCount: bigint;
  /** Work in flight on the provider and how much it can take at once. */
  inFlight: number;
  capacity: number;
  tee: boolean;
  /** The asset the payer pays in; the total is in its atomic units. */
  asset: string;
}

export interface QuoteInput extends QuoteContext {
  tokens: number | bigint;
}

export interface Quote {
  asset: string;
  baseAsset: string;
  tokens: bigint;
  basePricePerToken: bigint;
  /** Each factor with exactly 18 decimals, e.g. '1.253529412004277049'. */
  factors: { size: string; utilization: string; tee: string };
  /** Atomic units of `asset` per atomic unit of `baseAsset`. */
  rate: ExchangeRate;
  /** floor(base × tokens × size × utilization × tee × rate), in atomic units of `asset`. */
  total: bigint;
  /** The same for one token; for display only (cumulative totals are not perToken × tokens). */
  perToken: bigint;
}

interface Terms {
  size: bigint;
  utilization: bigint;
  tee: bigint;
  rate: ExchangeRate;
  baseAsset: string;
}

/** The size factor per parameter count, remembered: the logarithm is the costly part of a price. */
const sizeFactors = new Map<bigint, bigint>();
function cachedSizeFactor(paramsCount: bigint): bigint {
  let factor = sizeFactors.get(paramsCount);
  if (factor === undefined) {
    factor = sizeFactor(paramsCount);
    if (sizeFactors.size >= 4096) sizeFactors.clear();
    sizeFactors.set(paramsCount, factor);
  }
  return factor;
}

function termsOf(context: QuoteContext, oracle: PriceOracle): Terms {
  if (context.basePricePerToken < 0n) throw new RangeError('basePricePerToken must not be negative');
  const baseAsset = context.baseAsset ?? 'TNZO';
  return {
    size: cachedSizeFactor(context.paramsCount),
    utilization: utilizationFactor(context.inFlight, context.capacity),
    tee: teeFactor(context.tee),
    rate: oracle.rate(baseAsset, context.asset),
    baseAsset,
  };
}

function tokenCount(tokens: number | bigint): bigint {
  if (typeof tokens === 'number' && !Number.isSafeInteger(tokens)) {
    throw new RangeError(`tokens must be a whole number, got ${tokens}`);
  }
  const count = BigInt(tokens);
  if (count < 0n) throw new RangeError(`tokens must not be negative, got ${count}`);
  return count;
}

const SCALE_CUBED = SCALE * SCALE * SCALE;

/**
 * The cost of n tokens under fixed terms: n × (base × every factor × rate numerator), rounded down
 * once after dividing by the factors' scale and the rate denominator. The product is exact, so
 * multiplying it out once per request changes no result, only how often the work is done.
 */
function totalFor(base: bigint, terms: Terms): (tokens: bigint) => bigint {
  const perToken = base * terms.size * terms.utilization * terms.tee * terms.rate.numerator;
  const divisor = SCALE_CUBED * terms.rate.denominator;
  return (tokens) => (perToken * tokens) / divisor;
}

function formatFactor(value: bigint): string {
  return `${value / SCALE}.${(value % SCALE).toString().padStart(DECIMALS, '0')}`;
}

export function quote(input: QuoteInput, oracle: PriceOracle): Quote {
  const terms = termsOf(input, oracle);
  const tokens = tokenCount(input.tokens);
  const total = totalFor(input.basePricePerToken, terms);
  return {
    asset: input.asset,
    baseAsset: terms.baseAsset,
    tokens,
    basePricePerToken: input.basePricePerToken,
    factors: {
      size: formatFactor(terms.size),
      utilization: formatFactor(terms.utilization),
      tee: formatFactor(terms.tee),
    },
    rate: terms.rate,
    total: total(tokens),
    perToken: total(1n),
  };
}

/**
 * The cumulative cost of `cumulativeTokens` tokens under one context, for the channel `Meter`'s
 * `costOf`. Factors and the rate are fixed when this is called, so one request keeps one price.
 */
export function costOfTokens(
  context: QuoteContext,
  oracle: PriceOracle,
): (cumulativeTokens: number) => bigint {
  const total = totalFor(context.basePricePerToken, termsOf(context, oracle));
  return (cumulativeTokens) => total(tokenCount(cumulativeTokens));
}
