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
import { canonicalPortSamplesText, sha256Hex, SAMPLES_HASH_FORMAT } from './canonical.js';
import {
  billableBps,
  directionStats,
  PERCENTILE_METHOD_TEXT,
  PERCENTILE_METHODS,
  type TimedBytes,
} from './percentile.js';
import { BUCKET_MS, formatInstant, monthBounds, periodDates, startOfDay, addDays } from './time.js';
import type {
  DailyUsage,
  ExcludedInterval,
  MonthlyStatement,
  PortUsage,
  StatementInput,
  TopPeer,
  UsageMetrics,
} from './statement.types.js';
import { checkExclusions, normalisePorts, toBytes, VALID_QUALITIES, type NormPort } from './statement-inputs.js';

export * from './statement.types.js';
export { toBytes } from './statement-inputs.js';

export const DIRECTION_CONVENTION = {
  zh: '方向以交换中心交换机为视角：“流入”指会员发送至交换中心的流量，“流出”指交换中心交付给会员的流量（与会员路由器所见方向相反）。',
  en: "Directions are seen from the exchange's switch: 'in' = traffic the member sends into the exchange, 'out' = traffic the exchange delivers to the member (the reverse of what the member's router shows).",
} as const;

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
  if (!PERCENTILE_METHODS.includes(input.percentileMethod))
    throw new RangeError(`unknown percentile method ${String(input.percentileMethod)}`);
  const percentile = input.percentile ?? 95;
  const b = monthBounds(input.month, tz, { from: input.activeFrom, to: input.activeTo });
  const ports = normalisePorts(input);
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
  const live: NormPort[] = [];

  for (let t = Math.ceil(b.start / BUCKET_MS) * BUCKET_MS; t < b.end; t += BUCKET_MS) {
    while (dayIdx < days.length - 1 && t >= days[dayIdx].end) dayIdx++;
    const day = days[dayIdx];
    live.length = 0;
    for (const p of ports) if (p.from <= t && t < p.to) live.push(p);
    if (live.length === 0) continue;
    const ex = exclusions.findIndex((e) => e.from < t + BUCKET_MS && t < e.to);
    member.expected++;
    day.expected++;
    let complete = true;
    let inSum = 0n;
    let outSum = 0n;
    let portIn: TimedBytes | undefined;
    let portOut: TimedBytes | undefined;
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
        p.inSeries.push((portIn = { ts: t, bytes: s.inBytes }));
        p.outSeries.push((portOut = { ts: t, bytes: s.outBytes }));
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
    // Entries are never modified: a lone port's entry is the member's and the day's too (fewer objects).
    const mIn = live.length === 1 && portIn ? portIn : { ts: t, bytes: inSum };
    const mOut = live.length === 1 && portOut ? portOut : { ts: t, bytes: outSum };
    member.inSeries.push(mIn);
    member.outSeries.push(mOut);
    day.inSeries.push(mIn);
    day.outSeries.push(mOut);
  }

  const agg = metrics(member.inSeries, member.outSeries, member, tz);
  const billIn =
    percentile === 95 ? agg.p95_in_bucket_bytes : directionStats(member.inSeries, percentile).percentileBytes;
  const billOut =
    percentile === 95 ? agg.p95_out_bucket_bytes : directionStats(member.outSeries, percentile).percentileBytes;
  const billable =
    billIn === null || billOut === null ? null : Number(billableBps(input.percentileMethod, billIn, billOut));

  const portRows: PortUsage[] = ports.map((p) => {
    // A lone port with the member's very entries and counts (see the loop) has the member's metrics.
    const same =
      ports.length === 1 &&
      p.expected === member.expected &&
      p.valid === member.valid &&
      p.excluded === member.excluded &&
      sameEntries(p.inSeries, member.inSeries) &&
      sameEntries(p.outSeries, member.outSeries);
    const m = same ? agg : metrics(p.inSeries, p.outSeries, p, tz);
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
    samples_ignored: ports.reduce((n, p) => n + p.list.length, 0) - consumed,
    samples_hash: sha256Hex(canonicalPortSamplesText(ports.map((p) => ({ portId: p.portId, samples: p.list })))),
    samples_hash_format: SAMPLES_HASH_FORMAT,
  };
}

function sameEntries(a: readonly TimedBytes[], b: readonly TimedBytes[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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
