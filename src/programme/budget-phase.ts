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
import { groupCommit } from '../storage/clickhouse/group-insert.js';
import type { ProgrammeRepository, StagedRow } from './programme.repository.js';
import type { StageArgs } from '../statements/programme-port.js';

/** Longest a staged result waits for those of concurrent computes (one insert for several). */
export const STAGE_LINGER_MS = 25;

export type { StageArgs } from '../statements/programme-port.js';

/** A staged document with the budget step applied (the statement engine's last line). */
export function applyBudgetToDocument(doc: StatementDocument, d: BudgetDecision): StatementDocument {
  const sub = doc.subsidy;
  if (sub.status === 'not_enrolled') return doc;
  const before = parseFen(sub.amount_cny);
  const b = budgetLine(d, doc.asn, before);
  return {
    ...doc,
    subsidy: {
      ...sub,
      amount_cny: formatFen(b.amountFen),
      status: b.held ? 'needs_review' : sub.status,
      lines: [...sub.lines, b.line],
    },
  };
}

/** Inputs hash of the final statement: the staged inputs and the month's budget decision. */
export function budgetInputsHash(stagedHash: string, d: BudgetDecision, asn: number): string {
  return sha256Hex(
    canonicalJson({
      staged: stagedHash,
      budget: {
        month: d.month,
        b: String(d.budgetFen),
        c: String(d.committedBeforeFen),
        u: String(d.unscaledTotalFen),
        on: d.on_exceed,
        a: String(d.amounts.get(asn) ?? ''),
      },
    }),
  );
}

export function createBudgetPhase(repo: StatementsRepository, programme: ProgrammeRepository) {
  const chains = new Map<string, Promise<unknown>>();
  const serial = <T>(month: string, fn: () => Promise<T>): Promise<T> => {
    const next = (chains.get(month) ?? Promise.resolve()).then(fn, fn);
    chains.set(
      month,
      next.catch(() => undefined),
    );
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
        events.push({
          asn: s.asn,
          month,
          version: latest.version,
          at: now,
          action: 'unchanged',
          from_status: '',
          to_status: '',
          actor,
          role: 'system',
          note,
        });
        continue;
      }
      const version = (latest?.version ?? 0) + 1;
      const doc = applyBudgetToDocument(
        { ...(JSON.parse(s.document) as StatementDocument), version, inputs_hash: hash },
        decision,
      );
      statements.push({
        asn: s.asn,
        month,
        version,
        run_id: s.run_id,
        inputs_hash: hash,
        samples_hash: doc.statement.samples_hash,
        policy_id: policy.policy_id,
        policy_version: policy.version,
        amount_fen: parseFen(doc.subsidy.amount_cny).toString(),
        document: JSON.stringify(doc),
        created_at: now,
        created_by: actor,
      });
      events.push({
        asn: s.asn,
        month,
        version,
        at: now,
        action: 'computed',
        from_status: '',
        to_status: 'draft',
        actor,
        role: 'system',
        note,
      });
    }
    await repo.insertStatements(statements);
    await repo.insertEvents(events);
    return decision;
  }

  // Staged results of concurrent computes go out in one insert (each insert writes a part: group-insert.ts).
  const stageWrite = groupCommit<StagedRow>((items) => programme.stage(items), { lingerMs: () => STAGE_LINGER_MS });
  // Per run in this process: the run's members (read once), the members staged here, stagings in progress.
  const runs = new Map<string, { members: Promise<number[] | null>; staged: Set<number>; inflight: number }>();

  return {
    finish: (month: string, policy: SubsidyPolicy, actor: string, runId: string) =>
      serial(month, () => finish(month, policy, actor, runId)),
    /**
     * Stage one member's result; run the phase when it completes the run (at once outside a run). The run is
     * complete when this process staged all its members, or — several worker processes — when the staging
     * table has them all, checked whenever this process has no other staging of the run in progress (the
     * run's last staging anywhere ends in a process that then checks).
     */
    async stage(a: StageArgs): Promise<{ staged: true; finished: boolean }> {
      const key = `${a.month}\n${a.runId}`;
      let st = runs.get(key);
      if (!st) {
        if (runs.size >= 32) runs.delete(runs.keys().next().value!);
        const members = repo.run(a.runId).then((r) => (r ? r.asns.map(Number) : null));
        members.catch(() => runs.delete(key));
        runs.set(key, (st = { members, staged: new Set(), inflight: 0 }));
      }
      st.inflight++;
      try {
        await stageWrite({
          month: a.month,
          asn: a.asn,
          run_id: a.runId,
          inputs_hash: a.inputsHash,
          amount_fen: a.amountFen.toString(),
          document: JSON.stringify(a.document),
          staged_at: Date.now(),
        });
      } finally {
        st.inflight--;
      }
      st.staged.add(a.asn);
      const members = await st.members;
      if (members) {
        let complete = members.every((x) => st.staged.has(x));
        if (!complete && st.inflight === 0) {
          const staged = new Set(await programme.stagedAsns(a.month, a.runId));
          complete = members.every((x) => staged.has(x));
        }
        if (!complete) return { staged: true, finished: false };
      }
      await serial(a.month, () => finish(a.month, a.policy, a.actor, a.runId));
      return { staged: true, finished: true };
    },
  };
}

export type BudgetPhase = ReturnType<typeof createBudgetPhase>;
