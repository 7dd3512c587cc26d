import { describe, expect, it } from 'vitest';
import {
  divHalfUp,
  formatFen,
  formatRatio,
  isTerminating,
  mul,
  parseDecimal,
  parseFen,
  ratio,
  ratioFromNumber,
  roundToFen,
} from './money.js';

describe('exact money', () => {
  it('rounds half-up to the fen, exactly at x.xx5', () => {
    expect(roundToFen(parseDecimal('1.005'))).toBe(101n);
    expect(roundToFen(parseDecimal('2.675'))).toBe(268n); // a double holds 2.67499999…
    expect(roundToFen(parseDecimal('0.005'))).toBe(1n);
    expect(roundToFen(parseDecimal('0.015'))).toBe(2n);
    expect(roundToFen(parseDecimal('0.0049999'))).toBe(0n);
    expect(roundToFen(parseDecimal('12345.675'))).toBe(1234568n);
    expect(roundToFen(parseDecimal('-1.005'))).toBe(-101n); // half away from zero
    expect(roundToFen(ratio(1n, 3n))).toBe(33n);
    expect(roundToFen(ratio(2n, 3n))).toBe(67n);
    expect(divHalfUp(5n, 2n)).toBe(3n);
    expect(divHalfUp(-5n, 2n)).toBe(-3n);
    expect(divHalfUp(7n, -2n)).toBe(-4n);
  });

  it('products stay exact: 3.1 Gbps × CNY 1000.00 × 0.7 × 14/31', () => {
    const v = mul(mul(mul(parseDecimal('3.1'), parseDecimal('1000.00')), parseDecimal('0.7')), ratio(14n, 31n));
    expect(v).toEqual(ratio(30380n, 31n));
    expect(roundToFen(v)).toBe(98000n); // 980.0000 → 980.00
  });

  it('formats and parses', () => {
    expect(formatFen(1234567n)).toBe('12345.67');
    expect(formatFen(5n)).toBe('0.05');
    expect(formatFen(0n)).toBe('0.00');
    expect(formatFen(-1230n)).toBe('-12.30');
    expect(formatFen(80_000_000_000_000_000n)).toBe('800000000000000.00');
    expect(parseFen('1200.00')).toBe(120000n);
    expect(parseFen('1200.5')).toBe(120050n);
    expect(parseFen('7')).toBe(700n);
    expect(() => parseFen('1.005')).toThrow(/at most 2 decimals/);
    expect(() => parseDecimal('1e3')).toThrow(/not a decimal/);
    expect(formatRatio(parseDecimal('3.100'))).toBe('3.1');
    expect(formatRatio(ratio(1n, 3n), 4)).toBe('≈0.3333');
    expect(formatRatio(ratio(2n, 3n), 4)).toBe('≈0.6667');
    expect(formatRatio(ratio(21n, 25n))).toBe('0.84');
    expect(formatRatio(ratio(5n, 1n), 9, 2)).toBe('5.00');
    expect(isTerminating(ratio(1n, 40n))).toBe(true);
    expect(isTerminating(ratio(1n, 30n))).toBe(false);
    expect(ratioFromNumber(2.5)).toEqual(ratio(5n, 2n));
    expect(ratioFromNumber(0.1)).toEqual(ratio(1n, 10n));
  });
});
