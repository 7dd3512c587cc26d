/**
 * Payout files (GET /statements/{month}/payout): the approved member-months of the payout period with
 * amount and payee (the member file's ixmeter.payee), and each of them moved to `exported` through the
 * statement workflow (an event per member-month, audited by the route). The period follows the month's
 * policy `payout`: MONTHLY → the month; QUARTERLY → the calendar quarter holding it (three months grouped
 * per member); ANNUAL → the year. A member without a payee is listed as skipped and stays approved.
 * A second export finds nothing approved left, so it lists nothing new.
 */
import { randomBytes } from 'node:crypto';
import type { MembersService } from '../members/members.service.js';
import type { StatementsRepository } from '../statements/statements.repository.js';
import { transition } from '../statements/workflow.js';
import { formatFen, parseFen } from '../subsidies/money.js';
import type { PoliciesService } from '../subsidies/policies.service.js';
import type { ProgrammeRepository } from './programme.repository.js';
import type { Doc } from './render.js';

export interface PayoutLine {
  asn: number;
  name: string;
  months: string[];
  versions: number[];
  amount_cny: string;
  payee: { name: string; bank: string; account: string; tax_id?: string } | null;
}

export interface Payout {
  payout_id: string;
  period: string;
  months: string[];
  total_cny: string;
  lines: PayoutLine[];
  skipped: Array<{ asn: number; months: string[]; reason: string }>;
}

export function payoutMonths(
  month: string,
  mode: 'MONTHLY' | 'QUARTERLY' | 'ANNUAL',
): { period: string; months: string[] } {
  const y = month.slice(0, 4);
  const m = Number(month.slice(5));
  const mm = (k: number) => `${y}-${String(k).padStart(2, '0')}`;
  if (mode === 'MONTHLY') return { period: month, months: [month] };
  if (mode === 'ANNUAL') return { period: y, months: Array.from({ length: 12 }, (_, i) => mm(i + 1)) };
  const q = Math.ceil(m / 3);
  return { period: `${y}-Q${q}`, months: [0, 1, 2].map((i) => mm(3 * q - 2 + i)) };
}

export function createPayouts(
  repo: ProgrammeRepository,
  statementsRepo: StatementsRepository,
  members: MembersService,
  policies: PoliciesService,
) {
  return {
    async export(month: string, actor: { id: string; role: string }): Promise<Payout> {
      const policy = await policies.forMonth(month);
      const { period, months } = payoutMonths(month, policy.payout);
      const rows = (await repo.year(months[0]!, months[months.length - 1]!)).filter((r) => r.status === 'approved');
      const registry = new Map((await members.list(true)).map((m) => [m.asn, m]));
      const payoutId = `payout-${period}-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
      const byMember = new Map<number, typeof rows>();
      for (const r of rows) byMember.set(r.asn, [...(byMember.get(r.asn) ?? []), r]);
      const lines: PayoutLine[] = [];
      const skipped: Payout['skipped'] = [];
      const now = Date.now();
      for (const [asn, list] of [...byMember].sort((a, b) => a[0] - b[0])) {
        const m = registry.get(asn);
        const payee = m?.extension?.payee ?? null;
        if (!payee) {
          skipped.push({
            asn,
            months: list.map((r) => r.month),
            reason: 'no payee in the member file (ixmeter.payee)',
          });
          continue;
        }
        for (const r of list) {
          await transition(statementsRepo, {
            asn,
            month: r.month,
            version: r.version,
            action: 'export',
            actor: actor.id,
            role: actor.role,
            note: `payout:${payoutId}`,
          });
        }
        const fen = list.reduce((s, r) => s + BigInt(r.amount_fen), 0n);
        await repo.insertPayouts(
          list.map((r) => ({
            payout_id: payoutId,
            period,
            asn,
            month: r.month,
            version: r.version,
            amount_fen: r.amount_fen,
            payee: JSON.stringify(payee),
            exported_at: now,
            exported_by: actor.id,
          })),
        );
        lines.push({
          asn,
          name: m?.name_zh || m?.name || `AS${asn}`,
          months: list.map((r) => r.month),
          versions: list.map((r) => r.version),
          amount_cny: formatFen(fen),
          payee,
        });
      }
      const total = lines.reduce((s, l) => s + parseFen(l.amount_cny), 0n);
      return { payout_id: payoutId, period, months, total_cny: formatFen(total), lines, skipped };
    },
  };
}

export function payoutDoc(p: Payout): Doc {
  return {
    title: { zh: `补贴支付清单 ${p.period}`, en: `Subsidy payout ${p.period}` },
    facts: [
      [{ zh: '支付批次', en: 'Payout id' }, p.payout_id],
      [{ zh: '所含月份', en: 'Months' }, p.months.join(' ')],
      [{ zh: '合计（元）', en: 'Total (CNY)' }, p.total_cny],
    ],
    tables: [
      {
        id: 'payout',
        title: { zh: '支付明细', en: 'Payout lines' },
        columns: [
          { zh: 'ASN', en: 'ASN' },
          { zh: '会员', en: 'Member' },
          { zh: '月份', en: 'Months' },
          { zh: '版本', en: 'Versions' },
          { zh: '金额（元）', en: 'Amount (CNY)', money: true },
          { zh: '收款人', en: 'Payee' },
          { zh: '开户行', en: 'Bank' },
          { zh: '账号', en: 'Account' },
          { zh: '统一社会信用代码', en: 'Tax id' },
        ],
        rows: p.lines.map((l) => [
          l.asn,
          l.name,
          l.months.join(' '),
          l.versions.join(' '),
          l.amount_cny,
          l.payee?.name ?? '',
          l.payee?.bank ?? '',
          l.payee?.account ?? '',
          l.payee?.tax_id ?? '',
        ]),
      },
      ...(p.skipped.length
        ? [
            {
              id: 'skipped',
              title: { zh: '未导出（缺少收款信息）', en: 'Not exported (no payee)' },
              columns: [
                { zh: 'ASN', en: 'ASN' },
                { zh: '月份', en: 'Months' },
                { zh: '原因', en: 'Reason' },
              ],
              rows: p.skipped.map((s) => [s.asn, s.months.join(' '), s.reason]),
            },
          ]
        : []),
    ],
  };
}
