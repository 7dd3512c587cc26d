/**
 * Monthly statement of one member (pure; no I/O).
 *
 * Rules (domain.md §2.2, §5.3, §5.5; contract.md):
 * - Period: the calendar month in the billing time zone, or the part from `activeFrom` to `activeTo`
 *   (partial month: computed on the buckets of that part only).
 * - Expected buckets: every 5-minute bucket of the period in which at least one of the member's ports is
 *   in production. A member bucket is VALID only when every port in production at that time has a
 *   valid sample (`ok`/`interpolated`); the member row is the per-interval SUM over those ports
 *   (MIX/Hopus: sum first, then percentile). Missing data is never zero traffic: an invalid bucket is
 *   left out of N, totals, averages, peaks and percentiles, and shows up in coverage.
 * - Exclusions remove every valid bucket overlapping them, whole; the removed volume is reported per
 *   interval. Coverage = valid / expected (data completeness, before exclusions); N = valid − excluded.
 * - Totals, averages (volume ÷ seconds of used buckets, LINX AMT style), peaks (earliest on ties) and
 *   P95 (⌊0.05·N⌋ discarded) are over the N used buckets.
 * - `samples_hash` = SHA-256 of the canonical text of ALL input samples (canonical.ts).
 */
import { canonicalSamplesText, sha256Hex, SAMPLES_HASH_FORMAT, type HashableSample } from './canonical.js';
import { billableBps, directionStats, PERCENTILE_METHOD_TEXT, PERCENTILE_METHODS, type TimedBytes } from './percentile.js';
import { BUCKET_MS, formatInstant, monthBounds, periodDates, startOfDay, addDays } from './time.js';
import type {
  DailyUsage,
  ExcludedInterval,
  ExclusionInput,
  MonthlyStatement,
  PortUsage,
  SampleInput,
  SampleQuality,
  StatementInput,
  TopPeer,
  UsageMetrics,
} from './statement.types.js';
import { EXCLUSION_REASONS } from './statement.types.js';

export * from './statement.types.js';

export const DIRECTION_CONVENTION = {
  zh: '方向以交换中心交换机为视角：“流入”指会员发送至交换中心的流量，“流出”指交换中心交付给会员的流量（与会员路由器所见方向相反）。',
  en: "Directions are seen from the exchange's switch: 'in' = traffic the member sends into the exchange, 'out' = traffic the exchange delivers to the member (the reverse of what the member's router shows).",
} as const;

const VALID_QUALITIES: ReadonlySet<SampleQuality> = new Set(['ok', 'interpolated']);
const ALL_QUALITIES: ReadonlySet<string> = new Set(['ok', 'interpolated', 'missing', 'counter_reset']);

export function toBytes(v: bigint | number, what: string | (() => string)): bigint {
  const w = () => (typeof what === 'string' ? what : what());
  if (typeof v === 'bigint') {
    if (v < 0n) throw new RangeError(`${w()}: negative byte count ${v}`);
    return v;
  }
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${w()}: byte count must be a non-negative safe integer or a bigint, got ${v}`);
  return BigInt(v);
}

interface NormPort {
  portId: string;
  speedGbps: number | null;
  from: number;
  to: number;
  samples: Map<number, { inBytes: bigint; outBytes: bigint; quality: SampleQuality }>;
  inSeries: TimedBytes[];
  outSeries: TimedBytes[];
  expected: number;
  valid: number;
  excluded: number;
}

function normalisePorts(input: StatementInput, hashable: HashableSample[]): NormPort[] {
  if (input.ports && input.samples) throw new RangeError('give either ports or samples, not both');
  const raw = input.ports ?? [{ portId: 'member', samples: input.samples ?? [] }];
  const ids = new Set<string>();
  return raw.map((p) => {
    if (!p.portId || /[\t\n\r]/.test(p.portId)) throw new RangeError(`invalid port id ${JSON.stringify(p.portId)}`);
    if (ids.has(p.portId)) throw new RangeError(`duplicate port id ${p.portId}`);
    ids.add(p.portId);
    const samples = new Map<number, { inBytes: bigint; outBytes: bigint; quality: SampleQuality }>();
    for (const s of p.samples as readonly SampleInput[]) {
      const where = () => `port ${p.portId} at ${Number.isFinite(s.ts) ? new Date(s.ts).toISOString() : String(s.ts)}`;
      if (!Number.isSafeInteger(s.ts) || s.ts % BUCKET_MS !== 0) throw new RangeError(`${where()}: bucket start must be aligned to 5 minutes`);
      if (samples.has(s.ts)) throw new RangeError(`${where()}: duplicate sample`);
      const quality = s.quality ?? 'ok';
      if (!ALL_QUALITIES.has(quality)) throw new RangeError(`${where()}: unknown quality ${String(quality)}`);
      const norm = { inBytes: toBytes(s.inBytes, where), outBytes: toBytes(s.outBytes, where), quality };
      samples.set(s.ts, norm);
      hashable.push({ portId: p.portId, ts: s.ts, ...norm });
    }
    return {
      portId: p.portId,
      speedGbps: p.speedGbps ?? null,
      from: p.productionFrom ?? -Infinity,
      to: p.productionTo ?? Infinity,
      samples,
      inSeries: [],
      outSeries: [],
      expected: 0,
      valid: 0,
      excluded: 0,
    };
  });
}

function checkExclusions(list: readonly ExclusionInput[]): ExclusionInput[] {
  for (const e of list) {
    if (!(Number.isFinite(e.from) && Number.isFinite(e.to) && e.from < e.to)) throw new RangeError(`exclusion ${e.ref ?? ''}: needs from < to`);
    if (!EXCLUSION_REASONS.includes(e.reason)) throw new RangeError(`exclusion ${e.ref ?? ''}: unknown reason ${String(e.reason)}`);
  }
  return [...list].sort((a, b) => a.from - b.from || a.to - b.to);
}

function metrics(
  inSeries: TimedBytes[],
  outSeries: TimedBytes[],
  counts: { expected: number; valid: number; excluded: number },
  tz: string,
): UsageMetrics {
  const i = directionStats(inSeries, 95);
  const o = directionStats(outSeries, 95);
  const at = (t: number | null) => (t === null ? null : formatInstant(t, tz));
  return {
    expected_buckets: counts.expected,
    valid_buckets: counts.valid,
    missing_buckets: counts.expected - counts.valid,
    excluded_buckets: counts.excluded,
    used_buckets: counts.valid - counts.excluded,
    coverage: counts.expected === 0 ? 1 : counts.valid / counts.expected,
    in_bytes: i.totalBytes,
    out_bytes: o.totalBytes,
    avg_in_bps: i.avgBps,
    avg_out_bps: o.avgBps,
    peak_in_bps: i.peakBps,
    peak_in_at: at(i.peakAt),
    peak_out_bps: o.peakBps,
    peak_out_at: at(o.peakAt),
    p95_in_bps: i.percentileBps,
    p95_out_bps: o.percentileBps,
    p95_in_bucket_bytes: i.percentileBytes,
    p95_out_bucket_bytes: o.percentileBytes,
    p95_discarded: i.discarded,
    p95_rank: i.rank,
  };
}

/** Coverage as a percentage with 2 decimals, rounded down (never overstates completeness). */
export function coveragePct(valid: number, expected: number): string {
  if (expected === 0) return '100.00';
  const hundredths = Math.floor((valid * 10_000) / expected);
  return `${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}`;
}

interface DayAcc {
  date: string;
  end: number;
  expected: number;
  valid: number;
  excluded: number;
  inSeries: TimedBytes[];
  outSeries: TimedBytes[];
}

export function buildMonthlyStatement(input: StatementInput): MonthlyStatement {
  const tz = input.timeZone ?? 'Asia/Shanghai';
  if (!PERCENTILE_METHODS.includes(input.percentileMethod)) throw new RangeError(`unknown percentile method ${String(input.percentileMethod)}`);
  const percentile = input.percentile ?? 95;
  const b = monthBounds(input.month, tz, { from: input.activeFrom, to: input.activeTo });
  const hashable: HashableSample[] = [];
  const ports = normalisePorts(input, hashable);
  const exclusions = checkExclusions(input.exclusions ?? []);
  const excl = exclusions.map(() => ({ buckets: 0, inBytes: 0n, outBytes: 0n }));

  const days: DayAcc[] = periodDates(b).map((date) => ({
    date,
    end: startOfDay(addDays(date, 1), tz),
    expected: 0,
    valid: 0,
    excluded: 0,
    inSeries: [],
    outSeries: [],
  }));
  const member = { expected: 0, valid: 0, excluded: 0, inSeries: [] as TimedBytes[], outSeries: [] as TimedBytes[] };
  let consumed = 0;
  let dayIdx = 0;

  for (let t = Math.ceil(b.start / BUCKET_MS) * BUCKET_MS; t < b.end; t += BUCKET_MS) {
    while (dayIdx < days.length - 1 && t >= days[dayIdx].end) dayIdx++;
    const day = days[dayIdx];
    const live = ports.filter((p) => p.from <= t && t < p.to);
    if (live.length === 0) continue;
    const ex = exclusions.findIndex((e) => e.from < t + BUCKET_MS && t < e.to);
    member.expected++;
    day.expected++;
    let complete = true;
    let inSum = 0n;
    let outSum = 0n;
    for (const p of live) {
      p.expected++;
      const s = p.samples.get(t);
      if (s) consumed++;
      if (!s || !VALID_QUALITIES.has(s.quality)) {
        complete = false;
        continue;
      }
      p.valid++;
      inSum += s.inBytes;
      outSum += s.outBytes;
      if (ex >= 0) p.excluded++;
      else {
        p.inSeries.push({ ts: t, bytes: s.inBytes });
        p.outSeries.push({ ts: t, bytes: s.outBytes });
      }
    }
    if (!complete) continue;
    member.valid++;
    day.valid++;
    if (ex >= 0) {
      member.excluded++;
      day.excluded++;
      excl[ex].buckets++;
      excl[ex].inBytes += inSum;
      excl[ex].outBytes += outSum;
      continue;
    }
    member.inSeries.push({ ts: t, bytes: inSum });
    member.outSeries.push({ ts: t, bytes: outSum });
    day.inSeries.push({ ts: t, bytes: inSum });
    day.outSeries.push({ ts: t, bytes: outSum });
  }

  const agg = metrics(member.inSeries, member.outSeries, member, tz);
  const billIn = percentile === 95 ? agg.p95_in_bucket_bytes : directionStats(member.inSeries, percentile).percentileBytes;
  const billOut = percentile === 95 ? agg.p95_out_bucket_bytes : directionStats(member.outSeries, percentile).percentileBytes;
  const billable = billIn === null || billOut === null ? null : Number(billableBps(input.percentileMethod, billIn, billOut));

  const portRows: PortUsage[] = ports.map((p) => {
    const m = metrics(p.inSeries, p.outSeries, p, tz);
    const top = Math.max(m.p95_in_bps ?? 0, m.p95_out_bps ?? 0);
    return {
      port_id: p.portId,
      speed_gbps: p.speedGbps,
      ...m,
      utilisation_p95: p.speedGbps && m.p95_in_bps !== null ? top / (p.speedGbps * 1e9) : null,
    };
  });

  const daily: DailyUsage[] = days.map((d) => {
    const i = directionStats(d.inSeries, 95);
    const o = directionStats(d.outSeries, 95);
    return {
      date: d.date,
      expected_buckets: d.expected,
      valid_buckets: d.valid,
      excluded_buckets: d.excluded,
      in_bytes: i.totalBytes,
      out_bytes: o.totalBytes,
      avg_in_bps: i.avgBps,
      avg_out_bps: o.avgBps,
      peak_in_bps: i.peakBps,
      peak_out_bps: o.peakBps,
    };
  });

  const excluded_intervals: ExcludedInterval[] = exclusions.map((e, k) => ({
    from: formatInstant(e.from, tz),
    to: formatInstant(e.to, tz),
    reason: e.reason,
    ref: e.ref ?? null,
    buckets: excl[k].buckets,
    in_bytes: excl[k].inBytes,
    out_bytes: excl[k].outBytes,
  }));

  return {
    format: 'ixmeter-statement-v1',
    asn: input.asn,
    member_name: input.memberName ?? null,
    period: input.month,
    time_zone: tz,
    period_start: b.startIso,
    period_end: b.endIso,
    first_date: b.firstDate,
    last_date: b.lastDate,
    partial: b.partial,
    days_in_month: b.daysInMonth,
    days_in_period: b.days,
    direction_convention: { ...DIRECTION_CONVENTION },
    percentile_method: input.percentileMethod,
    percentile_method_text: { ...PERCENTILE_METHOD_TEXT[input.percentileMethod] },
    percentile,
    ...agg,
    billable_in_bucket_bytes: billIn,
    billable_out_bucket_bytes: billOut,
    billable_bps: billable,
    coverage_pct: coveragePct(member.valid, member.expected),
    ports: portRows,
    excluded_intervals,
    daily,
    top_peers: topPeers(input),
    samples_ignored: hashable.length - consumed,
    samples_hash: sha256Hex(canonicalSamplesText(hashable)),
    samples_hash_format: SAMPLES_HASH_FORMAT,
  };
}

function topPeers(input: StatementInput): TopPeer[] {
  const n = input.topPeers ?? 10;
  return (input.peers ?? [])
    .map((p) => {
      const i = toBytes(p.inBytes, `peer AS${p.asn}`);
      const o = toBytes(p.outBytes, `peer AS${p.asn}`);
      return { asn: p.asn, name: p.name ?? null, in_bytes: i, out_bytes: o, total_bytes: i + o };
    })
    .sort((a, b) => (a.total_bytes > b.total_bytes ? -1 : a.total_bytes < b.total_bytes ? 1 : a.asn - b.asn))
    .slice(0, n);
}
