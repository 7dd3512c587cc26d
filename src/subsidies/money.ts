/**
 * Exact decimal arithmetic for money. No floating point anywhere:
 * - amounts are bigint fen (1 CNY = 100 fen);
 * - intermediate products (quantity × rate × factor) are exact rationals (bigint numerator/denominator);
 * - a rational becomes fen only at line level, rounded half-up to 0.01 CNY (a .5 fen goes away from zero).
 */

export interface Ratio {
  readonly num: bigint;
  /** Always > 0. */
  readonly den: bigint;
}

const abs = (a: bigint) => (a < 0n ? -a : a);

function gcd(a: bigint, b: bigint): bigint {
  a = abs(a);
  b = abs(b);
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export function ratio(num: bigint, den: bigint = 1n): Ratio {
  if (den === 0n) throw new RangeError('ratio: zero denominator');
  if (den < 0n) [num, den] = [-num, -den];
  const g = gcd(num, den) || 1n;
  return { num: num / g, den: den / g };
}

export const ZERO: Ratio = { num: 0n, den: 1n };
export const ONE: Ratio = { num: 1n, den: 1n };

export const add = (a: Ratio, b: Ratio): Ratio => ratio(a.num * b.den + b.num * a.den, a.den * b.den);
export const sub = (a: Ratio, b: Ratio): Ratio => ratio(a.num * b.den - b.num * a.den, a.den * b.den);
export const mul = (a: Ratio, b: Ratio): Ratio => ratio(a.num * b.num, a.den * b.den);
export function div(a: Ratio, b: Ratio): Ratio {
  if (b.num === 0n) throw new RangeError('division by zero');
  return ratio(a.num * b.den, a.den * b.num);
}
export const cmp = (a: Ratio, b: Ratio): number => {
  const d = a.num * b.den - b.num * a.den;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
};
export const minR = (a: Ratio, b: Ratio): Ratio => (cmp(a, b) <= 0 ? a : b);
export const maxR = (a: Ratio, b: Ratio): Ratio => (cmp(a, b) >= 0 ? a : b);

const DECIMAL_RE = /^(-)?(\d+)(?:\.(\d+))?$/;

/** Parse a decimal string ("1200.00", "0.7", "-3") exactly. */
export function parseDecimal(s: string): Ratio {
  const m = DECIMAL_RE.exec(s.trim());
  if (!m) throw new RangeError(`not a decimal number: "${s}"`);
  const frac = m[3] ?? '';
  const n = BigInt(m[2] + frac) * (m[1] ? -1n : 1n);
  return ratio(n, 10n ** BigInt(frac.length));
}

/** Parse an amount in CNY with at most 2 decimals into fen. */
export function parseFen(s: string): bigint {
  const m = DECIMAL_RE.exec(s.trim());
  if (!m || (m[3] ?? '').length > 2) throw new RangeError(`not a CNY amount with at most 2 decimals: "${s}"`);
  const n = BigInt(m[2]) * 100n + BigInt((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -n : n;
}

/** Integer division rounded half-up (half away from zero). */
export function divHalfUp(num: bigint, den: bigint): bigint {
  if (den === 0n) throw new RangeError('division by zero');
  if (den < 0n) [num, den] = [-num, -den];
  const q = (2n * abs(num) + den) / (2n * den);
  return num < 0n ? -q : q;
}

/** An amount in CNY (exact rational) rounded half-up to whole fen. */
export function roundToFen(yuan: Ratio): bigint {
  return divHalfUp(yuan.num * 100n, yuan.den);
}

export const fenToYuan = (fen: bigint): Ratio => ratio(fen, 100n);

/** "12345.67", "-0.05", "0.00". No grouping separators. */
export function formatFen(fen: bigint): string {
  const neg = fen < 0n;
  const a = abs(fen);
  return `${neg ? '-' : ''}${a / 100n}.${(a % 100n).toString().padStart(2, '0')}`;
}

/** True when the rational has a finite decimal expansion (denominator of the form 2^a·5^b). */
export function isTerminating(r: Ratio): boolean {
  let d = r.den;
  while (d % 2n === 0n) d /= 2n;
  while (d % 5n === 0n) d /= 5n;
  return d === 1n;
}

/**
 * Decimal text of a rational: exact when it terminates within `maxScale` digits (trailing zeros
 * trimmed, at least `minScale` digits), otherwise rounded half-up to `maxScale` digits with a "≈" prefix.
 */
export function formatRatio(r: Ratio, maxScale = 9, minScale = 0): string {
  let scale = minScale;
  while (scale < maxScale && (r.num * 10n ** BigInt(scale)) % r.den !== 0n) scale++;
  const exact = (r.num * 10n ** BigInt(scale)) % r.den === 0n;
  const scaled = divHalfUp(r.num * 10n ** BigInt(scale), r.den);
  const neg = scaled < 0n;
  const digits = abs(scaled)
    .toString()
    .padStart(scale + 1, '0');
  const int = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale);
  return `${exact ? '' : '≈'}${neg ? '-' : ''}${int}${scale > 0 ? `.${frac}` : ''}`;
}

/** Exact conversion of a JS number that is a non-negative safe integer or a short decimal (e.g. port 2.5 Gbps). */
export function ratioFromNumber(n: number): Ratio {
  if (!Number.isFinite(n)) throw new RangeError(`not a finite number: ${n}`);
  const s = String(n);
  if (/e/i.test(s)) throw new RangeError(`number ${n} must be written without exponent`);
  return parseDecimal(s);
}
