import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StatementDocument } from '../document.js';
import { fixtureDocument } from './fixture.js';
import type { PeriodRow } from './period.js';
import { renderPeriodXlsx, renderStatementXlsx, xlsxValue } from './xlsx.js';

let doc: StatementDocument;
let wb: ExcelJS.Workbook;
beforeAll(async () => {
  doc = fixtureDocument();
  const buf = await renderStatementXlsx(doc, { lang: 'both', status: 'approved' });
  expect(buf.subarray(0, 2).toString()).toBe('PK');
  wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ArrayBuffer);
});

/** Rows of a sheet below the two header rows, keyed by the first cell. */
function byKey(name: string): Map<unknown, ExcelJS.Row> {
  const ws = wb.getWorksheet(name)!;
  const out = new Map<unknown, ExcelJS.Row>();
  ws.eachRow((row, n) => {
    if (n > 2) out.set(row.getCell(1).value, row);
  });
  return out;
}

describe('renderStatementXlsx', () => {
  it('sheets, bilingual header rows, frozen headers, column widths', () => {
    expect(wb.worksheets.map((w) => w.name)).toEqual([
      'Summary',
      'Subsidy',
      'Ports',
      'Daily',
      'Peers',
      'Exclusions',
      'Coverage',
      'Integrity',
    ]);
    const ws = wb.getWorksheet('Subsidy')!;
    expect(ws.getRow(1).getCell(6).value).toBe('金额（元）');
    expect(ws.getRow(2).getCell(6).value).toBe('amount (CNY)');
    expect(ws.getRow(1).font?.bold).toBe(true);
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 2 });
    expect(ws.getColumn(2).width).toBeGreaterThanOrEqual(60);
    for (const w of wb.worksheets)
      for (let c = 1; c <= w.columnCount; c++) expect(w.getColumn(c).width).toBeGreaterThan(5);
  });

  it('numbers are numeric cells where exact; bytes beyond 15 digits are text', () => {
    const sum = byKey('Summary');
    expect(sum.get('notice')!.getCell(3).value).toMatch(/示例（非正式）/);
    expect(sum.get('billable_bps')!.getCell(3).value).toBe(doc.billable_bps);
    expect(sum.get('billable_bps')!.getCell(2).value).toBe('计费速率 / billable rate');
    expect(sum.get('subsidy_amount_cny')!.getCell(3).value).toBe(8055.84);
    expect(sum.get('subsidy_amount_cny')!.getCell(3).numFmt).toBe('0.00');
    expect(sum.get('in_bytes')!.getCell(3).value).toBe(doc.in_bytes); // 16 digits: text, exact
    expect(typeof sum.get('in_bytes')!.getCell(3).value).toBe('string');
    expect(sum.get('status')!.getCell(3).value).toBe('approved');
    expect(sum.get('valid_buckets')!.getCell(3).value).toBe(8550);
    expect(sum.get('p95_in_bps')!.getCell(3).value).toBeCloseTo(doc.p95_in_bps!, 2);

    const lines = byKey('Subsidy');
    for (const l of doc.subsidy.lines) {
      const r = lines.get(l.code)!;
      expect(r.getCell(6).value).toBe(Number(l.amount));
      expect(r.getCell(7).value).toBe(Number(l.subtotal));
      expect(r.getCell(3).value ?? null).toBe(l.quantity);
    }
    const daily = wb.getWorksheet('Daily')!;
    expect(daily.rowCount).toBe(32);
    let inSum = 0n;
    daily.eachRow((row, n) => {
      if (n > 2) inSum += BigInt(row.getCell(5).value as number); // daily bytes ~4.4e13: numeric and exact
    });
    expect(inSum.toString()).toBe(doc.in_bytes);
    const peers = byKey('Peers');
    expect(peers.get(1)!.getCell(4).value).toBe('9100000000000000');
    expect(peers.get(2)!.getCell(4).value).toBe(3_000_000_000_000);
    expect(peers.get(3)!.getCell(3).value).toBe('CMNET <mobile>');
    expect(byKey('Exclusions').size).toBe(1);
    const integ = byKey('Integrity');
    expect(integ.get('samples_hash')!.getCell(3).value).toBe(doc.statement.samples_hash);
    expect(integ.get('policy_version')!.getCell(3).value).toBe(1);
  });

  it('cell typing rules', () => {
    expect(xlsxValue({ k: 'int', v: '999999999999999' })).toEqual({ value: 999999999999999, numFmt: '0' });
    expect(xlsxValue({ k: 'int', v: '1000000000000000' })).toEqual({ value: '1000000000000000' });
    expect(xlsxValue({ k: 'int', v: '18446744073709551615' })).toEqual({ value: '18446744073709551615' });
    expect(xlsxValue({ k: 'money', v: '-12.30' })).toEqual({ value: -12.3, numFmt: '0.00' });
    expect(xlsxValue({ k: 'num', v: 1 / 3, dp: 3 })).toEqual({ value: 0.333, numFmt: '0.###' });
  });
});

describe('renderPeriodXlsx', () => {
  it('member rows and an exact total row', async () => {
    const rows: PeriodRow[] = ['0.10', '0.20', '1999999.99'].map((a, i) => ({
      asn: 64501 + i,
      name: `Member ${i}`,
      status: 'approved',
      version: 1,
      in_bytes: '5000000000000000',
      out_bytes: '7',
      p95_in_bps: 1.5e9,
      p95_out_bps: null,
      billable_bps: 1_500_000_000,
      coverage: 1,
      subsidy_amount_cny: a,
    }));
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await renderPeriodXlsx(rows, { lang: 'en', month: '2025-04' })) as unknown as ArrayBuffer);
    const ws = book.getWorksheet('Period 2025-04')!;
    expect(ws.getRow(1).getCell(11).value).toBe('补贴金额（元）');
    expect(ws.getRow(2).getCell(11).value).toBe('subsidy (CNY)');
    expect(ws.getRow(3).getCell(1).value).toBe(64501);
    expect(ws.getRow(3).getCell(5).value).toBe('5000000000000000');
    expect(ws.getRow(3).getCell(8).value ?? null).toBe(null);
    const total = ws.getRow(6);
    expect(total.getCell(1).value).toBe('Total');
    expect(total.getCell(5).value).toBe('15000000000000000');
    expect(total.getCell(6).value).toBe(21);
    expect(total.getCell(11).value).toBe(2000000.29);
    expect(total.font?.bold).toBe(true);
  });
});
