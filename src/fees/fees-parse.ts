/**
 * Fee files finance imports (fees each member was invoiced and paid to the IXC operator, per month):
 * CSV (UTF-8, BOM optional), XLSX (first sheet) or JSON rows. Pure apart from reading the XLSX buffer.
 * Columns, by header (Chinese or English, any order): asn (会员ASN), month (月份, YYYY-MM),
 * invoiced_cny (开票金额), paid_cny (实缴金额); amounts in CNY with at most 2 decimals, ≥ 0.
 * Every problem is listed with its row (file line) and nothing is imported when there is any: unknown
 * ASN, a member-month twice, a bad month, a negative, non-numeric or over-precise amount, bytes that are
 * not UTF-8 (a GBK/GB18030 file saved by an old Excel), a missing column.
 */
import ExcelJS from 'exceljs';
import { parseCsv } from '../statements/render/csv.js';
import { parseFen } from '../subsidies/money.js';

export interface FeeInputRow {
  asn: unknown;
  month: unknown;
  invoiced_cny: unknown;
  paid_cny: unknown;
}

export interface ParsedFee {
  asn: number;
  month: string;
  invoicedFen: bigint;
  paidFen: bigint;
}

export interface FeeProblem {
  /** File line (CSV), sheet row (XLSX) or 1-based index (JSON); 0 for the whole file. */
  row: number;
  column: string | null;
  message: string;
}

const HEADERS: Record<keyof FeeInputRow, string[]> = {
  asn: ['asn', '会员asn', 'asn号', '自治系统号'],
  month: ['month', '月份', '账期'],
  invoiced_cny: ['invoiced_cny', 'invoiced', '开票金额', '应缴金额'],
  paid_cny: ['paid_cny', 'paid', '实缴金额', '实际缴费'],
};

/** Lines (1-based) holding bytes that are not valid UTF-8. */
export function nonUtf8Lines(buf: Buffer): number[] {
  const dec = new TextDecoder('utf-8', { fatal: true });
  const bad: number[] = [];
  let start = 0;
  let line = 1;
  for (let i = 0; i <= buf.length; i++) {
    if (i === buf.length || buf[i] === 0x0a) {
      try {
        dec.decode(buf.subarray(start, i));
      } catch {
        bad.push(line);
      }
      start = i + 1;
      line++;
    }
  }
  return bad;
}

function tableToRows(
  table: string[][],
  firstRow: number,
): { rows: Array<{ row: number; v: FeeInputRow }>; problems: FeeProblem[] } {
  const problems: FeeProblem[] = [];
  const header = (table[0] ?? []).map((h) => h.trim().toLowerCase());
  const idx = {} as Record<keyof FeeInputRow, number>;
  for (const k of Object.keys(HEADERS) as (keyof FeeInputRow)[]) {
    idx[k] = header.findIndex((h) => HEADERS[k].includes(h));
    if (idx[k] < 0)
      problems.push({
        row: firstRow,
        column: k,
        message: `missing column ${k} (header one of: ${HEADERS[k].join(', ')})`,
      });
  }
  if (problems.length) return { rows: [], problems };
  const rows: Array<{ row: number; v: FeeInputRow }> = [];
  table.slice(1).forEach((cells, i) => {
    if (cells.every((c) => c.trim() === '')) return;
    rows.push({
      row: firstRow + 1 + i,
      v: {
        asn: cells[idx.asn],
        month: cells[idx.month],
        invoiced_cny: cells[idx.invoiced_cny],
        paid_cny: cells[idx.paid_cny],
      },
    });
  });
  return { rows, problems };
}

export function csvRows(buf: Buffer): { rows: Array<{ row: number; v: FeeInputRow }>; problems: FeeProblem[] } {
  const bad = nonUtf8Lines(buf);
  if (bad.length) {
    return {
      rows: [],
      problems: bad.map((row) => ({
        row,
        column: null,
        message: 'bytes that are not UTF-8 (a GBK/GB18030 file? save it as "CSV UTF-8")',
      })),
    };
  }
  return tableToRows(parseCsv(buf.toString('utf8')), 1);
}

export async function xlsxRows(
  buf: Buffer,
): Promise<{ rows: Array<{ row: number; v: FeeInputRow }>; problems: FeeProblem[] }> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(buf as unknown as ArrayBuffer);
  } catch (e) {
    return { rows: [], problems: [{ row: 0, column: null, message: `not an XLSX workbook: ${(e as Error).message}` }] };
  }
  const ws = wb.worksheets[0];
  if (!ws) return { rows: [], problems: [{ row: 0, column: null, message: 'the workbook has no sheet' }] };
  const table: string[][] = [];
  ws.eachRow({ includeEmpty: true }, (r) => {
    const cells: string[] = [];
    for (let c = 1; c <= ws.columnCount; c++) {
      const v = r.getCell(c).value;
      cells.push(
        v === null || v === undefined
          ? ''
          : typeof v === 'object' && 'text' in v
            ? String(v.text)
            : v instanceof Date
              ? v.toISOString().slice(0, 7)
              : String(v),
      );
    }
    table.push(cells);
  });
  return tableToRows(table, 1);
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** Validate rows against the registry; every problem, or the parsed fees. */
export function validateFees(
  rows: ReadonlyArray<{ row: number; v: FeeInputRow }>,
  knownAsns: ReadonlySet<number>,
): { fees: ParsedFee[]; problems: FeeProblem[] } {
  const problems: FeeProblem[] = [];
  const fees: ParsedFee[] = [];
  const seen = new Map<string, number>();
  for (const { row, v } of rows) {
    const p = (column: string | null, message: string) => problems.push({ row, column, message });
    const asnText = String(v.asn ?? '')
      .trim()
      .replace(/^AS/i, '');
    const asn = /^\d{1,10}$/.test(asnText) ? Number(asnText) : NaN;
    if (!Number.isSafeInteger(asn) || asn < 1) p('asn', `not an ASN: "${String(v.asn ?? '')}"`);
    else if (!knownAsns.has(asn)) p('asn', `unknown ASN ${asn} (not in the member registry)`);
    const month = String(v.month ?? '').trim();
    if (!MONTH.test(month)) p('month', `month must be YYYY-MM, got "${month}"`);
    const money = (col: 'invoiced_cny' | 'paid_cny'): bigint | null => {
      const raw = v[col];
      const t = typeof raw === 'number' ? String(raw) : String(raw ?? '').trim();
      if (t === '') return (p(col, `${col} is empty`), null);
      if (/^-/.test(t)) return (p(col, `${col} is negative: ${t}`), null);
      if (!/^\d+(\.\d{1,2})?$/.test(t))
        return (p(col, `${col} is not an amount in CNY with at most 2 decimals: "${t}"`), null);
      return parseFen(t);
    };
    const invoiced = money('invoiced_cny');
    const paid = money('paid_cny');
    if (Number.isSafeInteger(asn) && MONTH.test(month)) {
      const key = `${asn} ${month}`;
      const first = seen.get(key);
      if (first !== undefined) p('month', `AS${asn} ${month} appears twice (first on row ${first})`);
      else seen.set(key, row);
    }
    if (invoiced !== null && paid !== null && knownAsns.has(asn) && MONTH.test(month))
      fees.push({ asn, month, invoicedFen: invoiced, paidFen: paid });
  }
  if (rows.length === 0 && problems.length === 0)
    problems.push({ row: 0, column: null, message: 'the file has no fee rows' });
  return { fees: problems.length ? [] : fees, problems };
}
