/**
 * XLSX renderings with exceljs: one sheet per statement section (Summary, Subsidy, Ports, Daily, Peers,
 * Exclusions, Integrity), a Chinese and an English header row, frozen headers, column widths.
 * Numbers are numeric cells only where a spreadsheet holds them exactly: integers up to 15 digits
 * (Excel keeps 15 significant digits, below 2^53) and CNY amounts; larger byte counts are text.
 */
import ExcelJS from 'exceljs';
import type { StatementDocument } from '../document.js';
import { pickText, type Lang } from './labels.js';
import { BANNER, buildSections, isExample, plainNumber, type Cell, type Column, type Section } from './model.js';
import { PERIOD_COLUMNS, periodCells, type PeriodOptions, type PeriodRow } from './period.js';

export interface XlsxOptions {
  lang: Lang;
  status?: string;
}

const SHEET: Record<Section['id'], string> = {
  summary: 'Summary',
  subsidy: 'Subsidy',
  ports: 'Ports',
  daily: 'Daily',
  peers: 'Peers',
  exclusions: 'Exclusions',
  coverage: 'Coverage',
  integrity: 'Integrity',
};

/** Largest integer a spreadsheet keeps digit for digit (15 significant digits). */
const MAX_EXACT = 999_999_999_999_999n;

type Value = { value: string | number | null; numFmt?: string };

export function xlsxValue(c: Cell): Value {
  switch (c.k) {
    case 'int': {
      const b = BigInt(c.v);
      return b <= MAX_EXACT && b >= -MAX_EXACT ? { value: Number(b), numFmt: '0' } : { value: c.v };
    }
    case 'money': {
      const ok = /^-?\d{1,13}\.\d{2}$/.test(c.v);
      return ok ? { value: Number(c.v), numFmt: '0.00' } : { value: c.v };
    }
    case 'num': {
      const v = Number(plainNumber(c.v, c.dp));
      return { value: v, numFmt: c.dp > 0 ? `0.${'#'.repeat(c.dp)}` : '0' };
    }
    default:
      return { value: c.v === '' ? null : c.v };
  }
}

const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF7' } };

export function addTable(ws: ExcelJS.Worksheet, columns: Column[], rows: Cell[][], extra: Cell[][] = []): void {
  ws.columns = columns.map((c) => ({ key: c.key, width: Math.max(c.width, c.zh.length * 2 + 2, c.en.length + 2) }));
  const zh = ws.addRow(columns.map((c) => c.zh));
  const en = ws.addRow(columns.map((c) => c.en));
  for (const r of [zh, en]) {
    r.font = { bold: true };
    r.eachCell((cell) => (cell.fill = HEADER_FILL));
  }
  ws.views = [{ state: 'frozen', ySplit: 2 }];
  for (const cells of [...rows, ...extra]) {
    const values = cells.map(xlsxValue);
    const row = ws.addRow(values.map((v) => v.value));
    values.forEach((v, i) => {
      if (v.numFmt) row.getCell(i + 1).numFmt = v.numFmt;
    });
  }
}

export function workbook(): ExcelJS.Workbook {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'ixmeter';
  return wb;
}

export async function toBuffer(wb: ExcelJS.Workbook): Promise<Buffer> {
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export async function renderStatementXlsx(doc: StatementDocument, opts: XlsxOptions): Promise<Buffer> {
  const wb = workbook();
  const created = new Date(doc.computed_at);
  if (!Number.isNaN(created.getTime())) ((wb.created = created), (wb.modified = created));
  wb.title = `${pickText({ zh: '流量对账单', en: 'Traffic statement' }, opts.lang)} AS${doc.asn} ${doc.month} v${doc.version}`;
  for (const s of buildSections(doc, opts.lang, { status: opts.status })) {
    const ws = wb.addWorksheet(SHEET[s.id]);
    addTable(ws, s.columns, s.rows);
    if (s.id === 'summary' && isExample(doc)) {
      const row = ws.getRow(3); // the notice row comes first in the summary
      row.font = { bold: true, color: { argb: 'FFB00020' } };
    }
    if (s.id === 'integrity' && isExample(doc))
      ws.addRow(['notice', pickText(BANNER, opts.lang)]).font = { bold: true, color: { argb: 'FFB00020' } };
  }
  return toBuffer(wb);
}

export async function renderPeriodXlsx(rows: readonly PeriodRow[], opts: PeriodOptions): Promise<Buffer> {
  const wb = workbook();
  const ws = wb.addWorksheet(opts.month ? `Period ${opts.month}` : 'Period');
  const { body, total } = periodCells(rows, opts.lang);
  addTable(ws, PERIOD_COLUMNS, body, [total]);
  ws.lastRow!.font = { bold: true };
  return toBuffer(wb);
}
