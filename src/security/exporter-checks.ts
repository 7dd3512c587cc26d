/**
 * Exporter health rules (settings: thresholds.ts `exporter`). Pure: snapshots and time come in as arguments.
 *
 *  - EXPORTER_SILENT: an exporter that sent datagrams has sent none for > silentAfterMs (default 5 min).
 *    One alert per exporter and silent interval: it starts at the last datagram before the silence and is
 *    ended (silenceEnded) with the first datagram after it. Last-seen times persist across collector
 *    restarts (exporter_status seed), so a restart neither hides nor duplicates it.
 *  - EXPORTER_SAMPLING_CHANGED: the set of sampling rates used by an exporter's flows between two
 *    snapshots differs from the set in its previous active interval (the counters are cumulative
 *    per-rate flow counts, as ExporterCounters.samplingRates).
 *  - EXPORTER_COUNTER_MISMATCH: a port reconciliation row (flows vs interface counters) whose in/out
 *    difference exceeds counterMismatchPct (default 5 %).
 */
import { emptyEvidence, type AlertCandidate } from './types.js';
import type { DetectorThresholds } from './thresholds.js';

export type ExporterSettings = DetectorThresholds['exporter'];

/** The part of the collector's per-exporter counters these checks read (ExporterCounters is assignable). */
export interface ExporterSnapshotEntry {
  exporter: string;
  lastSeenMs: number;
  datagrams: number;
  /** Cumulative flow count per sampling rate (rate as text). */
  samplingRates: Record<string, number>;
  /** The last quiet spell of ≥ 1 min (ExporterCounters.lastGapFromMs/ToMs), when known. */
  lastGapFromMs?: number;
  lastGapToMs?: number;
}

/** A subset of PortReconciliation (src/ports/reconciliation.service.ts). */
export interface ReconciliationRowLike {
  exporter: string;
  if_index: number;
  day: string;
  in_diff_pct: number | null;
  out_diff_pct: number | null;
  hint?: string | null;
}

interface Memory {
  entry: ExporterSnapshotEntry;
  activeRates: number[] | null;
}

export class ExporterChecker {
  private readonly memory = new Map<string, Memory>();

  constructor(private readonly settings: ExporterSettings) {}

  /** Feed one snapshot of all exporters taken at `nowMs`; returns the candidates it raises. */
  check(snapshot: ExporterSnapshotEntry[], nowMs: number): AlertCandidate[] {
    const out: AlertCandidate[] = [];
    if (!this.settings.enabled) return out;
    const seen = new Set<string>();
    for (const e of snapshot) {
      seen.add(e.exporter);
      const prev = this.memory.get(e.exporter);
      this.silent(e, nowMs, out);
      let activeRates = prev?.activeRates ?? null;
      const interval = intervalRates(prev?.entry, e);
      if (interval.length > 0) {
        if (this.settings.samplingChange && activeRates !== null && !sameSet(activeRates, interval)) {
          out.push(
            candidate(
              'EXPORTER_SAMPLING_CHANGED',
              'warning',
              e.exporter,
              prev!.entry.lastSeenMs,
              e.lastSeenMs,
              'EXPORTER_SAMPLING_CHANGED@1',
              {},
              { ratesBefore: activeRates.length, ratesAfter: interval.length },
              {
                before: activeRates,
                after: interval,
                hint: 'check the sampler configuration: estimated volumes change with the rate',
              },
            ),
          );
        }
        activeRates = interval;
      }
      this.memory.set(e.exporter, { entry: e, activeRates });
    }
    // Exporters that vanished from the snapshot (table reset, eviction) are judged on what we last knew.
    for (const [exporter, m] of this.memory) if (!seen.has(exporter)) this.silent(m.entry, nowMs, out);
    return out;
  }

  private silent(e: ExporterSnapshotEntry, nowMs: number, out: AlertCandidate[]): void {
    const quietMs = nowMs - e.lastSeenMs;
    if (e.datagrams > 0 && quietMs > this.settings.silentAfterMs) {
      out.push(
        candidate(
          'EXPORTER_SILENT',
          'major',
          e.exporter,
          e.lastSeenMs,
          nowMs,
          'EXPORTER_SILENT@1',
          { silentAfterMs: this.settings.silentAfterMs },
          { silentMs: quietMs, datagrams: e.datagrams },
          {
            lastSeenMs: e.lastSeenMs,
            silentFromMs: e.lastSeenMs,
            hint: 'exporter stopped sending: device, path or collector ACL',
          },
        ),
      );
    }
  }
}

/**
 * The silent interval that has ended, for an exporter that sends again (quiet ≤ silentAfterMs): from the
 * last datagram before its last quiet spell to the first one after it. Null while it is still silent.
 */
export function silenceEnded(
  e: ExporterSnapshotEntry,
  settings: ExporterSettings,
  nowMs: number,
): { fromMs: number; toMs: number } | null {
  if (!settings.enabled || e.datagrams === 0 || nowMs - e.lastSeenMs > settings.silentAfterMs) return null;
  const known = (e.lastGapToMs ?? 0) > 0;
  return { fromMs: known ? e.lastGapFromMs! : e.lastSeenMs, toMs: known ? e.lastGapToMs! : e.lastSeenMs };
}

/** Rates whose cumulative count grew between two snapshots (all rates when there is no previous one or counters reset). */
export function intervalRates(prev: ExporterSnapshotEntry | undefined, cur: ExporterSnapshotEntry): number[] {
  const reset = prev !== undefined && cur.datagrams < prev.datagrams;
  const rates: number[] = [];
  for (const [k, n] of Object.entries(cur.samplingRates)) {
    const before = !prev || reset ? 0 : (prev.samplingRates[k] ?? 0);
    if (n > before) rates.push(Number(k));
  }
  return rates.sort((a, b) => a - b);
}

function sameSet(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** EXPORTER_COUNTER_MISMATCH for one reconciliation row, or null when within the threshold. */
export function counterMismatch(
  row: ReconciliationRowLike,
  settings: ExporterSettings,
  nowMs: number,
): AlertCandidate | null {
  if (!settings.enabled) return null;
  const diffs = [row.in_diff_pct, row.out_diff_pct].filter((x): x is number => x !== null && Number.isFinite(x));
  if (diffs.length === 0) return null;
  const worst = diffs.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a));
  if (Math.abs(worst) <= settings.counterMismatchPct) return null;
  return candidate(
    'EXPORTER_COUNTER_MISMATCH',
    'warning',
    `${row.exporter}|${row.if_index}`,
    nowMs,
    nowMs,
    'EXPORTER_COUNTER_MISMATCH@1',
    { diffPct: settings.counterMismatchPct },
    { diffPct: worst, inDiffPct: row.in_diff_pct ?? NaN, outDiffPct: row.out_diff_pct ?? NaN },
    { exporter: row.exporter, ifIndex: row.if_index, day: row.day, ...(row.hint ? { hint: row.hint } : {}) },
  );
}

function candidate(
  type: AlertCandidate['type'],
  severity: AlertCandidate['severity'],
  target: string,
  first: number,
  last: number,
  ruleId: string,
  thresholds: Record<string, number>,
  metrics: Record<string, number>,
  details: Record<string, string | number | number[]>,
): AlertCandidate {
  return {
    type,
    severity,
    target,
    sourceAsn: null,
    victimAsn: null,
    firstSeenMs: first,
    lastSeenMs: last,
    ruleId,
    thresholds,
    metrics,
    evidence: { ...emptyEvidence(), details },
  };
}
