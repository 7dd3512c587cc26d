/**
 * What the statement engine asks of the programme (one code path for statements and simulations):
 * the month's imported fees and the budget phase. Built in runtime/domain-services.ts.
 */
import type { MemberFees, ProgrammeHooks } from '../statements/programme-port.js';
import type { BudgetPhase } from './budget-phase.js';
import type { ProgrammeRepository } from './programme.repository.js';

export type { MemberFees, ProgrammeHooks, SimulationOverride } from '../statements/programme-port.js';

export function createProgrammeHooks(
  programme: ProgrammeRepository,
  budget: BudgetPhase,
): ProgrammeHooks & { budget: BudgetPhase } {
  // Per run and month, like month-inputs.ts (a new run reads afresh); at most 16 entries.
  const cache = new Map<string, Promise<ReadonlyMap<number, MemberFees>>>();
  return {
    budget,
    fees(runId, month) {
      const key = `${runId}\n${month}`;
      let hit = cache.get(key);
      if (!hit) {
        if (cache.size >= 16) cache.delete(cache.keys().next().value!);
        hit = programme
          .fees(month, month)
          .then(
            (rows) =>
              new Map(rows.map((r) => [r.asn, { paidFen: BigInt(r.paid_fen), invoicedFen: BigInt(r.invoiced_fen) }])),
          );
        hit.catch(() => cache.delete(key));
        cache.set(key, hit);
      }
      return hit;
    },
  };
}
