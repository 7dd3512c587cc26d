/**
 * Per-member coverage (issue 13; domain.md §5.4 step 1). A 5-minute bucket is valid for a member only if
 * every exporter carrying the member was alive in it (any datagram of it arrived then: flows, templates,
 * options or counters), so a member that sends nothing on a live switch stays valid with zero traffic,
 * and one whose switch went silent gets missing buckets, never zeros.
 *
 * The exporters carrying a member: the exporters of its registered ports (ixmeter.ports[].exporter) when
 * it has any (basis `registered_ports`); otherwise the exporters that saw its MACs as a source in the
 * month (`learned`). A member with neither (no port registered, nothing learned: it sent nothing) falls back
 * to the fabric: a bucket is valid when any exporter was alive, or when the member has traffic in it
 * (`any_exporter`; the statement says so).
 *
 * Pure: the month's inputs are read once per run (coverage.repository.ts, month-inputs.ts) and indexed
 * here as one byte per bucket per exporter; a member's coverage is then a few array passes.
 */
import { canonicalIp } from '../members/registry.js';
import { BUCKET_MS, formatInstant } from './time.js';

export type CoverageBasis = 'registered_ports' | 'learned' | 'any_exporter';

/** At most this many silent intervals are listed per exporter (the count of missing buckets stays exact). */
export const MAX_SILENT_INTERVALS = 50;

export interface MonthCoverage {
  /** First bucket start (epoch ms) and number of buckets indexed. */
  start: number;
  n: number;
  /** Per exporter (canonical address), 1 for every bucket it was alive in. */
  alive: ReadonlyMap<string, Uint8Array>;
  /** 1 where any exporter was alive. */
  any: Uint8Array;
  carriers: ReadonlyMap<number, { basis: 'registered_ports' | 'learned'; exporters: string[] }>;
}

export interface SilentInterval {
  from: string;
  to: string;
  buckets: number;
}

export interface SilentExporter {
  exporter: string;
  /** Buckets of the member's period in which this exporter sent nothing. */
  missing_buckets: number;
  intervals: SilentInterval[];
  /** Intervals not listed (beyond MAX_SILENT_INTERVALS). */
  intervals_not_listed: number;
}

export interface MemberCoverage {
  basis: CoverageBasis;
  /** The exporters carrying the member (empty for `any_exporter`). */
  exporters: string[];
  /** Exporters silent for at least one bucket of the period, with their intervals. */
  silent: SilentExporter[];
}

export function buildMonthCoverage(args: {
  startMs: number;
  endMs: number;
  alive: ReadonlyArray<[string, number[]]>;
  registeredPorts: ReadonlyArray<[number, string]>;
  learned: ReadonlyArray<[number, string]>;
}): MonthCoverage {
  const start = args.startMs;
  const n = Math.max(0, Math.ceil((args.endMs - start) / BUCKET_MS));
  const alive = new Map<string, Uint8Array>();
  const any = new Uint8Array(n);
  for (const [exporter, secs] of args.alive) {
    const key = canonicalIp(exporter);
    const a = alive.get(key) ?? new Uint8Array(n);
    for (const s of secs) {
      const i = (s * 1000 - start) / BUCKET_MS;
      if (Number.isInteger(i) && i >= 0 && i < n) a[i] = any[i] = 1;
    }
    alive.set(key, a);
  }
  const sets = new Map<number, { basis: 'registered_ports' | 'learned'; set: Set<string> }>();
  for (const [asn, key] of args.registeredPorts) {
    const exporter = key.slice(0, key.lastIndexOf('|'));
    const e = sets.get(Number(asn)) ?? { basis: 'registered_ports' as const, set: new Set<string>() };
    e.set.add(canonicalIp(exporter));
    sets.set(Number(asn), e);
  }
  for (const [asn, exporter] of args.learned) {
    const e = sets.get(Number(asn)) ?? { basis: 'learned' as const, set: new Set<string>() };
    if (e.basis === 'learned') e.set.add(canonicalIp(exporter));
    sets.set(Number(asn), e);
  }
  const carriers = new Map([...sets].map(([asn, e]) => [asn, { basis: e.basis, exporters: [...e.set].sort() }]));
  return { start, n, alive, any, carriers };
}

const NONE = new Uint8Array(0);

/**
 * The member's coverage over its period [fromMs, toMs) (bucket-aligned, inside the indexed month):
 * `valid(ts)` for a bucket start, given whether the member has traffic in it (used by the fallback only).
 */
export function memberCoverage(
  m: MonthCoverage,
  asn: number,
  fromMs: number,
  toMs: number,
  timeZone: string,
): MemberCoverage & { valid(ts: number, hasTraffic: boolean): boolean } {
  const c = m.carriers.get(asn);
  if (!c) {
    return {
      basis: 'any_exporter',
      exporters: [],
      silent: [],
      valid: (ts, hasTraffic) => hasTraffic || m.any[(ts - m.start) / BUCKET_MS] === 1,
    };
  }
  const lo = Math.max(0, Math.floor((fromMs - m.start) / BUCKET_MS));
  const hi = Math.min(m.n, Math.ceil((toMs - m.start) / BUCKET_MS));
  const ok = new Uint8Array(m.n);
  ok.fill(1, lo, hi);
  const silent: SilentExporter[] = [];
  for (const exporter of c.exporters) {
    const a = m.alive.get(exporter) ?? NONE;
    let missing = 0;
    let notListed = 0;
    const intervals: SilentInterval[] = [];
    for (let i = lo; i < hi;) {
      if (a[i] === 1) {
        i++;
        continue;
      }
      let j = i;
      while (j < hi && a[j] !== 1) ok[j++] = 0;
      missing += j - i;
      if (intervals.length < MAX_SILENT_INTERVALS) {
        intervals.push({
          from: formatInstant(m.start + i * BUCKET_MS, timeZone),
          to: formatInstant(m.start + j * BUCKET_MS, timeZone),
          buckets: j - i,
        });
      } else notListed++;
      i = j;
    }
    if (missing > 0) silent.push({ exporter, missing_buckets: missing, intervals, intervals_not_listed: notListed });
  }
  return { basis: c.basis, exporters: c.exporters, silent, valid: (ts) => ok[(ts - m.start) / BUCKET_MS] === 1 };
}
