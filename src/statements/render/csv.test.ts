import { beforeAll, describe, expect, it } from 'vitest';
import type { StatementDocument } from '../document.js';
import { parseCsv, renderPeriodCsv, renderStatementCsv } from './csv.js';
import { fixtureDocument } from './fixture.js';
import { periodRowFromDocument, type PeriodRow } from './period.js';

let doc: StatementDocument;
beforeAll(() => {
  doc = fixtureDocument();
});

/** Sections of a statement CSV: id → rows after the header rows. */
function sections(rows: string[][], headerRows: number): Map<string, string[][]> {
  const out = new Map<string, string[][]>();
  let cur: string[][] | null = null;
  let skip = 0;
  for (const r of rows) {
    if (r[0]?.startsWith('# ')) {
      out.set(r[0].slice(2), (cur = []));
      skip = headerRows;
    } else if (r.length === 1 && r[0] === '') cur = null;
    else if (skip > 0) skip--;
    else cur?.push(r);
  }
  return out;
}

const NUMERIC = /^-?\d+(\.\d+)?$/;

describe('renderStatementCsv', () => {
  it('UTF-8 with BOM, CRLF only, Chinese and English header rows', () => {
    const buf = renderStatementCsv(doc, { lang: 'both', status: 'reviewed' });
    expect([...buf.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = buf.toString('utf8');
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const rows = parseCsv(text);
    expect(rows[0]).toEqual(['# summary', '摘要 / Summary']);
    expect(rows[1]).toEqual(['字段', '项目', '数值', '单位']);
    expect(rows[2]).toEqual(['field', 'item', 'value', 'unit']);
    expect(text).toContain('计费速率');
  });

  it('parses back to the document figures: exact bytes, amounts, lines, daily sums', () => {
    const rows = parseCsv(renderStatementCsv(doc, { lang: 'both', status: 'reviewed' }).toString('utf8'));
    const sec = sections(rows, 2);
    expect([...sec.keys()]).toEqual([
      'summary',
      'subsidy',
      'ports',
      'daily',
      'peers',
      'exclusions',
      'coverage',
      'integrity',
    ]);
    const sum = new Map(sec.get('summary')!.map((r) => [r[0], r]));
    expect(sum.get('in_bytes')![2]).toBe(doc.in_bytes);
    expect(sum.get('out_bytes')![2]).toBe(doc.out_bytes);
    expect(sum.get('in_bytes')![3]).toBe('B');
    expect(sum.get('billable_bps')![2]).toBe(String(doc.billable_bps));
    expect(sum.get('billable_bps')![1]).toBe('计费速率 / billable rate');
    expect(Number(sum.get('p95_out_bps')![2])).toBeCloseTo(doc.p95_out_bps!, 2);
    expect(sum.get('subsidy_amount_cny')![2]).toBe(doc.subsidy.amount_cny);
    expect(sum.get('subsidy_amount_cny')![2]).toBe('8055.84');
    expect(sum.get('coverage_pct')![2]).toBe(doc.statement.coverage_pct);
    expect(sum.get('status')![2]).toBe('reviewed');
    expect(sum.get('notice')![2]).toMatch(/示例（非正式）.*EXAMPLE/);
    expect(sum.get('direction_convention')![2]).toContain(doc.statement.direction_convention.zh);
    expect(sum.get('member_name')![2]).toBe('Acme <CDN> & "Co"');

    const lines = sec.get('subsidy')!;
    expect(lines.map((r) => r[0])).toEqual(doc.subsidy.lines.map((l) => l.code));
    for (const [i, l] of doc.subsidy.lines.entries()) {
      expect(lines[i].slice(2)).toEqual([
        l.quantity ?? '',
        l.unit ?? '',
        (l.rate ?? '').replace(/^(\d+)\/(\d+)$/, '$1 / $2'),
        l.amount,
        l.subtotal,
      ]);
    }
    const daily = sec.get('daily')!;
    expect(daily).toHaveLength(30);
    expect(daily.reduce((a, r) => a + BigInt(r[4]), 0n).toString()).toBe(doc.in_bytes);
    expect(daily.reduce((a, r) => a + BigInt(r[5]), 0n).toString()).toBe(doc.out_bytes);

    const peers = sec.get('peers')!;
    expect(peers[0]).toEqual(['1', '4134', 'CHINANET', '9100000000000000', '4200000000000000', '13300000000000000']);
    const ex = sec.get('exclusions')!;
    expect(ex).toHaveLength(1);
    expect(ex[0].slice(2, 5)).toEqual(['已确认攻击 / confirmed attack', 'ALERT-42', '23']);
    const integ = new Map(sec.get('integrity')!.map((r) => [r[0], r[2]]));
    expect(integ.get('samples_hash')).toBe(doc.statement.samples_hash);
    expect(integ.get('inputs_hash')).toBe(doc.inputs_hash);
    expect(integ.get('policy_id')).toBe('EXAMPLE-ZW-TRAFFIC-2022');
    expect(integ.get('policy_official')).toBe('no');
  });

  it('numeric cells are plain: no exponent, no grouping separators', () => {
    const rows = parseCsv(renderStatementCsv(doc, { lang: 'en' }).toString('utf8'));
    const sec = sections(rows, 1);
    for (const id of ['daily', 'peers', 'ports']) {
      for (const r of sec.get(id)!)
        for (const c of r.slice(1)) if (c !== '' && /^[\d.eE+-]+$/.test(c)) expect(c).toMatch(NUMERIC);
    }
    for (const c of rows.flat()) expect(c).not.toMatch(/^-?[\d.]+e[+-]?\d+$/i);
    expect(rows[1]).toEqual(['field', 'item', 'value', 'unit']);
    expect(rows[2][0]).toBe('notice');
  });

  it('zh only: one Chinese header row; spreadsheet formulas in names are neutralised', () => {
    const d = fixtureDocument({ name: '=HYPERLINK("http://x")' });
    const rows = parseCsv(renderStatementCsv(d, { lang: 'zh' }).toString('utf8'));
    expect(rows[1]).toEqual(['字段', '项目', '数值', '单位']);
    expect(rows[2][0]).toBe('notice');
    const name = rows.find((r) => r[0] === 'member_name')!;
    expect(name[1]).toBe('成员名称（英文）');
    expect(name[2]).toBe(`'=HYPERLINK("http://x")`);
  });
});

describe('renderPeriodCsv', () => {
  const row = (asn: number, amount: string, over: Partial<PeriodRow> = {}): PeriodRow => ({
    asn,
    name: `成员 ${asn}`,
    status: 'approved',
    version: 1,
    in_bytes: '9007199254740993', // 2^53 + 1: must stay exact
    out_bytes: '1000',
    p95_in_bps: 1234567.891,
    p95_out_bps: 2e9,
    billable_bps: 2_000_000_000,
    coverage: 0.9965277777777778,
    subsidy_amount_cny: amount,
    ...over,
  });

  it('one row per member, exact decimal total (0.10 + 0.20 = 0.30, not 0.30000000000000004)', () => {
    const rows = [row(64502, '0.20'), row(64501, '0.10'), row(64503, '123456789012.34', { status: 'draft' })];
    const buf = renderPeriodCsv(rows, { lang: 'both' });
    expect(buf.subarray(0, 3).toString('hex')).toBe('efbbbf');
    const csv = parseCsv(buf.toString('utf8'));
    expect(csv[0][0]).toBe('ASN');
    expect(csv[0][10]).toBe('补贴金额（元）');
    expect(csv[1][10]).toBe('subsidy (CNY)');
    expect(csv.slice(2, 5).map((r) => r[0])).toEqual(['64501', '64502', '64503']);
    expect(csv[2]).toEqual([
      '64501',
      '成员 64501',
      '已批准 / approved',
      '1',
      '9007199254740993',
      '1000',
      '1234567.891',
      '2000000000',
      '2000000000',
      '0.996528',
      '0.10',
    ]);
    expect(csv[4][2]).toBe('草稿 / draft');
    const total = csv[5];
    expect(total[0]).toBe('合计 / Total');
    expect(total[1]).toBe('3 个成员 / 3 members');
    expect(total[4]).toBe('27021597764222979');
    expect(total[10]).toBe('123456789012.64');
    expect(csv).toHaveLength(6);
  });

  it('builds rows from stored documents; an empty month totals 0.00', () => {
    const r = periodRowFromDocument(doc, 'exported');
    expect(r).toMatchObject({
      asn: 64500,
      name: '艾克米云分发有限公司',
      version: 2,
      in_bytes: doc.in_bytes,
      subsidy_amount_cny: '8055.84',
      status: 'exported',
    });
    const csv = parseCsv(renderPeriodCsv([], { lang: 'en' }).toString('utf8'));
    expect(csv).toHaveLength(2);
    expect(csv[1][0]).toBe('Total');
    expect(csv[1][10]).toBe('0.00');
    expect(() => renderPeriodCsv([row(1, '1.234')], { lang: 'en' })).toThrow(/at most 2 decimals/);
  });
});
