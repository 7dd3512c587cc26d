/**
 * XLSX and PDF of the supervision report, with the statement renderers' helpers (src/statements/render):
 * bilingual headers, the CJK font embedded in the PDF (text stays extractable), one sheet per section.
 */
import type { Text } from '../statements/render/labels.js';
import type { Cell, Column } from '../statements/render/model.js';
import { A4, bi, heading, openCjkPdf, para, table } from '../statements/render/pdf.js';
import { addTable, toBuffer, workbook } from '../statements/render/xlsx.js';
import type { SecurityReport } from './security-report.js';

type Lang = 'zh' | 'en';
interface Part {
  id: string;
  title: Text;
  columns: Column[];
  rows: Cell[][];
  weights: number[];
}

const col = (key: string, zh: string, en: string, width = 14): Column => ({ key, zh, en, width });
const txt = (v: string | number | null): Cell => ({ k: 'text', v: v === null ? '—' : String(v) });
const int = (v: number): Cell => ({ k: 'int', v: String(v) });
const asn = (v: number | null) => txt(v === null ? null : `AS${v}`);

export const REPORT_TITLE: Text = { zh: '安全监管月报', en: 'Security supervision report' };
const STATUS: Record<string, Text> = {
  issued: { zh: '已下发', en: 'issued' },
  acknowledged: { zh: '已签收', en: 'acknowledged' },
  reported: { zh: '已报告', en: 'reported' },
  rectified: { zh: '已整改', en: 'rectified' },
  reopened: { zh: '已重开', en: 'reopened' },
  open: { zh: '未处理', en: 'open' },
};
const st = (s: string, lang: Lang) => (STATUS[s] ? bi(STATUS[s]!, lang) : s);

export function reportParts(r: SecurityReport, lang: Lang): Part[] {
  const countCols = [col('key', '类别', 'category', 28), col('count', '数量', 'count', 10)];
  const n = r.notices;
  return [
    {
      id: 'Summary',
      title: { zh: '概要', en: 'Summary' },
      weights: [2, 3],
      columns: [col('item', '项目', 'item', 30), col('value', '数值', 'value', 50)],
      rows: [
        [
          txt(bi({ zh: '月份', en: 'month' }, lang)),
          txt(
            `${r.month} (${r.period.start} – ${r.period.end}, ${r.time_zone})${r.partial ? (lang === 'zh' ? ' 本月未结束' : ' month not over') : ''}`,
          ),
        ],
        [txt(bi({ zh: '告警总数', en: 'alerts' }, lang)), int(r.alerts.total)],
        [txt(bi({ zh: '二层卫生告警', en: 'peering-LAN hygiene alerts' }, lang)), int(r.hygiene.total)],
        [txt(bi({ zh: '下发整改通知', en: 'notices issued' }, lang)), int(n.issued)],
        [txt(bi({ zh: '完成整改', en: 'notices rectified' }, lang)), int(n.rectified)],
        [txt(bi({ zh: '逾期', en: 'notices overdue' }, lang)), int(n.overdue)],
        [txt(bi({ zh: '重新打开', en: 'notices reopened' }, lang)), int(n.reopened)],
        [
          txt(bi({ zh: '整改用时中位数（小时）', en: 'median hours to rectify' }, lang)),
          txt(n.median_hours_to_rectify),
        ],
        [
          txt(bi({ zh: '未结事项', en: 'open items' }, lang)),
          txt(`${r.open_items.notices.length} + ${r.open_items.alerts_total}`),
        ],
        [txt(bi({ zh: '生成时间', en: 'generated at' }, lang)), txt(r.generated_at)],
        [txt(bi({ zh: '输入数据哈希', en: 'inputs hash' }, lang)), txt(r.inputs_hash)],
      ],
    },
    {
      id: 'By type',
      title: { zh: '按告警类型', en: 'Alerts by type' },
      columns: countCols,
      weights: [3, 1],
      rows: r.alerts.by_type.map((c) => [txt(c.key), int(c.count)]),
    },
    {
      id: 'By severity',
      title: { zh: '按告警级别', en: 'Alerts by severity' },
      columns: countCols,
      weights: [3, 1],
      rows: r.alerts.by_severity.map((c) => [txt(c.key), int(c.count)]),
    },
    {
      id: 'By member',
      title: { zh: '按会员（攻击来源 / 受害方）', en: 'Alerts by member (as source / as victim)' },
      weights: [1, 3, 1, 1],
      columns: [
        col('asn', 'ASN', 'ASN', 12),
        col('name', '会员', 'member', 30),
        col('src', '作为来源', 'as source', 12),
        col('dst', '作为受害方', 'as victim', 12),
      ],
      rows: r.alerts.by_member.map((m) => [asn(m.asn), txt(m.name), int(m.as_source), int(m.as_victim)]),
    },
    {
      id: 'Hygiene',
      title: { zh: '交换网络二层卫生', en: 'Peering-LAN hygiene' },
      weights: [3, 1],
      columns: [col('key', '类别 / 会员', 'type / member', 36), col('count', '数量', 'count', 10)],
      rows: [
        ...r.hygiene.by_type.map((c) => [txt(c.key), int(c.count)]),
        ...r.hygiene.by_member.map((m) => [txt(`AS${m.asn} ${m.name}`), int(m.count)]),
      ],
    },
    {
      id: 'Open notices',
      title: { zh: '未结整改通知', en: 'Open notices' },
      weights: [2, 1, 3, 1.3, 2, 0.8],
      columns: [
        col('id', '编号', 'id', 26),
        col('asn', 'ASN', 'ASN', 10),
        col('title', '标题', 'title', 36),
        col('status', '状态', 'status', 16),
        col('deadline', '期限', 'deadline', 24),
        col('overdue', '逾期', 'overdue', 8),
      ],
      rows: r.open_items.notices.map((x) => [
        txt(x.id),
        asn(x.asn),
        txt(x.title),
        txt(st(x.status, lang)),
        txt(x.deadline),
        txt(x.overdue ? (lang === 'zh' ? '是' : 'yes') : ''),
      ]),
    },
    {
      id: 'Open alerts',
      title: { zh: '未结告警', en: 'Open alerts' },
      weights: [2.2, 2, 1, 1.2, 1, 1, 2],
      columns: [
        col('id', '编号', 'id', 26),
        col('type', '类型', 'type', 24),
        col('severity', '级别', 'severity', 10),
        col('status', '状态', 'status', 12),
        col('src', '来源', 'source', 10),
        col('dst', '受害方', 'victim', 10),
        col('first', '首次发现', 'first seen', 24),
      ],
      rows: r.open_items.alerts.map((a) => [
        txt(a.id),
        txt(a.type),
        txt(a.severity),
        txt(a.status),
        asn(a.source_asn),
        asn(a.victim_asn),
        txt(a.first_seen),
      ]),
    },
  ];
}

export async function renderSecurityReportXlsx(r: SecurityReport, lang: Lang): Promise<Buffer> {
  const wb = workbook();
  wb.title = `${bi(REPORT_TITLE, lang)} ${r.month}`;
  for (const p of reportParts(r, lang)) addTable(wb.addWorksheet(p.id), p.columns, p.rows);
  return toBuffer(wb);
}

export async function renderSecurityReportPdf(
  r: SecurityReport,
  lang: Lang,
  opts: { fontPath?: string; fontFamily?: string } = {},
): Promise<Buffer> {
  const { pdf, done } = openCjkPdf(`${REPORT_TITLE.zh} ${REPORT_TITLE.en} ${r.month}`, new Date(r.generated_at), opts);
  pdf.fontSize(16).text(`${bi(REPORT_TITLE, lang)} ${r.month}`, A4.m, A4.m);
  pdf.moveDown(0.3);
  para(
    pdf,
    lang === 'zh'
      ? '由告警与整改通知记录生成（alert_events、notice_events）；输入数据哈希可用于核对。'
      : 'Made from the alert and notice records (alert_events, notice_events); the inputs hash identifies them.',
    8.5,
    '#555555',
  );
  for (const p of reportParts(r, lang)) {
    heading(pdf, p.title, lang);
    table(
      pdf,
      p.columns.map((c) => (lang === 'zh' ? `${c.zh}\n${c.en}` : `${c.en}\n${c.zh}`)),
      p.rows,
      p.weights,
      7.5,
    );
  }
  pdf.end();
  return done;
}
