import { describe, expect, it } from 'vitest';
import { payoutMonths } from '../programme/payout.service.js';
import { csvRows, nonUtf8Lines, validateFees } from './fees-parse.js';

const known = new Set([64500, 64501]);

describe('fee files', () => {
  it('reads Chinese or English headers in any order, with a BOM', () => {
    const r = csvRows(Buffer.from('\uFEFF实缴金额,会员ASN,月份,开票金额\r\n100.5,AS64500,2026-01,200\r\n\r\n'));
    expect(r.problems).toEqual([]);
    const v = validateFees(r.rows, known);
    expect(v.fees).toEqual([{ asn: 64500, month: '2026-01', invoicedFen: 20_000n, paidFen: 10_050n }]);
  });

  it('lists every problem with its row and imports nothing', () => {
    const r = csvRows(
      Buffer.from(
        'asn,month,invoiced_cny,paid_cny\n64500,2026-01,1,1\n64500,2026-01,1,1\nx,2026-1,1e3,\n64502,2026-02,0.001,-0\n',
      ),
    );
    const v = validateFees(r.rows, known);
    expect(v.fees).toEqual([]);
    expect(v.problems.map((p) => `${p.row} ${p.column}`)).toEqual([
      '3 month',
      '4 asn',
      '4 month',
      '4 invoiced_cny',
      '4 paid_cny',
      '5 asn',
      '5 invoiced_cny',
      '5 paid_cny',
    ]);
    expect(csvRows(Buffer.from('asn,month\n1,2026-01\n')).problems.map((p) => p.column)).toEqual([
      'invoiced_cny',
      'paid_cny',
    ]);
    expect(validateFees([], known).problems[0]!.message).toMatch(/no fee rows/);
  });

  it('finds the lines that are not UTF-8 (GBK bytes)', () => {
    const gbk = Buffer.concat([
      Buffer.from('a\nb,'),
      Buffer.from([0xd6, 0xd0, 0xce, 0xc0]),
      Buffer.from('\nc\n'),
      Buffer.from([0xb2, 0xe2]),
    ]);
    expect(nonUtf8Lines(gbk)).toEqual([2, 4]);
    expect(nonUtf8Lines(Buffer.from('中卫\n'))).toEqual([]);
  });
});

describe('payout periods', () => {
  it('monthly, the calendar quarter holding the month, the year', () => {
    expect(payoutMonths('2026-05', 'MONTHLY')).toEqual({ period: '2026-05', months: ['2026-05'] });
    expect(payoutMonths('2026-05', 'QUARTERLY')).toEqual({
      period: '2026-Q2',
      months: ['2026-04', '2026-05', '2026-06'],
    });
    expect(payoutMonths('2026-12', 'QUARTERLY').months).toEqual(['2026-10', '2026-11', '2026-12']);
    expect(payoutMonths('2026-03', 'ANNUAL').months).toHaveLength(12);
  });
});
