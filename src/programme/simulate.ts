/**
 * Policy what-if (政策测算, POST /policies/simulate): a policy document — a candidate, or the registered
 * one of each month — over past months, through exactly the statement computation (statements.service
 * `simulate`: the same inputs, engine and budget step) with nothing stored. Year-to-date (annual caps) and
 * the budget's committed total count the stored statements of the year before `from`, then the
 * simulation's own months; so simulating the registered policy over computed months gives the stored
 * amounts to the fen.
 */
import { randomBytes } from 'node:crypto';
import type { MembersService } from '../members/members.service.js';
import { AppError } from '../shared/errors.js';
import type { StatementsService } from '../statements/statements.service.js';
import { budgetLine, decideBudget } from '../subsidies/budget.js';
import type { SubsidyLine } from '../subsidies/lines.js';
import { formatFen } from '../subsidies/money.js';
import type { PoliciesService } from '../subsidies/policies.service.js';
import type { SubsidyPolicy } from '../subsidies/policy.schema.js';
import type { ProgrammeRepository } from './programme.repository.js';
import type { MonthlyStatement } from '../statements/statement.types.js';

export interface SimulatedMember {
  asn: number;
  amount_cny: string;
  status: string;
  lines: SubsidyLine[];
}

export interface SimulationResult {
  policy: { id: string; version: number; candidate: boolean } | null;
  from: string;
  to: string;
  total_cny: string;
  months: Array<{
    month: string;
    total_cny: string;
    policy: { id: string; version: number };
    budget: {
      annual_cny: string;
      committed_before_cny: string;
      remaining_cny: string;
      factor: string;
      action: string;
    } | null;
    members: SimulatedMember[];
  }>;
}

/**
 * A member-month's statement (traffic, percentiles, coverage: what the policy's money rules work on) is
 * reused by simulations for STATEMENT_MEMO_TTL_MS, keyed by member, month, member-file version and the
 * policy's percentile, method and exclusion reasons: a finance officer trying candidates one after another
 * (and the console, which simulates the current policy beside the candidate) reads the traffic once.
 * Data that changes within that time (late traffic, a new exclusion) reaches simulations when it expires;
 * stored statements are never computed from it.
 */
export const STATEMENT_MEMO_TTL_MS = 10 * 60_000;
export const STATEMENT_MEMO_MAX = 30_000;
const memoEntries = new Map<string, { at: number; s: MonthlyStatement }>();
const memo = {
  get(key: string): MonthlyStatement | undefined {
    const e = memoEntries.get(key);
    if (!e) return undefined;
    if (Date.now() - e.at > STATEMENT_MEMO_TTL_MS) return (void memoEntries.delete(key), undefined);
    return e.s;
  },
  set(key: string, s: MonthlyStatement): void {
    if (memoEntries.size >= STATEMENT_MEMO_MAX) memoEntries.delete(memoEntries.keys().next().value!);
    memoEntries.set(key, { at: Date.now(), s });
  },
};

/** Simulations compute this many member-months at once (like the statement worker). */
export const SIMULATION_CONCURRENCY = 8;
export const MAX_SIMULATION_MONTHS = 36;

export function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  let [y, m] = from.split('-').map(Number) as [number, number];
  for (;;) {
    const s = `${y}-${String(m).padStart(2, '0')}`;
    if (s > to) break;
    out.push(s);
    if (++m > 12) ((m = 1), y++);
  }
  return out;
}

async function pool<T>(items: readonly T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

export function createSimulator(
  statements: StatementsService,
  members: MembersService,
  policies: PoliciesService,
  repo: ProgrammeRepository,
) {
  return async function simulate(args: {
    policy?: SubsidyPolicy;
    from: string;
    to: string;
  }): Promise<SimulationResult> {
    if (args.to < args.from)
      throw new AppError('IXMETER_ERR_VALIDATION', `to (${args.to}) is before from (${args.from})`);
    const months = monthsBetween(args.from, args.to);
    if (months.length > MAX_SIMULATION_MONTHS)
      throw new AppError(
        'IXMETER_ERR_VALIDATION',
        `a simulation covers at most ${MAX_SIMULATION_MONTHS} months, not ${months.length}`,
      );
    const runId = `sim-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
    const asns = (await members.list()).map((m) => m.asn);
    // Stored amounts of the year before `from` (year-to-date and committed), then the simulation's own.
    const stored = await repo.latestAmounts(
      `${args.from.slice(0, 4)}-01`,
      months[0]! > `${args.from.slice(0, 4)}-01` ? prevMonth(args.from) : '0000-00',
    );
    const ytd = new Map<number, bigint>();
    let committed = 0n;
    for (const r of stored) {
      ytd.set(r.asn, (ytd.get(r.asn) ?? 0n) + BigInt(r.amount_fen));
      committed += BigInt(r.amount_fen);
    }
    const out: SimulationResult['months'] = [];
    let total = 0n;
    for (const month of months) {
      if (month.endsWith('-01') && month !== args.from) (ytd.clear(), (committed = 0n));
      const policy = args.policy ?? (await policies.forMonth(month));
      const rows: Array<SimulatedMember & { fen: bigint }> = [];
      await pool(asns, SIMULATION_CONCURRENCY, async (asn) => {
        const r = await statements.simulate(asn, month, runId, { policy, ytdFen: ytd.get(asn) ?? 0n, memo });
        const fen = r.subsidy?.amountFen ?? 0n;
        rows.push({
          asn,
          fen,
          amount_cny: formatFen(fen),
          status: r.subsidy?.status ?? 'not_enrolled',
          lines: r.subsidy?.lines ?? [],
        });
      });
      rows.sort((a, b) => a.asn - b.asn);
      let budget: SimulationResult['months'][number]['budget'] = null;
      if (policy.budget) {
        const d = decideBudget(
          policy.budget,
          month,
          committed,
          rows.map((r) => ({ asn: r.asn, amountFen: r.fen })),
        );
        for (const r of rows) {
          if (r.status === 'not_enrolled') continue;
          const b = budgetLine(d, r.asn, r.fen);
          r.fen = b.amountFen;
          r.amount_cny = formatFen(b.amountFen);
          if (b.held) r.status = 'needs_review';
          r.lines = [...r.lines, b.line];
        }
        budget = {
          annual_cny: formatFen(d.budgetFen),
          committed_before_cny: formatFen(d.committedBeforeFen),
          remaining_cny: formatFen(d.remainingBeforeFen),
          factor: d.factorText,
          action: d.action,
        };
      }
      let monthFen = 0n;
      for (const r of rows) {
        monthFen += r.fen;
        ytd.set(r.asn, (ytd.get(r.asn) ?? 0n) + r.fen);
      }
      committed += monthFen;
      total += monthFen;
      out.push({
        month,
        total_cny: formatFen(monthFen),
        policy: { id: policy.policy_id, version: policy.version },
        budget,
        members: rows.map(({ fen: _f, ...m }) => m),
      });
    }
    return {
      policy: args.policy ? { id: args.policy.policy_id, version: args.policy.version, candidate: true } : null,
      from: args.from,
      to: args.to,
      total_cny: formatFen(total),
      months: out,
    };
  };
}

function prevMonth(m: string): string {
  const [y, mo] = m.split('-').map(Number) as [number, number];
  return mo === 1 ? `${y - 1}-12` : `${y}-${String(mo - 1).padStart(2, '0')}`;
}

export type Simulator = ReturnType<typeof createSimulator>;
