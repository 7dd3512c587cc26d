/**
 * The programme's year (GET /reports/programme/{YYYY}), the document finance sends upward: per month and
 * per member the budget, committed (latest amount of every member-month), approved (approved or exported),
 * paid (in an exported payout file) amounts and coverage; the policy versions applied, a document number
 * and the SHA-256 of its inputs (the rows it was built from, canonical JSON), so two copies with the same
 * number and hash were built from the same data.
 * Disputes: counted per month and member from statement_disputes (raised, still open) when the dispute
 * workflow is present; otherwise the report says they are not available.
 */
import type { MembersService } from '../members/members.service.js';
import { canonicalJson, sha256Hex } from '../statements/canonical.js';
import { formatFen, parseFen } from '../subsidies/money.js';
import type { PoliciesService } from '../subsidies/policies.service.js';
import type { ProgrammeRepository } from './programme.repository.js';
import type { Doc } from './render.js';
import { monthsBetween } from './simulate.js';

export interface ProgrammeMonth {
  month: string;
  policy: string;
  budget_cny: string | null;
  committed_cny: string;
  approved_cny: string;
  paid_cny: string;
  remaining_cny: string | null;
  members: number;
  coverage: number | null;
  disputes: { raised: number; open: number } | null;
}

export interface ProgrammeMember {
  asn: number;
  name: string;
  committed_cny: string;
  approved_cny: string;
  paid_cny: string;
  months: Record<string, string>;
  coverage: number | null;
  disputes: { raised: number; open: number } | null;
}

export interface ProgrammeReport {
  format: 'ixmeter-programme-year-v1';
  year: string;
  document_no: string;
  inputs_hash: string;
  generated_at: string;
  policies: Array<{ id: string; version: number }>;
  budget_cny: string | null;
  total: { committed_cny: string; approved_cny: string; paid_cny: string };
  months: ProgrammeMonth[];
  members: ProgrammeMember[];
  disputes: { available: boolean; raised: number; open: number; note: string };
}

const mean = (xs: number[]) =>
  xs.length ? Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 10_000) / 10_000 : null;

export async function buildProgrammeReport(
  year: string,
  repo: ProgrammeRepository,
  members: MembersService,
  policies: PoliciesService,
  now = new Date(),
): Promise<ProgrammeReport> {
  const months = monthsBetween(`${year}-01`, `${year}-12`);
  const [rows, payouts, registry, disputes] = await Promise.all([
    repo.year(months[0]!, months[11]!),
    repo.payouts(months[0]!, months[11]!),
    members.list(true),
    repo.disputes(months[0]!, months[11]!),
  ]);
  const countDisputes = (f: (d: { asn: number; month: string }) => boolean) => {
    if (!disputes) return null;
    const ds = disputes.filter(f);
    return { raised: ds.length, open: ds.filter((d) => d.status === 'open').length };
  };
  const monthPolicies = await Promise.all(months.map((m) => policies.forMonth(m)));
  const names = new Map(registry.map((m) => [m.asn, m.name_zh || m.name]));
  const paid = new Map<string, bigint>();
  for (const p of payouts)
    paid.set(`${p.asn} ${p.month}`, (paid.get(`${p.asn} ${p.month}`) ?? 0n) + BigInt(p.amount_fen));
  const isApproved = (s: string) => s === 'approved' || s === 'exported';

  let cumulative = 0n;
  const mOut: ProgrammeMonth[] = months.map((month, i) => {
    const rs = rows.filter((r) => r.month === month);
    const committed = rs.reduce((s, r) => s + BigInt(r.amount_fen), 0n);
    const approved = rs.filter((r) => isApproved(r.status)).reduce((s, r) => s + BigInt(r.amount_fen), 0n);
    const p = rs.reduce((s, r) => s + (paid.get(`${r.asn} ${month}`) ?? 0n), 0n);
    cumulative += committed;
    const b = monthPolicies[i]!.budget;
    const budgetFen = b ? parseFen(b.annual_cny) : null;
    return {
      month,
      policy: `${monthPolicies[i]!.policy_id} v${monthPolicies[i]!.version}`,
      budget_cny: budgetFen === null ? null : formatFen(budgetFen),
      committed_cny: formatFen(committed),
      approved_cny: formatFen(approved),
      paid_cny: formatFen(p),
      remaining_cny: budgetFen === null ? null : formatFen(budgetFen - cumulative),
      members: rs.length,
      coverage: mean(rs.map((r) => r.coverage)),
      disputes: countDisputes((d) => d.month === month),
    };
  });
  const asns = [...new Set(rows.map((r) => r.asn))].sort((a, b) => a - b);
  const memOut: ProgrammeMember[] = asns.map((asn) => {
    const rs = rows.filter((r) => r.asn === asn);
    const sum = (f: (r: (typeof rs)[number]) => bigint) => formatFen(rs.reduce((s, r) => s + f(r), 0n));
    return {
      asn,
      name: names.get(asn) ?? `AS${asn}`,
      committed_cny: sum((r) => BigInt(r.amount_fen)),
      approved_cny: sum((r) => (isApproved(r.status) ? BigInt(r.amount_fen) : 0n)),
      paid_cny: sum((r) => paid.get(`${asn} ${r.month}`) ?? 0n),
      months: Object.fromEntries(rs.map((r) => [r.month, formatFen(BigInt(r.amount_fen))])),
      coverage: mean(rs.map((r) => r.coverage)),
      disputes: countDisputes((d) => d.asn === asn),
    };
  });
  const pol = new Map<string, { id: string; version: number }>();
  for (const r of rows) pol.set(`${r.policy_id} ${r.policy_version}`, { id: r.policy_id, version: r.policy_version });
  const total = (k: 'committed_cny' | 'approved_cny' | 'paid_cny') =>
    formatFen(mOut.reduce((s, m) => s + parseFen(m[k]), 0n));
  const budgets = [...new Set(mOut.map((m) => m.budget_cny).filter((b): b is string => b !== null))];
  const inputsHash = sha256Hex(
    canonicalJson({
      year,
      rows: rows.map((r) => [r.asn, r.month, r.version, r.amount_fen, r.status, r.coverage]),
      payouts: payouts.map((p) => [p.payout_id, p.asn, p.month, p.version, p.amount_fen]),
      budgets: mOut.map((m) => m.budget_cny),
      disputes: disputes?.map((d) => [d.asn, d.month, d.status]) ?? null,
    }),
  );
  const all = countDisputes(() => true);
  return {
    format: 'ixmeter-programme-year-v1',
    year,
    document_no: `IXM-PRG-${year}-${inputsHash.slice(0, 8).toUpperCase()}`,
    inputs_hash: inputsHash,
    generated_at: now.toISOString(),
    policies: [...pol.values()],
    budget_cny: budgets.length === 1 ? budgets[0]! : budgets.length ? budgets.join(' / ') : null,
    total: { committed_cny: total('committed_cny'), approved_cny: total('approved_cny'), paid_cny: total('paid_cny') },
    months: mOut,
    members: memOut,
    disputes: all
      ? { available: true, ...all, note: "disputes raised against the year's statements, each in its latest state" }
      : {
          available: false,
          raised: 0,
          open: 0,
          note: 'this build has no dispute records (statement_disputes); they are reported once the dispute workflow is present',
        },
  };
}

const pct = (c: number | null) => (c === null ? '' : `${(c * 100).toFixed(2)}%`);
const dsp = (d: { raised: number; open: number } | null) => (d === null ? '—' : `${d.raised}/${d.open}`);

export function programmeDoc(r: ProgrammeReport): Doc {
  const months = r.months.map((m) => m.month);
  return {
    title: { zh: `流量补贴项目 ${r.year} 年度报告`, en: `Flow subsidy programme: year ${r.year}` },
    facts: [
      [{ zh: '文号', en: 'Document no.' }, r.document_no],
      [{ zh: '输入数据哈希（SHA-256）', en: 'Inputs hash (SHA-256)' }, r.inputs_hash],
      [{ zh: '政策版本', en: 'Policy versions' }, r.policies.map((p) => `${p.id} v${p.version}`).join(', ') || '—'],
      [{ zh: '年度预算（元）', en: 'Annual budget (CNY)' }, r.budget_cny ?? '—'],
      [{ zh: '已承诺（元）', en: 'Committed (CNY)' }, r.total.committed_cny],
      [{ zh: '已批准（元）', en: 'Approved (CNY)' }, r.total.approved_cny],
      [{ zh: '已支付（元）', en: 'Paid (CNY)' }, r.total.paid_cny],
      [{ zh: '生成时间', en: 'Generated' }, r.generated_at],
    ],
    tables: [
      {
        id: 'months',
        title: { zh: '按月', en: 'By month' },
        columns: [
          { zh: '月份', en: 'Month' },
          { zh: '政策', en: 'Policy' },
          { zh: '预算（元）', en: 'Budget (CNY)', money: true },
          { zh: '已承诺（元）', en: 'Committed (CNY)', money: true },
          { zh: '已批准（元）', en: 'Approved (CNY)', money: true },
          { zh: '已支付（元）', en: 'Paid (CNY)', money: true },
          { zh: '预算剩余（元）', en: 'Budget remaining (CNY)', money: true },
          { zh: '会员数', en: 'Members' },
          { zh: '平均数据完整率', en: 'Mean coverage' },
          { zh: '争议（提出/未决）', en: 'Disputes (raised/open)' },
        ],
        rows: r.months.map((m) => [
          m.month,
          m.policy,
          m.budget_cny,
          m.committed_cny,
          m.approved_cny,
          m.paid_cny,
          m.remaining_cny,
          m.members,
          pct(m.coverage),
          dsp(m.disputes),
        ]),
      },
      {
        id: 'members',
        title: { zh: '按会员', en: 'By member' },
        columns: [
          { zh: 'ASN', en: 'ASN' },
          { zh: '会员', en: 'Member' },
          { zh: '已承诺（元）', en: 'Committed (CNY)', money: true },
          { zh: '已批准（元）', en: 'Approved (CNY)', money: true },
          { zh: '已支付（元）', en: 'Paid (CNY)', money: true },
          { zh: '平均数据完整率', en: 'Mean coverage' },
          { zh: '争议（提出/未决）', en: 'Disputes (raised/open)' },
          ...months.map((m) => ({ zh: m.slice(5) + '月', en: m, money: true })),
        ],
        rows: r.members.map((m) => [
          m.asn,
          m.name,
          m.committed_cny,
          m.approved_cny,
          m.paid_cny,
          pct(m.coverage),
          dsp(m.disputes),
          ...months.map((x) => m.months[x] ?? null),
        ]),
      },
    ],
    notes: r.disputes.available
      ? [
          {
            zh: `争议：本年度共提出 ${r.disputes.raised} 件，未决 ${r.disputes.open} 件。`,
            en: `Disputes: ${r.disputes.raised} raised this year, ${r.disputes.open} still open.`,
          },
        ]
      : [
          {
            zh: '争议：本系统尚无争议记录表（statement_disputes），争议流程上线后列入本报告。',
            en: 'Disputes: this build has no dispute records (statement_disputes); they are listed once the dispute workflow is present.',
          },
        ],
  };
}
