/**
 * Second phase of a budgeted month's statements (policy `budget`). Each member-month compute stages its
 * result before the budget step (budget_staging); when the run's last member is staged (or at once for a
 * compute outside a run), the phase reads every member's latest staged result of the month, decides the
 * month's factor from the whole month (src/subsidies/budget.ts) and writes the statements: a BUDGET line
 * on each, a new version only where the result changed. The members' finishing order cannot change any
 * amount: the decision depends only on the staged set. Phases of one month run one at a time in a process.
 */
import { canonicalJson, sha256Hex } from '../statements/canonical.js';
import type { StatementDocument } from '../statements/document.js';
import type { EventRow, StatementRow, StatementsRepository } from '../statements/statements.repository.js';
import { budgetLine, decideBudget, type BudgetDecision } from '../subsidies/budget.js';
import { formatFen, parseFen } from '../subsidies/money.js';
import type { SubsidyPolicy } from '../subsidies/policy.schema.js';
import type { ProgrammeRepository } from './programme.repository.js';

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

/** A staged document with the budget step applied (the statement engine's last line). */
export function applyBudgetToDocument(doc: StatementDocument, d: BudgetDecision): StatementDocument {
  const sub = doc.subsidy;
  if (sub.status === 'not_enrolled') return doc;
  const before = parseFen(sub.amount_cny);
  const b = budgetLine(d, doc.asn, before);
  return {
    ...doc,
    subsidy: { ...sub, amount_cny: formatFen(b.amountFen), status: b.held ? 'needs_review' : sub.status, lines: [...sub.lines, b.line] },
  };
}

/** Inputs hash of the final statement: the staged inputs and the month's budget decision. */
export function budgetInputsHash(stagedHash: string, d: BudgetDecision, asn: number): string {
  return sha256Hex(canonicalJson({ staged: stagedHash, budget: { month: d.month, b: String(d.budgetFen), c: String(d.committedBeforeFen), u: String(d.unscaledTotalFen), on: d.on_exceed, a: String(d.amounts.get(asn) ?? '') } }));
}

export function createBudgetPhase(repo: StatementsRepository, programme: ProgrammeRepository) {
  const chains = new Map<string, Promise<unknown>>();
  const serial = <T>(month: string, fn: () => Promise<T>): Promise<T> => {
    const next = (chains.get(month) ?? Promise.resolve()).then(fn, fn);
    chains.set(month, next.catch(() => undefined));
    return next;
  };

  async function finish(month: string, policy: SubsidyPolicy, actor: string, runId: string): Promise<BudgetDecision> {
    const staged = await programme.staged(month);
    const committed = await programme.committedBefore(month);
    const members = staged.map((s) => ({ asn: s.asn, amountFen: BigInt(s.amount_fen) }));
    const decision = decideBudget(policy.budget!, month, committed, members);
    const statements: StatementRow[] = [];
    const events: EventRow[] = [];
    const latestOf = new Map((await programme.latestVersions(month)).map((l) => [l.asn, l]));
    const now = Date.now();
    const note = `run:${runId} budget:${decision.action}`;
    for (const s of staged) {
      const hash = budgetInputsHash(s.inputs_hash, decision, s.asn);
      const latest = latestOf.get(s.asn);
      if (latest && latest.inputs_hash === hash) {
        events.push({ asn: s.asn, month, version: latest.version, at: now, action: 'unchanged', from_status: '', to_status: '', actor, role: 'system', note });
        continue;
      }
      const version = (latest?.version ?? 0) + 1;
      const doc = applyBudgetToDocument({ ...(JSON.parse(s.document) as StatementDocument), version, inputs_hash: hash }, decision);
      statements.push({
        asn: s.asn, month, version, run_id: s.run_id, inputs_hash: hash, samples_hash: doc.statement.samples_hash, policy_id: policy.policy_id, policy_version: policy.version,
        amount_fen: parseFen(doc.subsidy.amount_cny).toString(), document: JSON.stringify(doc), created_at: now, created_by: actor,
      });
      events.push({ asn: s.asn, month, version, at: now, action: 'computed', from_status: '', to_status: 'draft', actor, role: 'system', note });
    }
    await repo.insertStatements(statements);
    await repo.insertEvents(events);
    return decision;
  }

  return {
    finish: (month: string, policy: SubsidyPolicy, actor: string, runId: string) => serial(month, () => finish(month, policy, actor, runId)),
    /** Stage one member's result; run the phase when it completes the run (or at once outside a run). */
    async stage(a: StageArgs): Promise<{ staged: true; finished: boolean }> {
      await programme.stage([{ month: a.month, asn: a.asn, run_id: a.runId, inputs_hash: a.inputsHash, amount_fen: a.amountFen.toString(), document: JSON.stringify(a.document), staged_at: Date.now() }]);
      const run = await repo.run(a.runId);
      if (run) {
        const staged = new Set(await programme.stagedAsns(a.month, a.runId));
        if (!run.asns.map(Number).every((x) => staged.has(x))) return { staged: true, finished: false };
      }
      await serial(a.month, () => finish(a.month, a.policy, a.actor, a.runId));
      return { staged: true, finished: true };
    },
  };
}

export type BudgetPhase = ReturnType<typeof createBudgetPhase>;
