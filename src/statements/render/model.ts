/**
 * The statement document as neutral tables (sections of typed cells), shared by the CSV, XLSX, HTML and
 * PDF renderers, so every format shows the same figures. Cells keep exact values: byte counts as
 * integer strings, CNY as the engine's 2-decimal strings, rates as numbers shown to a fixed scale.
 */
import type { StatementDocument } from '../document.js';
import { formatFen } from '../../subsidies/money.js';
import { label, type Lang, type Text } from './labels.js';
import { COVERAGE_COLUMNS, COVERAGE_TITLE, coverageRows } from './coverage-section.js';

export type Cell =
  | { k: 'text'; v: string }
  /** Exact integer (bytes, counts) as decimal digits. */
  | { k: 'int'; v: string }
  /** Exact CNY amount, "1234.56". */
  | { k: 'money'; v: string }
  /** A measured value shown rounded to `dp` decimals (bit/s, ratios). */
  | { k: 'num'; v: number; dp: number };

export interface Column {
  key: string;
  zh: string;
  en: string;
  /** Width in characters (XLSX; relative width in HTML/PDF). */
  width: number;
}

export type SectionId = 'summary' | 'subsidy' | 'ports' | 'daily' | 'peers' | 'exclusions' | 'coverage' | 'integrity';

export interface Section {
  id: SectionId;
  title: Text;
  columns: Column[];
  rows: Cell[][];
}

export const text = (v: string | null | undefined): Cell => ({ k: 'text', v: v ?? '' });
export const int = (v: string | number | bigint | null | undefined): Cell =>
  v === null || v === undefined ? text('') : { k: 'int', v: String(v) };
export const money = (v: string | null | undefined): Cell =>
  v === null || v === undefined ? text('') : { k: 'money', v };
export const num = (v: number | null | undefined, dp = 3): Cell =>
  v === null || v === undefined || !Number.isFinite(v) ? text('') : { k: 'num', v, dp };

/** Plain decimal text of a number rounded to `dp` decimals: no exponent, no grouping, trailing zeros trimmed. */
export function plainNumber(n: number, dp: number): string {
  if (!Number.isFinite(n)) return '';
  let s = Math.abs(n) >= 1e21 ? BigInt(Math.round(n)).toString() : n.toFixed(dp);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

/** The text of a cell as it appears in CSV, HTML and PDF. */
export function cellText(c: Cell): string {
  return c.k === 'num' ? plainNumber(c.v, c.dp) : c.v;
}

const col = (key: string, zh: string, en: string, width = 14): Column => ({ key, zh, en, width });

/** "1234567.89" → "1,234,567.89" (display only: HTML and PDF; never in CSV/XLSX numeric cells). */
export function grouped(s: string): string {
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(s);
  return m ? `${m[1]}${m[2].replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${m[3] ?? ''}` : s;
}

export function isExample(doc: StatementDocument): boolean {
  return !doc.subsidy.policy.official;
}

const REASONS: Record<string, Text> = {
  maintenance: { zh: '计划维护', en: 'maintenance' },
  confirmed_attack: { zh: '已确认攻击', en: 'confirmed attack' },
  data_fault: { zh: '数据故障', en: 'data fault' },
};

const fen = (v: string | null | undefined): Cell =>
  v === null || v === undefined ? text('') : money(formatFen(BigInt(v)));

export function buildSections(doc: StatementDocument, lang: Lang, extra: { status?: string } = {}): Section[] {
  const s = doc.statement;
  const L = (key: Parameters<typeof label>[0]) => label(key, lang);
  const pick = (t: Text) => (lang === 'zh' ? t.zh : lang === 'en' ? t.en : `${t.zh} / ${t.en}`);
  const sum: [string, Cell, string][] = [
    ['asn', int(doc.asn), ''],
    ['member_name', text(doc.member.name), ''],
    ['member_name_zh', text(doc.member.name_zh), ''],
    ['member_type', text(doc.member.member_type), ''],
    ['month', text(doc.month), 'YYYY-MM'],
    ['version', int(doc.version), ''],
    ...(extra.status ? ([['status', text(extra.status), '']] as [string, Cell, string][]) : []),
    ['period_start', text(s.period_start), s.time_zone],
    ['period_end', text(s.period_end), s.time_zone],
    ['days_in_period', int(s.days_in_period), 'd'],
    ['partial', text(s.partial ? 'yes' : 'no'), ''],
    ['in_bytes', int(doc.in_bytes), 'B'],
    ['out_bytes', int(doc.out_bytes), 'B'],
    ['avg_in_bps', num(doc.avg_in_bps), 'bit/s'],
    ['avg_out_bps', num(doc.avg_out_bps), 'bit/s'],
    ['peak_in_bps', num(doc.peak_in_bps), 'bit/s'],
    ['peak_in_at', text(doc.peak_in_at), ''],
    ['peak_out_bps', num(doc.peak_out_bps), 'bit/s'],
    ['peak_out_at', text(doc.peak_out_at), ''],
    ['p95_in_bps', num(doc.p95_in_bps), 'bit/s'],
    ['p95_out_bps', num(doc.p95_out_bps), 'bit/s'],
    ['billable_bps', int(doc.billable_bps), 'bit/s'],
    ['percentile', text(`P${s.percentile}`), ''],
    ['percentile_method', text(`${doc.percentile_method}: ${pick(s.percentile_method_text)}`), ''],
    ['coverage', num(doc.coverage, 6), 'ratio'],
    ['coverage_pct', text(s.coverage_pct), '%'],
    ['expected_buckets', int(s.expected_buckets), '5 min'],
    ['valid_buckets', int(s.valid_buckets), '5 min'],
    ['missing_buckets', int(s.missing_buckets), '5 min'],
    ['excluded_buckets', int(s.excluded_buckets), '5 min'],
    ['used_buckets', int(s.used_buckets), '5 min'],
    ['direction_convention', text(pick(s.direction_convention)), ''],
    ['subsidy_amount_cny', money(doc.subsidy.amount_cny), 'CNY'],
    ['subsidy_status', text(doc.subsidy.status), ''],
    [
      'policy',
      text(
        `${doc.subsidy.policy.id}@${doc.subsidy.policy.version} ${pick({ zh: doc.subsidy.policy.name_zh, en: doc.subsidy.policy.name_en })}`,
      ),
      '',
    ],
    ['annual_cap_cny', fen(doc.subsidy.annual_cap?.capFen), 'CNY'],
    ['ytd_paid_cny', fen(doc.subsidy.annual_cap?.ytdPaidFen), 'CNY'],
    ['headroom_after_cny', fen(doc.subsidy.annual_cap?.headroomAfterFen), 'CNY'],
    ['computed_at', text(doc.computed_at), ''],
    ['computed_by', text(doc.computed_by), ''],
  ];
  if (isExample(doc)) sum.unshift(['notice', text(pick(BANNER)), '']);
  const summary: Section = {
    id: 'summary',
    title: { zh: '摘要', en: 'Summary' },
    columns: [
      col('field', '字段', 'field', 22),
      col('item', '项目', 'item', 30),
      col('value', '数值', 'value', 28),
      col('unit', '单位', 'unit', 12),
    ],
    rows: sum.map(([k, v, u]) => [text(k), text(L(k as never)), v, text(u)]),
  };
  const subsidy: Section = {
    id: 'subsidy',
    title: { zh: '补贴计算', en: 'Subsidy calculation' },
    columns: [
      col('code', '代码', 'code', 16),
      col('label', '说明', 'description', 60),
      col('quantity', '数量', 'quantity', 14),
      col('unit', '单位', 'unit', 8),
      col('rate', '费率/系数', 'rate', 12),
      col('amount', '金额（元）', 'amount (CNY)', 14),
      col('subtotal', '小计（元）', 'subtotal (CNY)', 14),
    ],
    rows: doc.subsidy.lines.map((l) => [
      text(l.code),
      text(pick({ zh: l.label_zh, en: l.label_en })),
      text(l.quantity),
      text(l.unit),
      text(l.rate),
      money(l.amount),
      money(l.subtotal),
    ]),
  };
  const ports: Section = {
    id: 'ports',
    title: { zh: '端口', en: 'Ports' },
    columns: [
      col('port_id', '端口', 'port', 16),
      col('speed_gbps', '速率 Gbps', 'speed Gbps', 10),
      col('in_bytes', '流入字节', 'in bytes', 20),
      col('out_bytes', '流出字节', 'out bytes', 20),
      col('p95_in_bps', 'P95 流入 bit/s', 'P95 in bit/s', 16),
      col('p95_out_bps', 'P95 流出 bit/s', 'P95 out bit/s', 16),
      col('utilisation_p95', 'P95 利用率', 'P95 utilisation', 12),
      col('coverage', '覆盖率', 'coverage', 10),
    ],
    rows: s.ports.map((p) => [
      text(p.port_id),
      num(p.speed_gbps),
      int(p.in_bytes),
      int(p.out_bytes),
      num(p.p95_in_bps),
      num(p.p95_out_bps),
      num(p.utilisation_p95, 6),
      num(p.coverage, 6),
    ]),
  };
  const daily: Section = {
    id: 'daily',
    title: { zh: '每日数据', en: 'Daily series' },
    columns: [
      col('date', '日期', 'date', 12),
      col('expected_buckets', '应有样本', 'expected', 10),
      col('valid_buckets', '有效样本', 'valid', 10),
      col('excluded_buckets', '剔除样本', 'excluded', 10),
      col('in_bytes', '流入字节', 'in bytes', 20),
      col('out_bytes', '流出字节', 'out bytes', 20),
      col('avg_in_bps', '平均流入 bit/s', 'avg in bit/s', 16),
      col('avg_out_bps', '平均流出 bit/s', 'avg out bit/s', 16),
      col('peak_in_bps', '峰值流入 bit/s', 'peak in bit/s', 16),
      col('peak_out_bps', '峰值流出 bit/s', 'peak out bit/s', 16),
    ],
    rows: s.daily.map((d) => [
      text(d.date),
      int(d.expected_buckets),
      int(d.valid_buckets),
      int(d.excluded_buckets),
      int(d.in_bytes),
      int(d.out_bytes),
      num(d.avg_in_bps),
      num(d.avg_out_bps),
      num(d.peak_in_bps),
      num(d.peak_out_bps),
    ]),
  };
  const peers: Section = {
    id: 'peers',
    title: { zh: '主要对端', en: 'Top peers' },
    columns: [
      col('rank', '排名', 'rank', 6),
      col('asn', 'ASN', 'ASN', 10),
      col('name', '名称', 'name', 30),
      col('in_bytes', '流入字节', 'in bytes', 20),
      col('out_bytes', '流出字节', 'out bytes', 20),
      col('total_bytes', '合计字节', 'total bytes', 20),
    ],
    rows: s.top_peers.map((p, i) => [
      int(i + 1),
      int(p.asn),
      text(p.name),
      int(p.in_bytes),
      int(p.out_bytes),
      int(p.total_bytes),
    ]),
  };
  const exclusions: Section = {
    id: 'exclusions',
    title: { zh: '剔除时段', en: 'Excluded intervals' },
    columns: [
      col('from', '开始', 'from', 26),
      col('to', '结束', 'to', 26),
      col('reason', '原因', 'reason', 18),
      col('ref', '告警/工单', 'alert/ticket', 16),
      col('buckets', '剔除样本', 'buckets', 10),
      col('in_bytes', '流入字节', 'in bytes', 20),
      col('out_bytes', '流出字节', 'out bytes', 20),
    ],
    rows: s.excluded_intervals.map((e) => [
      text(e.from),
      text(e.to),
      text(pick(REASONS[e.reason] ?? { zh: e.reason, en: e.reason })),
      text(e.ref),
      int(e.buckets),
      int(e.in_bytes),
      int(e.out_bytes),
    ]),
  };
  const p = doc.subsidy.policy;
  const integrity: Section = {
    id: 'integrity',
    title: { zh: '数据完整性', en: 'Data integrity' },
    columns: summary.columns.slice(0, 3),
    rows: (
      [
        ['samples_hash', text(s.samples_hash)],
        ['samples_hash_format', text(s.samples_hash_format)],
        ['samples_ignored', int(s.samples_ignored)],
        ['inputs_hash', text(doc.inputs_hash)],
        ['subsidy_inputs_hash', text(doc.subsidy.inputs_hash)],
        ['policy_id', text(p.id)],
        ['policy_version', int(p.version)],
        ['policy_official', text(p.official ? 'yes' : 'no')],
        ['collection', text(pick(COLLECTION))],
        ['document_format', text(doc.format)],
      ] as [string, Cell][]
    ).map(([k, v]) => [text(k), text(L(k as never)), v]),
  };
  const coverage: Section = {
    id: 'coverage',
    title: COVERAGE_TITLE,
    columns: COVERAGE_COLUMNS,
    rows: coverageRows(doc, pick),
  };
  return [summary, subsidy, ports, daily, peers, exclusions, coverage, integrity];
}

export const BANNER: Text = {
  zh: '示例（非正式）：本对账单采用示例补贴参数，不作为正式结算依据',
  en: 'EXAMPLE — not official: computed with example subsidy parameters, not a basis for payment',
};
export const COLLECTION: Text = {
  zh: '5 分钟计量桶（端口 64 位计数器）；缺失样本不计为零',
  en: '5-minute buckets (64-bit port counters); missing samples are not zeros',
};
export const DISPUTE: Text = {
  zh: '异议程序：如对本对账单有异议，请于对账单发出后第 14 个工作日（含）前以书面形式向运营方提出，并注明对账单编号与异议内容；运营方在收到异议后 1 个月内答复。逾期未提出异议的，视为确认。',
  en: 'Disputes: objections must reach the operator in writing by working day 14 after the statement is issued, quoting the statement and the figures disputed; the operator responds within 1 month. A statement not disputed by then is deemed accepted.',
};
