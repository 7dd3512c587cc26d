/**
 * Finance's month view: one row per member-month (latest version) and a total row whose subsidy sum
 * (and byte sums) are exact: bigint fen and bigint bytes, never floats.
 */
import type { StatementDocument } from '../document.js';
import { formatFen, parseFen } from '../../subsidies/money.js';
import { int, money, num, text, type Cell, type Column } from './model.js';
import { label, pickText, STATUS, type Lang } from './labels.js';

export interface PeriodRow {
  asn: number;
  name: string;
  status: string;
  version: number;
  /** Exact byte counts, decimal strings. */
  in_bytes: string;
  out_bytes: string;
  p95_in_bps: number | null;
  p95_out_bps: number | null;
  billable_bps: number | null;
  /** Valid / expected samples, 0…1. */
  coverage: number;
  /** CNY with 2 decimals, "1234.56". */
  subsidy_amount_cny: string;
}

export interface PeriodOptions {
  lang: Lang;
  /** `YYYY-MM`, shown in the title row of the XLSX sheet. */
  month?: string;
}

export function periodRowFromDocument(doc: StatementDocument, status: string): PeriodRow {
  return {
    asn: doc.asn,
    name: doc.member.name_zh || doc.member.name,
    status,
    version: doc.version,
    in_bytes: doc.in_bytes,
    out_bytes: doc.out_bytes,
    p95_in_bps: doc.p95_in_bps,
    p95_out_bps: doc.p95_out_bps,
    billable_bps: doc.billable_bps,
    coverage: doc.coverage,
    subsidy_amount_cny: doc.subsidy.amount_cny,
  };
}

export interface PeriodTotals {
  members: number;
  in_bytes: string;
  out_bytes: string;
  subsidy_amount_cny: string;
}

/** Exact totals: Σ fen and Σ bytes as bigints. Throws RangeError on a malformed amount or byte count. */
export function periodTotals(rows: readonly PeriodRow[]): PeriodTotals {
  let fen = 0n;
  let i = 0n;
  let o = 0n;
  for (const r of rows) {
    fen += parseFen(r.subsidy_amount_cny);
    i += BigInt(r.in_bytes);
    o += BigInt(r.out_bytes);
  }
  return { members: rows.length, in_bytes: i.toString(), out_bytes: o.toString(), subsidy_amount_cny: formatFen(fen) };
}

const c = (key: string, zh: string, en: string, width: number): Column => ({ key, zh, en, width });

export const PERIOD_COLUMNS: Column[] = [
  c('asn', 'ASN', 'ASN', 10),
  c('name', '成员名称', 'member', 30),
  c('status', '审核状态', 'status', 14),
  c('version', '版本', 'version', 8),
  c('in_bytes', '流入字节', 'in bytes', 22),
  c('out_bytes', '流出字节', 'out bytes', 22),
  c('p95_in_bps', 'P95 流入 bit/s', 'P95 in bit/s', 18),
  c('p95_out_bps', 'P95 流出 bit/s', 'P95 out bit/s', 18),
  c('billable_bps', '计费速率 bit/s', 'billable bit/s', 18),
  c('coverage', '数据覆盖率', 'coverage', 12),
  c('subsidy_amount_cny', '补贴金额（元）', 'subsidy (CNY)', 16),
];

/** Member rows then the total row, as typed cells (shared by CSV and XLSX). */
export function periodCells(rows: readonly PeriodRow[], lang: Lang): { body: Cell[][]; total: Cell[] } {
  const sorted = [...rows].sort((a, b) => a.asn - b.asn);
  const body = sorted.map((r) => [
    int(r.asn),
    text(r.name),
    text(STATUS[r.status] ? pickText(STATUS[r.status], lang) : r.status),
    int(r.version),
    int(r.in_bytes),
    int(r.out_bytes),
    num(r.p95_in_bps),
    num(r.p95_out_bps),
    int(r.billable_bps),
    num(r.coverage, 6),
    money(r.subsidy_amount_cny),
  ]);
  const t = periodTotals(rows);
  const total = [
    text(label('total', lang)),
    text(pickText({ zh: `${t.members} 个成员`, en: `${t.members} members` }, lang)),
    text(''),
    text(''),
    int(t.in_bytes),
    int(t.out_bytes),
    text(''),
    text(''),
    text(''),
    text(''),
    money(t.subsidy_amount_cny),
  ];
  return { body, total };
}
