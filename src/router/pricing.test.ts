import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError, parseUnits } from '../shared/index.ts';
import {
  costOfTokens,
  log10Fixed,
  priceTableSchema,
  type QuoteContext,
  quote,
  StaticPriceOracle,
  sizeFactor,
  utilizationFactor,
} from './pricing.ts';

const ONE = 10n ** 18n;
const MICRO_TNZO = 10n ** 12n; // 0.000001 TNZO per token
const oracle = new StaticPriceOracle(); // TNZO $0.25 (18 decimals), USDC and USDT $1 (6 decimals)

const context = (overrides: Partial<QuoteContext> = {}): QuoteContext => ({
  basePricePerToken: MICRO_TNZO,
  paramsCount: 1_000_000_000n,
  inFlight: 0,
  capacity: 8,
  tee: false,
  asset: 'TNZO',
  ...overrides,
});

describe('log10Fixed', () => {
  it('is exact for powers of ten', () => {
    expect(log10Fixed(1n)).toBe(0n);
    expect(log10Fixed(10n)).toBe(ONE);
    expect(log10Fixed(1_000_000_000n)).toBe(9n * ONE);
    expect(log10Fixed(10n ** 40n)).toBe(40n * ONE);
  });

  it('rounds the logarithm down to 18 decimals', () => {
    // log10(2) = 0.301029995663981195213…, log10(3) = 0.477121254719662437295…
    // log10(5) = 0.698970004336018804786…, log10(7) = 0.845098040014256830712…
    expect(log10Fixed(2n)).toBe(301029995663981195n);
    expect(log10Fixed(3n)).toBe(477121254719662437n);
    expect(log10Fixed(5n)).toBe(698970004336018804n);
    expect(log10Fixed(7n)).toBe(845098040014256830n);
    expect(log10Fixed(70_000_000_000n)).toBe(10n * ONE + 845098040014256830n);
    expect(() => log10Fixed(0n)).toThrow(RangeError);
  });

  it('agrees with floating point, is monotonic and shifts by whole units per factor of ten', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 15n }),
        fc.bigInt({ min: 1n, max: 10n ** 15n }),
        (a, b) => {
          const logA = log10Fixed(a);
          expect(Math.abs(Number(logA) / 1e18 - Math.log10(Number(a)))).toBeLessThan(1e-12);
          expect(log10Fixed(a * 10n ** 7n)).toBe(logA + 7n * ONE);
          expect(a <= b ? logA <= log10Fixed(b) : logA >= log10Fixed(b)).toBe(true);
          // each side is rounded down by less than one unit, so they differ by at most 2
          const gap = logA + log10Fixed(b) - log10Fixed(a * b);
          expect(gap >= -2n && gap <= 2n).toBe(true);
        },
      ),
    );
  });
});

describe('sizeFactor', () => {
  it('is 1 + 0.3·log10(params in billions)', () => {
    expect(sizeFactor(1_000_000_000n)).toBe(ONE);
    expect(sizeFactor(10_000_000_000n)).toBe(1_300_000_000_000_000_000n);
    expect(sizeFactor(100_000_000_000n)).toBe(1_600_000_000_000_000_000n);
    // 1 + 0.3 × 0.845098040014256830 = 1.253529412004277049
    expect(sizeFactor(7_000_000_000n)).toBe(1_253_529_412_004_277_049n);
    expect(Math.abs(Number(sizeFactor(7_000_000_000n)) / 1e18 / (1 + 0.3 * Math.log10(7)) - 1)).toBeLessThan(
      1e-12,
    );
  });

  it('falls below 1 for models under 1B and is clamped at 0.1', () => {
    // 1 + 0.3 × (0.698970004336018804 − 1) = 0.9096910013008056412 → rounded down
    expect(sizeFactor(500_000_000n)).toBe(909_691_001_300_805_641n);
    expect(sizeFactor(1_000_000n)).toBe(ONE / 10n); // 1 + 0.3 × −3 = 0.1 exactly
    expect(sizeFactor(999_999n)).toBe(ONE / 10n);
    expect(sizeFactor(1n)).toBe(ONE / 10n);
    expect(() => sizeFactor(0n)).toThrow(RangeError);
  });
});

describe('utilizationFactor', () => {
  it('is 0.5 + 1.5·inFlight/capacity, clamped to [0, 1]', () => {
    expect(utilizationFactor(0, 8)).toBe(ONE / 2n);
    expect(utilizationFactor(4, 8)).toBe(1_250_000_000_000_000_000n);
    expect(utilizationFactor(8, 8)).toBe(2n * ONE);
    expect(utilizationFactor(12, 8)).toBe(2n * ONE);
    expect(utilizationFactor(-3, 8)).toBe(ONE / 2n);
    expect(utilizationFactor(0, 0)).toBe(2n * ONE); // no capacity counts as fully utilized
    expect(utilizationFactor(1, 3)).toBe(ONE);
    // 0.5 + 1.5/7 = 0.714285714285714285714… → rounded down
    expect(utilizationFactor(1, 7)).toBe(714_285_714_285_714_285n);
    expect(() => utilizationFactor(0.5, 8)).toThrow(RangeError);
    expect(() => utilizationFactor(1, Number.NaN)).toThrow(RangeError);
  });
});

describe('quote', () => {
  it('prices a 1B model on an idle provider without a TEE at half the base', () => {
    // 10^12 × 1000 tokens × size 1 × (0.5 + 1.5 × 0/8) × 1 = 5 × 10^14
    const result = quote({ ...context(), tokens: 1000 }, oracle);
    expect(result).toEqual({
      asset: 'TNZO',
      baseAsset: 'TNZO',
      tokens: 1000n,
      basePricePerToken: MICRO_TNZO,
      factors: {
        size: '1.000000000000000000',
        utilization: '0.500000000000000000',
        tee: '1.000000000000000000',
      },
      rate: { numerator: 1n, denominator: 1n },
      total: 500_000_000_000_000n,
      perToken: 500_000_000_000n,
    });
  });

  it('prices a 7B model at 50% utilization in a TEE', () => {
    // size 1.253529412004277049, utilization 0.5 + 1.5 × 4/8 = 1.25, TEE 1.2
    // 10^12 × 1000 × 1.253529412004277049 × 1.25 × 1.2 = 10^15 × 1.8802941180064155735
    //   = 1880294118006415.5735 → 1880294118006415
    const result = quote(
      { ...context({ paramsCount: 7_000_000_000n, inFlight: 4, tee: true }), tokens: 1000n },
      oracle,
    );
    expect(result.factors).toEqual({
      size: '1.253529412004277049',
      utilization: '1.250000000000000000',
      tee: '1.200000000000000000',
    });
    expect(result.total).toBe(1_880_294_118_006_415n);
    expect(result.perToken).toBe(1_880_294_118_006n); // 1880294118006.4155735 rounded down
  });

  it('prices a 70B model at full utilization, clamping work beyond capacity', () => {
    // size 1 + 0.3 × 1.845098040014256830 = 1.553529412004277049, utilization 0.5 + 1.5 × min(1, 12/8) = 2
    // 10^12 × 1000 × 1.553529412004277049 × 2 = 3107058824008554.098 → 3107058824008554
    const result = quote(
      { ...context({ paramsCount: 70_000_000_000n, inFlight: 12 }), tokens: 1000 },
      oracle,
    );
    expect(result.factors.utilization).toBe('2.000000000000000000');
    expect(result.total).toBe(3_107_058_824_008_554n);
  });

  it('rounds down once, at the end, from the cumulative token count', () => {
    // base 1 atomic unit × 0.5: every token is worth half a unit
    const costOf = costOfTokens(context({ basePricePerToken: 1n }), oracle);
    expect([0, 1, 2, 3, 4, 5].map(costOf)).toEqual([0n, 0n, 1n, 1n, 2n, 2n]);
    expect(quote({ ...context({ basePricePerToken: 1n }), tokens: 5 }, oracle).perToken).toBe(0n);
    expect(() => costOf(-1)).toThrow(RangeError);
    expect(() => costOf(1.5)).toThrow(RangeError);
  });

  it('converts to the paying asset inside the single rounding', () => {
    // 1 TNZO per token, all factors 1 (1B params, utilization 0.5 + 1.5 × 1/3 = 1): 1 TNZO at $0.25 = 250000 µUSDC
    const unit = context({ basePricePerToken: ONE, inFlight: 1, capacity: 3, asset: 'USDC' });
    expect(quote({ ...unit, tokens: 1 }, oracle).total).toBe(250_000n);
    // 5 × 10^11 TNZO atomic per token = 0.125 µUSDC: 0 for one token, but 1000 tokens are 125 µUSDC
    const result = quote({ ...context({ asset: 'USDC' }), tokens: 1000 }, oracle);
    expect(result.rate).toEqual({ numerator: 1n, denominator: 4_000_000_000_000n });
    expect(result.perToken).toBe(0n);
    expect(result.total).toBe(125n);
    // 1880294118006415.5735 TNZO atomic / 4 × 10^12 = 470.07… µUSDC
    const sevenB = context({ paramsCount: 7_000_000_000n, inFlight: 4, tee: true, asset: 'USDC' });
    expect(quote({ ...sevenB, tokens: 1000 }, oracle).total).toBe(470n);
    // USDC at $3 against TNZO at $1: 1 TNZO = 333333.33… µUSDC → 333333
    const thirds = new StaticPriceOracle({
      TNZO: { usd: '1', decimals: 18 },
      USDC: { usd: '3', decimals: 6 },
    });
    expect(quote({ ...unit, tokens: 1 }, thirds).total).toBe(333_333n);
  });

  it('refuses assets the oracle has no price for', () => {
    expect(() => quote({ ...context({ asset: 'DOGE' }), tokens: 1 }, oracle)).toThrow(AppError);
  });
});

describe('StaticPriceOracle', () => {
  it('gives exact rates between assets of different decimals', () => {
    const tnzoToUsdc = oracle.rate('TNZO', 'USDC');
    // 1 TNZO = 10^18 atomic at $0.25 → 250000 µUSDC
    expect((ONE * tnzoToUsdc.numerator) / tnzoToUsdc.denominator).toBe(250_000n);
    // 1 USDC = 10^6 atomic at $1 → 4 TNZO = 4 × 10^18 atomic
    expect(oracle.rate('USDC', 'TNZO')).toEqual({ numerator: 4_000_000_000_000n, denominator: 1n });
    expect(oracle.rate('USDC', 'USDT')).toEqual({ numerator: 1n, denominator: 1n });
    expect(oracle.rate('TNZO', 'TNZO')).toEqual({ numerator: 1n, denominator: 1n });
    // TNZO at $0.333: 1 TNZO → 333000 µUSDC
    const odd = new StaticPriceOracle({
      TNZO: { usd: '0.333', decimals: 18 },
      USDC: { usd: '1', decimals: 6 },
    });
    const rate = odd.rate('TNZO', 'USDC');
    expect((ONE * rate.numerator) / rate.denominator).toBe(333_000n);
  });

  it('names the unknown asset', () => {
    try {
      oracle.rate('TNZO', 'DOGE');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: 'PRICE_ASSET_UNKNOWN', status: 400, details: { asset: 'DOGE' } });
    }
  });
});

describe('priceTableSchema', () => {
  const firstIssue = (table: unknown) => priceTableSchema.safeParse(table).error?.issues[0];

  it('accepts decimal-string prices and points at each bad entry', () => {
    expect(priceTableSchema.parse({ TNZO: { usd: '0.25', decimals: 18 } })).toEqual({
      TNZO: { usd: '0.25', decimals: 18 },
    });
    expect(firstIssue({ TNZO: { usd: 0.25, decimals: 18 } })).toMatchObject({
      path: ['TNZO', 'usd'],
      message: expect.stringContaining('decimal string'),
    });
    expect(firstIssue({ USDC: { usd: '0', decimals: 6 } })).toMatchObject({
      path: ['USDC', 'usd'],
      message: 'a USD price must be more than 0',
    });
    expect(firstIssue({ USDC: { usd: '1', decimals: 6.5 } })?.path).toEqual(['USDC', 'decimals']);
    expect(firstIssue({ usdc: { usd: '1', decimals: 6 } })).toMatchObject({
      path: ['usdc'],
      message: expect.stringContaining('upper case'),
    });
    expect(() => new StaticPriceOracle({ TNZO: { usd: '1e-3', decimals: 18 } })).toThrow(/0\.25/);
  });
});

describe('pricing properties', () => {
  const contexts = fc.record({
    basePricePerToken: fc.bigInt({ min: 0n, max: 10n ** 15n }),
    paramsCount: fc.bigInt({ min: 1n, max: 10n ** 13n }),
    inFlight: fc.integer({ min: -5, max: 200 }),
    capacity: fc.integer({ min: 0, max: 100 }),
    tee: fc.boolean(),
    asset: fc.constantFrom('TNZO', 'USDC', 'USDT'),
  });
  const tokenCounts = fc.integer({ min: 0, max: 10_000_000 });

  it('never charges more than the exact value, nor a whole unit less', () => {
    fc.assert(
      fc.property(contexts, tokenCounts, (priced, tokens) => {
        const result = quote({ ...priced, tokens }, oracle);
        const { size, utilization, tee } = result.factors;
        const exact =
          result.basePricePerToken *
          result.tokens *
          parseUnits(size, 18) *
          parseUnits(utilization, 18) *
          parseUnits(tee, 18) *
          result.rate.numerator;
        const divisor = ONE * ONE * ONE * result.rate.denominator;
        expect(result.total * divisor <= exact).toBe(true);
        expect(exact < (result.total + 1n) * divisor).toBe(true);
        expect(costOfTokens(priced, oracle)(tokens)).toBe(result.total);
      }),
    );
  });

  it('never lowers the cumulative cost as tokens accumulate', () => {
    fc.assert(
      fc.property(contexts, tokenCounts, tokenCounts, (priced, a, b) => {
        const costOf = costOfTokens(priced, oracle);
        expect(costOf(a) <= costOf(a + b)).toBe(true);
      }),
    );
  });

  it('keeps every factor positive and within its range', () => {
    fc.assert(
      fc.property(contexts, (priced) => {
        const { factors } = quote({ ...priced, tokens: 1 }, oracle);
        expect(parseUnits(factors.size, 18) >= ONE / 10n).toBe(true);
        expect(parseUnits(factors.utilization, 18) >= ONE / 2n).toBe(true);
        expect(parseUnits(factors.utilization, 18) <= 2n * ONE).toBe(true);
        expect(['1.000000000000000000', '1.200000000000000000']).toContain(factors.tee);
      }),
    );
  });

  it('never gets cheaper with more load, a TEE or a bigger model', () => {
    fc.assert(
      fc.property(
        contexts,
        tokenCounts,
        fc.nat(50),
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        (priced, tokens, more, bigger) => {
          const total = (overrides: Partial<QuoteContext>) =>
            quote({ ...priced, ...overrides, tokens }, oracle).total;
          const base = total({});
          expect(base <= total({ inFlight: priced.inFlight + more })).toBe(true);
          expect(total({ tee: false }) <= total({ tee: true })).toBe(true);
          expect(base <= total({ paramsCount: priced.paramsCount + bigger })).toBe(true);
        },
      ),
    );
  });
});
