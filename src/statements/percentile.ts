/**
 * Per-direction usage statistics over 5-minute byte counts.
 *
 * Rates: rate of a bucket = bytes × 8 / 300 bit/s. Byte counts are bigint throughout (a month of a
 * 400G port overflows 2^53), so totals, percentiles and the billable rate are exact.
 *
 * P95 (contract.md): nearest rank over the valid samples of one direction: discard the top
 * ⌊0.05·N⌋ samples and take the largest remaining. Equivalently the ⌈0.95·N⌉-th smallest value
 * (N − ⌊N/20⌋ = ⌈19N/20⌉). Integer arithmetic only; for N = 8,640 the 8,208th value is used.
 */

import { BUCKET_SECONDS } from './time.js';

export type PercentileMethod = 'MAX_DIRECTION' | 'MEAN_DIRECTION' | 'SUM_DIRECTION';
export const PERCENTILE_METHODS: readonly PercentileMethod[] = ['MAX_DIRECTION', 'MEAN_DIRECTION', 'SUM_DIRECTION'];

export const PERCENTILE_METHOD_TEXT: Record<PercentileMethod, { zh: string; en: string }> = {
  MAX_DIRECTION: {
    zh: '计费速率取流入、流出两个方向第95百分位值中的较大者（国际惯例）',
    en: 'Billable rate = the higher of the inbound and outbound 95th percentiles (international practice)',
  },
  MEAN_DIRECTION: {
    zh: '计费速率取流入、流出两个方向各自去掉最高5%后余下最高值的算术平均值（《互联网骨干网网间结算办法》第八条）',
    en: 'Billable rate = arithmetic mean of the inbound and outbound 95th percentiles (China 2006 backbone settlement rule, Art. 8)',
  },
  SUM_DIRECTION: {
    zh: '计费速率取流入、流出两个方向第95百分位值之和',
    en: 'Billable rate = the sum of the inbound and outbound 95th percentiles',
  },
};

/** Number of top samples discarded for percentile `p` (integer 50..100) over N samples: ⌊N·(100−p)/100⌋. */
export function discardCount(n: number, percentile = 95): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`sample count must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(percentile) || percentile < 50 || percentile > 100) {
    throw new RangeError(`percentile must be an integer from 50 to 100, got ${percentile}`);
  }
  return Math.floor((n * (100 - percentile)) / 100);
}

/** 1-based ascending rank of the value used: N − discardCount(N). 0 when there are no samples. */
export function nearestRank(n: number, percentile = 95): number {
  return n - discardCount(n, percentile);
}

/** Nearest-rank percentile of byte counts (order of the input does not matter); null when empty. */
export function percentileOf(values: readonly bigint[], percentile = 95): bigint | null {
  if (values.length === 0) return null;
  const rank = nearestRank(values.length, percentile);
  // Counts that fit 64 bits unsigned (all real ones) sort natively and exactly in a BigUint64Array,
  // many times faster than a comparator sort of bigints; anything else takes the general path.
  let fits = true;
  for (const v of values) {
    if (v < 0n || v > U64_MAX) {
      fits = false;
      break;
    }
  }
  if (fits) {
    const a = new BigUint64Array(values.length);
    for (let i = 0; i < values.length; i++) a[i] = values[i]!;
    return a.sort()[rank - 1]!;
  }
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted[rank - 1]!;
}

const U64_MAX = (1n << 64n) - 1n;

/** Integer division rounded half-up (half away from zero for negatives). */
export function divRoundHalfUp(num: bigint, den: bigint): bigint {
  if (den === 0n) throw new RangeError('division by zero');
  if (den < 0n) return divRoundHalfUp(-num, -den);
  const neg = num < 0n;
  const a = neg ? -num : num;
  const q = (2n * a + den) / (2n * den);
  return neg ? -q : q;
}

/** A non-negative rational as a double (integer part exact, then the remainder). */
export function ratioToNumber(num: bigint, den: bigint): number {
  const q = num / den;
  const r = num % den;
  return Number(q) + Number(r) / Number(den);
}

/** Rate of one bucket, bit/s, as a double (for display; money uses the exact byte counts). */
export function bucketBytesToBps(bytes: bigint): number {
  return ratioToNumber(bytes * 8n, BigInt(BUCKET_SECONDS));
}

/** Average rate (bit/s) of `totalBytes` over `buckets` 5-minute intervals; null if no interval. */
export function averageBps(totalBytes: bigint, buckets: number): number | null {
  if (buckets === 0) return null;
  return ratioToNumber(totalBytes * 8n, BigInt(buckets * BUCKET_SECONDS));
}

/**
 * Billable rate in whole bit/s (rounded half-up from the exact value) from the two directions'
 * percentile bucket byte counts:
 *   MAX  = max(in, out) × 8 / 300;   MEAN = (in + out) × 8 / 600;   SUM = (in + out) × 8 / 300.
 */
export function billableBps(method: PercentileMethod, inBytes: bigint, outBytes: bigint): bigint {
  const secs = BigInt(BUCKET_SECONDS);
  switch (method) {
    case 'MAX_DIRECTION':
      return divRoundHalfUp((inBytes > outBytes ? inBytes : outBytes) * 8n, secs);
    case 'MEAN_DIRECTION':
      return divRoundHalfUp((inBytes + outBytes) * 8n, 2n * secs);
    case 'SUM_DIRECTION':
      return divRoundHalfUp((inBytes + outBytes) * 8n, secs);
    default:
      throw new RangeError(`unknown percentile method ${String(method)}`);
  }
}

export interface TimedBytes {
  /** Bucket start, epoch ms. */
  ts: number;
  bytes: bigint;
}

export interface DirectionStats {
  /** Valid samples used (N). */
  samples: number;
  totalBytes: bigint;
  avgBps: number | null;
  peakBytes: bigint | null;
  peakBps: number | null;
  /** Start of the peak bucket (earliest one on ties), epoch ms. */
  peakAt: number | null;
  /** Samples discarded from the top, ⌊N·(100−p)/100⌋. */
  discarded: number;
  /** 1-based ascending rank used. */
  rank: number;
  percentileBytes: bigint | null;
  percentileBps: number | null;
}

/** Totals, average, peak with time, and nearest-rank percentile of one direction. */
export function directionStats(samples: readonly TimedBytes[], percentile = 95): DirectionStats {
  let total = 0n;
  let peak: TimedBytes | null = null;
  // The percentile's sort: counts copied as they are checked (see percentileOf).
  const sortable = new BigUint64Array(samples.length);
  let fits = true;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    if (s.bytes < 0n) throw new RangeError(`negative byte count at ${new Date(s.ts).toISOString()}`);
    total += s.bytes;
    if (peak === null || s.bytes > peak.bytes || (s.bytes === peak.bytes && s.ts < peak.ts)) peak = s;
    if (s.bytes > U64_MAX) fits = false;
    else sortable[i] = s.bytes;
  }
  const pBytes =
    samples.length === 0
      ? null
      : fits
        ? sortable.sort()[nearestRank(samples.length, percentile) - 1]!
        : percentileOf(
            samples.map((s) => s.bytes),
            percentile,
          );
  return {
    samples: samples.length,
    totalBytes: total,
    avgBps: averageBps(total, samples.length),
    peakBytes: peak?.bytes ?? null,
    peakBps: peak ? bucketBytesToBps(peak.bytes) : null,
    peakAt: peak?.ts ?? null,
    discarded: discardCount(samples.length, percentile),
    rank: nearestRank(samples.length, percentile),
    percentileBytes: pBytes,
    percentileBps: pBytes === null ? null : bucketBytesToBps(pBytes),
  };
}
