/** The programme services together: simulation, the month's budget view, payouts, the year report. */
import type { MembersService } from '../members/members.service.js';
import { createPayouts, payoutDoc } from './payout.service.js';
import type { StatementsRepository } from '../statements/statements.repository.js';
import type { StatementsService } from '../statements/statements.service.js';
import { decideBudget } from '../subsidies/budget.js';
import { formatFen } from '../subsidies/money.js';
import type { PoliciesService } from '../subsidies/policies.service.js';
import type { ProgrammeRepository } from './programme.repository.js';
import { renderCsv, renderPdf, renderXlsx } from './render.js';
import { buildProgrammeReport, programmeDoc, type ProgrammeReport } from './report.js';
import { createSimulator } from './simulate.js';

export function createProgramme(
  repo: ProgrammeRepository,
  statements: StatementsService,
  statementsRepo: StatementsRepository,
  members: MembersService,
  policies: PoliciesService,
) {
  const payouts = createPayouts(repo, statementsRepo, members, policies);
  return {
    simulate: createSimulator(statements, members, policies, repo),
    /** Budget, committed, remaining and the factor of a month, decided as the budget phase decides it (from the staged month). */
    async budgetView(month: string) {
      const policy = await policies.forMonth(month);
      const committedBefore = await repo.committedBefore(month);
      const monthRows = await repo.latestAmounts(month, month);
      const committedMonth = monthRows.reduce((s, r) => s + BigInt(r.amount_fen), 0n);
      const base = {
        month,
        policy: { id: policy.policy_id, version: policy.version },
        committed_before_cny: formatFen(committedBefore),
        committed_month_cny: formatFen(committedMonth),
      };
      if (!policy.budget) return { ...base, budget: null };
      const staged = await repo.staged(month);
      const d = decideBudget(
        policy.budget,
        month,
        committedBefore,
        staged.map((s) => ({ asn: s.asn, amountFen: BigInt(s.amount_fen) })),
      );
      return {
        ...base,
        budget: {
          annual_cny: policy.budget.annual_cny,
          on_exceed: policy.budget.on_exceed,
          remaining_before_cny: formatFen(d.remainingBeforeFen),
          unscaled_month_cny: formatFen(d.unscaledTotalFen),
          month_after_budget_cny: formatFen(d.totalFen),
          remaining_after_cny: formatFen(d.budgetFen - committedBefore - committedMonth),
          factor: d.factorText,
          action: d.action,
        },
      };
    },
    async payout(
      month: string,
      actor: { id: string; role: string },
      format: 'csv' | 'xlsx',
      lang: 'zh' | 'en' | 'both',
    ) {
      const payout = await payouts.export(month, actor);
      const doc = payoutDoc(payout);
      return { payout, file: format === 'csv' ? renderCsv(doc, lang) : await renderXlsx(doc) };
    },
    report: (year: string) => buildProgrammeReport(year, repo, members, policies),
    async renderReport(r: ProgrammeReport, format: 'xlsx' | 'pdf', lang: 'zh' | 'en') {
      const doc = programmeDoc(r);
      return format === 'xlsx' ? renderXlsx(doc) : renderPdf(doc, lang);
    },
  };
}

export type Programme = ReturnType<typeof createProgramme>;
