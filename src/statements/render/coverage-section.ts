/**
 * The statement's coverage table (issue 13), shared by every format through model.ts: on what basis the
 * member's buckets were judged (its registered ports' exporters, the exporters that saw its MACs, or any
 * exporter), and each silent exporter with its intervals (bucket-aligned, billing time zone) — the buckets
 * counted as missing, never as zero traffic. Documents computed before issue 13 have no such fields: the
 * table then says so.
 */
import type { StatementDocument } from '../document.js';
import type { Text } from './labels.js';

type Cell = { k: 'text'; v: string } | { k: 'int'; v: string };
const text = (v: string): Cell => ({ k: 'text', v });
const int = (v: number): Cell => ({ k: 'int', v: String(v) });

const BASIS: Record<string, Text> = {
  registered_ports: { zh: '登记端口所在交换机', en: 'exporters of its registered ports' },
  learned: { zh: '本月出现其源 MAC 的交换机', en: 'exporters that saw its MACs this month' },
  any_exporter: {
    zh: '无登记端口且未学习到交换机：任一交换机在线即视为有效',
    en: 'no registered port and none learned: valid when any exporter was alive',
  },
};

export const COVERAGE_TITLE: Text = { zh: '数据覆盖（缺失时段）', en: 'Coverage (missing intervals)' };

export const COVERAGE_COLUMNS = [
  { key: 'exporter', zh: '交换机（导出器）', en: 'exporter', width: 22 },
  { key: 'from', zh: '静默开始', en: 'silent from', width: 26 },
  { key: 'to', zh: '静默结束', en: 'silent to', width: 26 },
  { key: 'buckets', zh: '缺失样本', en: 'missing buckets', width: 12 },
  { key: 'note', zh: '说明', en: 'note', width: 40 },
];

export function coverageRows(doc: StatementDocument, pick: (t: Text) => string): Cell[][] {
  if (!doc.coverage_basis)
    return [
      [
        text(''),
        text(''),
        text(''),
        text(''),
        text(pick({ zh: '本版本计算时尚无逐会员覆盖信息', en: 'computed before per-member coverage was recorded' })),
      ],
    ];
  const rows: Cell[][] = [
    [
      text(doc.coverage_exporters?.join(' ') ?? ''),
      text(''),
      text(''),
      int(doc.missing_buckets ?? 0),
      text(
        `${pick({ zh: '判定依据', en: 'basis' })}: ${pick(BASIS[doc.coverage_basis] ?? { zh: doc.coverage_basis, en: doc.coverage_basis })}`,
      ),
    ],
  ];
  for (const s of doc.silent_exporters ?? []) {
    for (const i of s.intervals)
      rows.push([
        text(s.exporter),
        text(i.from),
        text(i.to),
        int(i.buckets),
        text(pick({ zh: '交换机静默：计为缺失，不计为零', en: 'exporter silent: missing, not zero' })),
      ]);
    if (s.intervals_not_listed > 0)
      rows.push([
        text(s.exporter),
        text(''),
        text(''),
        text(''),
        text(
          pick({
            zh: `另有 ${s.intervals_not_listed} 个静默时段未列出（共缺失 ${s.missing_buckets} 个样本）`,
            en: `${s.intervals_not_listed} more silent intervals not listed (${s.missing_buckets} missing buckets in all)`,
          }),
        ),
      ]);
  }
  return rows;
}
