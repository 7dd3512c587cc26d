/**
 * CSV renderings (RFC 4180, UTF-8 with BOM so Excel reads the Chinese headers, CRLF line ends).
 * A statement CSV holds several tables one after another; each starts with a `# <id>` title row, then
 * one header row per language (two for `both`: Chinese, then English), then the data, then a blank row.
 * Numeric cells are plain digits (no exponent, no grouping); byte counts are exact integers.
 */
import type { StatementDocument } from '../document.js';
import { pickText, type Lang } from './labels.js';
import { buildSections, cellText, type Cell, type Column } from './model.js';
import { PERIOD_COLUMNS, periodCells, type PeriodOptions, type PeriodRow } from './period.js';

export interface CsvOptions {
  lang: Lang;
  /** Workflow status, printed in the summary when given. */
  status?: string;
}

const BOM = '\uFEFF';
const CRLF = '\r\n';

/** Quote when needed; neutralise spreadsheet formulas and keep "a/b" fractions from turning into dates. */
export function csvField(c: Cell): string {
  let s = cellText(c);
  if (c.k === 'text') {
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    else if (/^\d+\/\d+$/.test(s)) s = s.replace('/', ' / ');
  }
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

const line = (cells: Cell[]) => cells.map(csvField).join(',') + CRLF;
const txt = (v: string): Cell => ({ k: 'text', v });

function headerLines(columns: Column[], lang: Lang): string {
  const langs: ('zh' | 'en')[] = lang === 'both' ? ['zh', 'en'] : [lang];
  return langs.map((l) => line(columns.map((c) => txt(c[l])))).join('');
}

export function renderStatementCsv(doc: StatementDocument, opts: CsvOptions): Buffer {
  let out = BOM;
  for (const s of buildSections(doc, opts.lang, { status: opts.status })) {
    out += line([txt(`# ${s.id}`), txt(pickText(s.title, opts.lang))]);
    out += headerLines(s.columns, opts.lang);
    for (const r of s.rows) out += line(r);
    out += CRLF;
  }
  return Buffer.from(out, 'utf8');
}

export function renderPeriodCsv(rows: readonly PeriodRow[], opts: PeriodOptions): Buffer {
  const { body, total } = periodCells(rows, opts.lang);
  let out = BOM + headerLines(PERIOD_COLUMNS, opts.lang);
  for (const r of body) out += line(r);
  out += line(total);
  return Buffer.from(out, 'utf8');
}

/** Minimal RFC 4180 reader (for tests and round trips): BOM stripped, quoted fields, CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const s = text.startsWith(BOM) ? text.slice(1) : text;
  const rows: string[][] = [];
  let row: string[] = [];
  let f = '';
  let q = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (q) {
      if (ch === '"' && s[i + 1] === '"') ((f += '"'), i++);
      else if (ch === '"') q = false;
      else f += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') (row.push(f), (f = ''));
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && s[i + 1] === '\n') i++;
      (row.push(f), rows.push(row), (row = []), (f = ''));
    } else f += ch;
  }
  if (f !== '' || row.length) (row.push(f), rows.push(row));
  return rows;
}
