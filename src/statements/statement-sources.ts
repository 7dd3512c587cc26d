/**
 * The issue-13 inputs of a month's statements, read once per run (month-inputs.ts): per-member coverage
 * (coverage.ts), approved finance exclusions (src/exclusions) and upheld disputes (src/disputes); and what
 * a statement document shows of them (top-level bucket counts, coverage basis, silent exporters).
 */
import type { CoverageRepository } from './coverage.repository.js';
import { buildMonthCoverage, type MemberCoverage } from './coverage.js';
import type { MonthInputs } from './month-inputs.js';
import type { MonthlyStatement } from './statement.types.js';

/**
 * What a run reads of exclusions and disputes, named here so that statements import neither folder
 * (src/exclusions and src/disputes build on statements; their repositories satisfy these shapes).
 */
export interface ApprovedExclusionsSource {
  overlapping(
    fromMs: number,
    toMs: number,
    opts: { status: 'approved' },
  ): Promise<
    { id: string; asn: number | null; from_ts: number; to_ts: number; reason: 'maintenance' | 'data_fault' }[]
  >;
}
export interface UpheldDisputesSource {
  list(q: { status: 'upheld' | 'open'; month: string; asn?: number }): Promise<{ id: string; asn: number }[]>;
}

export interface StatementSources {
  coverage: CoverageRepository;
  exclusions: ApprovedExclusionsSource;
  disputes: UpheldDisputesSource;
}

export async function loadMonthSources(
  s: StatementSources,
  month: string,
  startMs: number,
  endMs: number,
): Promise<Pick<MonthInputs, 'coverage' | 'financeExclusions' | 'upheldDisputes'>> {
  const [alive, registeredPorts, learned, excl, upheld] = await Promise.all([
    s.coverage.exporterAlive(startMs, endMs),
    s.coverage.registeredPorts(startMs, endMs),
    s.coverage.learnedExporters(startMs, endMs),
    s.exclusions.overlapping(startMs, endMs, { status: 'approved' }),
    s.disputes.list({ status: 'upheld', month }),
  ]);
  const upheldDisputes = new Map<number, string[]>();
  for (const d of upheld) upheldDisputes.set(d.asn, [...(upheldDisputes.get(d.asn) ?? []), d.id]);
  return {
    coverage: buildMonthCoverage({ startMs, endMs, alive, registeredPorts, learned }),
    financeExclusions: excl.map((e) => ({ id: e.id, asn: e.asn, from: e.from_ts, to: e.to_ts, reason: e.reason })),
    upheldDisputes,
  };
}

/** What the statement document carries of its coverage (contract: expected/valid/missing buckets at top level). */
export interface CoverageSection {
  expected_buckets: number;
  valid_buckets: number;
  missing_buckets: number;
  coverage_basis: MemberCoverage['basis'];
  coverage_exporters: string[];
  silent_exporters: MemberCoverage['silent'];
  disputes_upheld: string[];
}

export function coverageSection(c: MemberCoverage, s: MonthlyStatement, upheld: readonly string[]): CoverageSection {
  return {
    expected_buckets: s.expected_buckets,
    valid_buckets: s.valid_buckets,
    missing_buckets: s.missing_buckets,
    coverage_basis: c.basis,
    coverage_exporters: c.exporters,
    silent_exporters: c.silent,
    disputes_upheld: [...upheld],
  };
}

/**
 * What the inputs hash adds for these inputs: the upheld disputes (nothing when none, so statements
 * without any keep their hash). Coverage and exclusions already change the hash through the samples'
 * quality and the excluded intervals.
 */
export function correctionsHash(upheld: readonly string[]): { disputes_upheld?: string[] } {
  return upheld.length ? { disputes_upheld: [...upheld].sort() } : {};
}
