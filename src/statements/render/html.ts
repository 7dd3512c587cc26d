/**
 * Printable A4 statement as one self-contained HTML page: inline CSS with a print media query, no
 * scripts, images, fonts or other external resources. Every label is bilingual (the chosen language
 * first); every value from the document is HTML-escaped.
 */
import type { StatementDocument } from '../document.js';
import { LABELS, pickText, STATUS, type LabelKey, type Text } from './labels.js';
import { BANNER, buildSections, cellText, DISPUTE, grouped, isExample, type Cell, type Section } from './model.js';

export interface StatementEvent {
  /** Epoch ms. */
  at: number;
  action: string;
  from_status: string;
  to_status: string;
  actor: string;
  role: string;
  note: string;
}

export interface HtmlOptions {
  lang: 'zh' | 'en';
  status: string;
  events: readonly StatementEvent[];
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESC[c]);

const CSS = `
@page { size: A4; margin: 14mm 12mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", sans-serif; font-size: 10pt; color: #111; margin: 0 auto; max-width: 186mm; }
h1 { font-size: 16pt; margin: 0 0 2mm; }
h2 { font-size: 11.5pt; margin: 6mm 0 2mm; border-bottom: 1px solid #888; }
.sec { color: #555; font-weight: normal; font-size: 0.85em; }
.banner { border: 2px solid #b00020; color: #b00020; font-weight: bold; padding: 2mm 3mm; margin: 3mm 0; }
table { border-collapse: collapse; width: 100%; margin-bottom: 2mm; }
th, td { border: 1px solid #bbb; padding: 1mm 1.5mm; vertical-align: top; text-align: left; }
th { background: #eef2f7; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.small td, .small th { font-size: 8pt; }
.amount { font-size: 14pt; font-weight: bold; }
p.note { font-size: 9pt; }
@media print {
  body { max-width: none; }
  h2 { break-after: avoid; }
  tr { break-inside: avoid; }
  .banner { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;

function bi(t: Text, lang: 'zh' | 'en'): string {
  const [a, b] = lang === 'zh' ? [t.zh, t.en] : [t.en, t.zh];
  return `${escapeHtml(a)} <span class="sec">${escapeHtml(b)}</span>`;
}
const lbl = (k: LabelKey, lang: 'zh' | 'en') => bi(LABELS[k], lang);

function td(c: Cell): string {
  const numeric = c.k !== 'text';
  const t = c.k === 'text' ? cellText(c) : grouped(cellText(c));
  return `<td${numeric ? ' class="n"' : ''}>${escapeHtml(t)}</td>`;
}

function table(s: Section, lang: 'zh' | 'en', cls = ''): string {
  if (s.rows.length === 0) return `<p class="note">${bi({ zh: '无', en: 'none' }, lang)}</p>`;
  const head = s.columns.map((c) => `<th>${bi(c, lang)}</th>`).join('');
  const body = s.rows.map((r) => `<tr>${r.map(td).join('')}</tr>`).join('\n');
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** Summary as label/value/unit rows, selected fields only. */
function figures(s: Section, keys: readonly string[], lang: 'zh' | 'en'): string {
  const rows = s.rows.filter((r) => keys.includes(r[0].k === 'text' ? r[0].v : ''));
  return `<table><tbody>${rows
    .map((r) => {
      const key = (r[0] as { v: string }).v as LabelKey;
      return `<tr><th>${lbl(key, lang)}</th>${td(r[2])}<td>${escapeHtml(cellText(r[3]))}</td></tr>`;
    })
    .join('\n')}</tbody></table>`;
}

const USAGE = [
  'in_bytes',
  'out_bytes',
  'avg_in_bps',
  'avg_out_bps',
  'peak_in_bps',
  'peak_in_at',
  'peak_out_bps',
  'peak_out_at',
  'p95_in_bps',
  'p95_out_bps',
  'billable_bps',
  'percentile',
  'coverage_pct',
  'expected_buckets',
  'valid_buckets',
  'missing_buckets',
  'excluded_buckets',
  'used_buckets',
];

function when(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

export function renderStatementHtml(doc: StatementDocument, opts: HtmlOptions): string {
  const lang = opts.lang;
  const sections = buildSections(doc, lang);
  const by = (id: Section['id']) => sections.find((s) => s.id === id)!;
  const s = doc.statement;
  const p = doc.subsidy.policy;
  const status = STATUS[opts.status] ?? { zh: opts.status, en: opts.status };
  const name = lang === 'zh' ? doc.member.name_zh || doc.member.name : doc.member.name || doc.member.name_zh;
  const banner = isExample(doc) ? `<div class="banner">${escapeHtml(BANNER.zh)}<br>${escapeHtml(BANNER.en)}</div>` : '';
  const events = opts.events.length
    ? `<table class="small"><thead><tr><th>${bi({ zh: '时间', en: 'time' }, lang)}</th><th>${bi({ zh: '操作', en: 'action' }, lang)}</th><th>${bi({ zh: '状态', en: 'status' }, lang)}</th><th>${bi({ zh: '操作人', en: 'actor' }, lang)}</th><th>${bi({ zh: '备注', en: 'note' }, lang)}</th></tr></thead><tbody>${opts.events
        .map(
          (e) =>
            `<tr><td>${escapeHtml(when(e.at))}</td><td>${escapeHtml(e.action)}</td><td>${escapeHtml(`${e.from_status || '—'} → ${e.to_status || '—'}`)}</td><td>${escapeHtml(`${e.actor} (${e.role})`)}</td><td>${escapeHtml(e.note)}</td></tr>`,
        )
        .join('\n')}</tbody></table>`
    : `<p class="note">${bi({ zh: '无', en: 'none' }, lang)}</p>`;
  const title = `${pickText(LABELS.title, lang)} AS${doc.asn} ${doc.month}`;
  return `<!DOCTYPE html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${lbl('title', lang)}</h1>
${banner}
<table><tbody>
<tr><th>${lbl('member', lang)}</th><td>${escapeHtml(name)} (AS${doc.asn})${name !== doc.member.name ? ` <span class="sec">${escapeHtml(doc.member.name)}</span>` : ''}</td></tr>
<tr><th>${lbl('month', lang)}</th><td>${escapeHtml(doc.month)} (${escapeHtml(s.period_start)} – ${escapeHtml(s.period_end)}, ${escapeHtml(s.time_zone)})</td></tr>
<tr><th>${lbl('version', lang)}</th><td>v${doc.version}</td></tr>
<tr><th>${lbl('status', lang)}</th><td>${bi(status, lang)}</td></tr>
<tr><th>${lbl('policy', lang)}</th><td>${escapeHtml(`${p.id}@${p.version}`)} ${bi({ zh: p.name_zh, en: p.name_en }, lang)}</td></tr>
<tr><th>${lbl('subsidy_amount_cny', lang)}</th><td class="amount">¥${escapeHtml(grouped(doc.subsidy.amount_cny))} <span class="sec">CNY ${escapeHtml(doc.subsidy.amount_cny)}</span></td></tr>
</tbody></table>
<h2>${lbl('direction_convention', lang)}</h2>
<p class="note">${escapeHtml(s.direction_convention.zh)}<br>${escapeHtml(s.direction_convention.en)}</p>
<p class="note">${lbl('percentile_method', lang)}: ${escapeHtml(doc.percentile_method)} — ${escapeHtml(s.percentile_method_text.zh)} ${escapeHtml(s.percentile_method_text.en)}</p>
<h2>${lbl('key_figures', lang)}</h2>
${figures(by('summary'), USAGE, lang)}
<h2>${bi(by('ports').title, lang)}</h2>
${table(by('ports'), lang, 'small')}
<h2>${bi(by('subsidy').title, lang)}</h2>
${table(by('subsidy'), lang, 'small')}
${figures(by('summary'), ['subsidy_amount_cny', 'subsidy_status', 'annual_cap_cny', 'ytd_paid_cny', 'headroom_after_cny'], lang)}
<h2>${bi(by('exclusions').title, lang)}</h2>
${table(by('exclusions'), lang, 'small')}
<h2>${bi(by('coverage').title, lang)}</h2>
${table(by('coverage'), lang, 'small')}
<h2>${bi(by('peers').title, lang)}</h2>
${table(by('peers'), lang, 'small')}
<h2>${bi(by('daily').title, lang)}</h2>
${table(by('daily'), lang, 'small')}
<h2>${bi(by('integrity').title, lang)}</h2>
${table(by('integrity'), lang, 'small')}
<h2>${lbl('history', lang)}</h2>
${events}
<h2>${lbl('dispute', lang)}</h2>
<p class="note">${escapeHtml(DISPUTE.zh)}</p>
<p class="note">${escapeHtml(DISPUTE.en)}</p>
</body>
</html>
`;
}
