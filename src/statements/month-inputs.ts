/**
 * Statement inputs read for the whole month at once: per-exporter liveness and the exporters carrying
 * each member (coverage.ts), the member registry (each member's record; peers' names), the month's policy and
 * the active exclusions (every member's and the approved finance ones; each statement takes its own) and
 * the upheld disputes.
 * They are read once per statement run and month instead of once per member (a run of 1,000 members
 * read them 1,000 times).
 *
 * Staleness is bounded two ways: the key includes the run id, so a new run (a re-run after late data,
 * a registry import, a new policy or exclusion) always reads afresh; and an entry is dropped TTL_MS after it was
 * read, so data that arrives while a long run is in progress reaches the members computed after it at
 * most TTL_MS late, as it would with per-member reads. A failed read is not kept.
 */
import type { MemberRow } from '../members/members.repository.js';
import type { SubsidyPolicy } from '../subsidies/policy.schema.js';
import type { MonthCoverage } from './coverage.js';

export interface MonthInputs {
  /** Per-exporter liveness and each member's carrying exporters over the whole month (coverage.ts). */
  coverage: MonthCoverage;
  /** The current record of every member in the registry (active or not), by ASN. */
  members: ReadonlyMap<number, MemberRow>;
  policy: SubsidyPolicy;
  /** Active exclusions overlapping the month, by start (epoch ms as decimal text). */
  exclusions: ReadonlyArray<{ asn: number; id: string; f: string; t: string; reason: string; ref: string }>;
  /** Approved finance exclusions overlapping the month (asn null: every member), epoch ms. */
  financeExclusions: ReadonlyArray<{
    id: string;
    asn: number | null;
    from: number;
    to: number;
    reason: 'maintenance' | 'data_fault';
  }>;
  /** Ids of the upheld disputes of each member's month (an input: an upheld dispute yields a new version). */
  upheldDisputes: ReadonlyMap<number, string[]>;
  /** What the month's data incidents add to each compute's event note ('' when none; src/operations). */
  incidentNote: string;
}

export const MONTH_INPUTS_TTL_MS = 10_000;

export type MonthInputsCache = (runId: string, month: string) => Promise<MonthInputs>;

/** Entries kept at most (the oldest goes first): callers that give every compute its own run id gain nothing but must not pile up. */
export const MONTH_INPUTS_MAX_ENTRIES = 8;

export function monthInputsCache(
  load: (month: string) => Promise<MonthInputs>,
  ttlMs = MONTH_INPUTS_TTL_MS,
  now: () => number = Date.now,
): MonthInputsCache {
  const entries = new Map<string, { at: number; value: Promise<MonthInputs> }>();
  return (runId, month) => {
    const t = now();
    for (const [k, e] of entries) if (t - e.at >= ttlMs) entries.delete(k);
    const key = `${runId}\n${month}`;
    const hit = entries.get(key);
    if (hit) return hit.value;
    const value = load(month);
    if (entries.size >= MONTH_INPUTS_MAX_ENTRIES) entries.delete(entries.keys().next().value!);
    entries.set(key, { at: t, value });
    value.catch(() => {
      if (entries.get(key)?.value === value) entries.delete(key);
    });
    return value;
  };
}
