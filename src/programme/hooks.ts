/**
 * What the statement engine asks of the programme (one code path for statements and simulations):
 * the month's imported fees and the budget phase. Built in runtime/domain-services.ts.
 */
import type { SubsidyPolicy } from '../subsidies/policy.schema.js';
import type { MonthlyStatement } from '../statements/statement.types.js';
import type { BudgetPhase } from './budget-phase.js';
import type { ProgrammeRepository } from './programme.repository.js';

export interface MemberFees {
  paidFen: bigint;
  invoicedFen: bigint;
}

export interface ProgrammeHooks {
  /** Fees of every member for a month, read once per run (like the month's other shared inputs). */
  fees(runId: string, month: string): Promise<ReadonlyMap<number, MemberFees>>;
  budget: BudgetPhase;
}

/** A simulation's overrides of one member-month compute: a candidate policy and its own year-to-date. Nothing is written. */
export interface SimulationOverride {
  policy?: SubsidyPolicy;
  ytdFen: bigint;
  /** Statements already built for this member-month (the part that does not depend on the policy's money rules). */
  memo?: { get(key: string): MonthlyStatement | undefined; set(key: string, s: MonthlyStatement): void };
}

export function createProgrammeHooks(programme: ProgrammeRepository, budget: BudgetPhase): ProgrammeHooks {
  // Per run and month, like month-inputs.ts (a new run reads afresh); at most 16 entries.
  const cache = new Map<string, Promise<ReadonlyMap<number, MemberFees>>>();
  return {
    budget,
    fees(runId, month) {
      const key = `${runId}\n${month}`;
      let hit = cache.get(key);
      if (!hit) {
        if (cache.size >= 16) cache.delete(cache.keys().next().value!);
        hit = programme.fees(month, month).then((rows) => new Map(rows.map((r) => [r.asn, { paidFen: BigInt(r.paid_fen), invoicedFen: BigInt(r.invoiced_fen) }])));
        hit.catch(() => cache.delete(key));
        cache.set(key, hit);
      }
      return hit;
    },
  };
}
