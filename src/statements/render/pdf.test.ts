import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatementDocument } from '../document.js';
import { buildDocument } from '../document.js';
import { buildMonthlyStatement } from '../statement.js';
import { renderStatementCsv } from './csv.js';
import { fixtureDocument } from './fixture.js';
import { renderStatementHtml } from './html.js';
import { locatePdfFont, renderStatementPdf } from './pdf.js';
import { renderStatementXlsx } from './xlsx.js';

let doc: StatementDocument;
const dir = mkdtempSync(join(tmpdir(), 'ixmeter-pdf-'));
beforeAll(() => {
  doc = fixtureDocument();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Text of a PDF through poppler's pdftotext (Debian poppler-utils, installed by .ci/run). */
function pdfText(pdf: Buffer, name: string): string {
  const file = join(dir, name);
  writeFileSync(file, pdf);
  return execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
}

describe('renderStatementPdf', () => {
  it('a real A4 PDF whose Chinese and English text is extractable', async () => {
    const pdf = await renderStatementPdf(doc, {
      lang: 'zh',
      status: 'approved',
      events: [
        {
          at: Date.parse('2025-05-02T01:00:00Z'),
          action: 'computed',
          from_status: '',
          to_status: 'draft',
          actor: 'finance.li',
          role: 'finance',
          note: '首次计算',
        },
      ],
    });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.subarray(-6).toString()).toMatch(/%%EOF/);
    const text = pdfText(pdf, 'zh.pdf');
    for (const s of [
      '流量对账单',
      'Traffic statement',
      '计费速率',
      'billable rate',
      '8,055,838,434',
      '补贴金额',
      '8,055.84',
      '示例（非正式）',
      'EXAMPLE — not official',
      '艾克米云分发有限公司',
      'AS64500',
      '方向约定',
      '第 14 个工作日',
      'working day 14',
      'ALERT-42',
      'CHINANET',
      '首次计算',
      '已批准',
      'EXAMPLE-ZW-TRAFFIC-2022@1',
    ]) {
      expect(text).toContain(s);
    }
    expect(text).toContain(doc.statement.samples_hash);
    for (const l of doc.subsidy.lines) expect(text).toContain(l.code);
    const info = execFileSync('pdfinfo', [join(dir, 'zh.pdf')], { encoding: 'utf8' });
    expect(info).toMatch(/Page size:\s+595\.28 x 841\.89 pts \(A4\)/);
    const fonts = execFileSync('pdffonts', [join(dir, 'zh.pdf')], { encoding: 'utf8' });
    expect(fonts).toMatch(/CID TrueType\s+Identity-H\s+yes yes yes/); // embedded subset with a ToUnicode map
  });

  it('English first, no banner for an official policy', async () => {
    const official: StatementDocument = {
      ...doc,
      subsidy: { ...doc.subsidy, policy: { ...doc.subsidy.policy, official: true } },
    };
    const text = pdfText(await renderStatementPdf(official, { lang: 'en' }), 'en.pdf');
    expect(text).toContain('Traffic statement 流量对账单');
    expect(text).toContain('billable rate 计费速率');
    expect(text).not.toContain('EXAMPLE — not official');
  });

  it('names the Debian package when no CJK font is installed', () => {
    expect(() =>
      locatePdfFont({}, [
        { path: '/nonexistent/wqy-microhei.ttc', family: 'WenQuanYiMicroHei', apt: 'fonts-wqy-microhei' },
      ]),
    ).toThrow(/IXMETER_ERR_PDF_FONT_MISSING: .*apt-get install fonts-wqy-microhei/);
    expect(() => locatePdfFont({ fontPath: '/nonexistent.ttf' })).toThrow(/IXMETER_ERR_PDF_FONT_MISSING/);
    expect(locatePdfFont().path).toMatch(/\.tt[cf]$/);
  });

  it('the same document gives the same bytes', async () => {
    const a = await renderStatementPdf(doc, { lang: 'zh' });
    expect(a.equals(await renderStatementPdf(doc, { lang: 'zh' }))).toBe(true);
  });

  it('an empty month of a member not enrolled renders in every format', async () => {
    const statement = buildMonthlyStatement({
      asn: 65001,
      month: '2025-02',
      timeZone: 'Asia/Shanghai',
      percentileMethod: 'MAX_DIRECTION',
      samples: [],
    });
    const empty = buildDocument({
      version: 1,
      member: {
        asn: 65001,
        name: 'X',
        name_zh: '',
        member_type: 'other',
        first_production_date: null,
        subsidy_enrolled: false,
        port_capacity_mbps: 0,
      },
      statement,
      subsidy: null,
      policy: { id: 'P', version: 1, official: true, name_zh: '正式', name_en: 'Official' },
      inputsHash: 'x',
      computedAt: 'not a date',
      computedBy: 'scheduler',
    });
    const text = pdfText(await renderStatementPdf(empty, { lang: 'en' }), 'empty.pdf');
    expect(text).toContain('AS65001');
    expect(text).toContain('0.00');
    expect(renderStatementCsv(empty, { lang: 'en' }).toString()).toContain('billable_bps,billable rate,,bit/s');
    expect((await renderStatementXlsx(empty, { lang: 'zh' })).length).toBeGreaterThan(1000);
    expect(renderStatementHtml(empty, { lang: 'zh', status: 'draft', events: [] })).toContain('AS65001');
  });
});
