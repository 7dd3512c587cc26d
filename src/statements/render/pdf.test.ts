import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatementDocument } from '../document.js';
import { fixtureDocument } from './fixture.js';
import { locatePdfFont, renderStatementPdf } from './pdf.js';

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
    const pdf = await renderStatementPdf(doc, { lang: 'zh', status: 'approved', events: [{ at: Date.parse('2025-05-02T01:00:00Z'), action: 'computed', from_status: '', to_status: 'draft', actor: 'finance.li', role: 'finance', note: '首次计算' }] });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.subarray(-6).toString()).toMatch(/%%EOF/);
    const text = pdfText(pdf, 'zh.pdf');
    for (const s of ['流量对账单', 'Traffic statement', '计费速率', 'billable rate', '8,055,838,434', '补贴金额', '8,055.84', '示例（非正式）', 'EXAMPLE — not official', '艾克米云分发有限公司', 'AS64500', '方向约定', '第 14 个工作日', 'working day 14', 'ALERT-42', 'CHINANET', '首次计算', '已批准', 'EXAMPLE-ZW-TRAFFIC-2022@1']) {
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
    const official: StatementDocument = { ...doc, subsidy: { ...doc.subsidy, policy: { ...doc.subsidy.policy, official: true } } };
    const text = pdfText(await renderStatementPdf(official, { lang: 'en' }), 'en.pdf');
    expect(text).toContain('Traffic statement 流量对账单');
    expect(text).toContain('billable rate 计费速率');
    expect(text).not.toContain('EXAMPLE — not official');
  });

  it('names the Debian package when no CJK font is installed', () => {
    expect(() => locatePdfFont({}, [{ path: '/nonexistent/wqy-microhei.ttc', family: 'WenQuanYiMicroHei', apt: 'fonts-wqy-microhei' }])).toThrow(
      /IXMETER_ERR_PDF_FONT_MISSING: .*apt-get install fonts-wqy-microhei/,
    );
    expect(() => locatePdfFont({ fontPath: '/nonexistent.ttf' })).toThrow(/IXMETER_ERR_PDF_FONT_MISSING/);
    expect(locatePdfFont().path).toMatch(/\.tt[cf]$/);
  });
});
