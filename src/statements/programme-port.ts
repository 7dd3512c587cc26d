/**
 * What the statement engine asks of the subsidy programme (src/programme implements it; one code path for
 * statements and simulations): the month's imported fees and the budget phase. Declared here so that
 * statements import nothing from programme (docs/architecture.md: no cycles between domain folders).
 */
import type { SubsidyPolicy } from '../subsidies/policy.schema.js';
import type { StatementDocument } from './document.js';
import type { MonthlyStatement } from './statement.types.js';

export interface MemberFees {
  paidFen: bigint;
  invoicedFen: bigint;
}

/** One member's result before the budget step, staged until the whole month is in. */
export interface StageArgs {
  asn: number;
  month: string;
  runId: string;
  actor: string;
  inputsHash: string;
  amountFen: bigint;
  document: StatementDocument;
  policy: SubsidyPolicy;
}

export interface ProgrammeHooks {
  /** Fees of every member for a month, read once per run (like the month's other shared inputs). */
  fees(runId: string, month: string): Promise<ReadonlyMap<number, MemberFees>>;
  budget: { stage(a: StageArgs): Promise<unknown> };
}

/** A simulation's overrides of one member-month compute: a candidate policy and its own year-to-date. Nothing is written. */
export interface SimulationOverride {
  policy?: SubsidyPolicy;
  ytdFen: bigint;
  /** Statements already built for this member-month (the part that does not depend on the policy's money rules). */
  memo?: { get(key: string): MonthlyStatement | undefined; set(key: string, s: MonthlyStatement): void };
}
