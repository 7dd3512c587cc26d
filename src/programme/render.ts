/**
 * Programme documents (payout file, programme year report) as plain tables: CSV (UTF-8 with BOM, CRLF,
 * so Excel opens the Chinese headers; cells quoted like statement CSVs), XLSX (exceljs, a Chinese and an
 * English header row, money as numeric cells) and PDF (pdfkit with the statements' CJK font).
 */
import ExcelJS from 'exceljs';
import PDFDocument from 'pdfkit';
import { csvField } from '../statements/render/csv.js';
import { locatePdfFont } from '../statements/render/pdf.js';

export interface Text {
  zh: string;
  en: string;
}

export type Value = string | number | null;

export interface Table {
  id: string;
  title: Text;
  columns: Array<Text & { money?: boolean; width?: number }>;
  rows: Value[][];
}

export interface Doc {
  title: Text;
  /** key/value lines above the tables (document number, hash, policy...). */
  facts: Array<[Text, string]>;
  tables: Table[];
  notes?: Text[];
}

const pick = (t: Text, lang: 'zh' | 'en' | 'both') => (lang === 'both' ? `${t.zh} / ${t.en}` : t[lang]);
const cell = (v: Value) => (v === null ? '' : String(v));

export function renderCsv(doc: Doc, lang: 'zh' | 'en' | 'both'): Buffer {
  const line = (cells: string[]) => cells.map((v) => csvField({ k: 'text', v })).join(',') + '\r\n';
  let out = '\uFEFF';
  for (const [k, v] of doc.facts) out += line([`# ${pick(k, lang)}`, v]);
  for (const t of doc.tables) {
    out += line([`# ${t.id}`]);
    for (const l of lang === 'both' ? (['zh', 'en'] as const) : [lang]) out += line(t.columns.map((c) => c[l]));
    for (const r of t.rows)
      out += r.map((v) => (typeof v === 'number' ? String(v) : csvField({ k: 'text', v: cell(v) }))).join(',') + '\r\n';
    out += '\r\n';
  }
  for (const n of doc.notes ?? []) out += line([`# ${pick(n, lang)}`]);
  return Buffer.from(out, 'utf8');
}

export async function renderXlsx(doc: Doc): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'ixmeter';
  wb.title = `${doc.title.zh} / ${doc.title.en}`;
  const info = wb.addWorksheet('Document');
  info.columns = [{ width: 36 }, { width: 70 }];
  info.addRow([doc.title.zh, doc.title.en]).font = { bold: true };
  for (const [k, v] of doc.facts) info.addRow([`${k.zh} / ${k.en}`, v]);
  for (const n of doc.notes ?? []) info.addRow([n.zh, n.en]);
  for (const t of doc.tables) {
    const ws = wb.addWorksheet(t.id.slice(0, 31));
    ws.columns = t.columns.map((c) => ({ width: c.width ?? Math.max(12, c.zh.length * 2 + 2, c.en.length + 2) }));
    for (const l of ['zh', 'en'] as const) {
      const r = ws.addRow(t.columns.map((c) => c[l]));
      r.font = { bold: true };
    }
    ws.views = [{ state: 'frozen', ySplit: 2 }];
    for (const r of t.rows) {
      const row = ws.addRow(
        r.map((v, i) =>
          t.columns[i]?.money && typeof v === 'string' && /^-?\d{1,13}\.\d{2}$/.test(v) ? Number(v) : v,
        ),
      );
      t.columns.forEach((c, i) => {
        if (c.money) row.getCell(i + 1).numFmt = '0.00';
      });
    }
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export async function renderPdf(doc: Doc, lang: 'zh' | 'en'): Promise<Buffer> {
  const font = locatePdfFont();
  const pdf = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: 36,
    info: { Title: doc.title[lang], Creator: 'ixmeter' },
  });
  pdf.registerFont('cjk', font.path, font.family);
  pdf.font('cjk');
  const chunks: Buffer[] = [];
  pdf.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((r) => pdf.on('end', () => r(Buffer.concat(chunks))));
  pdf.fontSize(16).text(doc.title[lang]);
  pdf.moveDown(0.5).fontSize(9);
  for (const [k, v] of doc.facts) pdf.text(`${k[lang]}: ${v}`);
  const width = pdf.page.width - 72;
  for (const t of doc.tables) {
    pdf.moveDown(0.8).fontSize(12).text(t.title[lang], 36);
    pdf.fontSize(7.5);
    const w = width / t.columns.length;
    const row = (cells: string[], bold = false) => {
      if (pdf.y > pdf.page.height - 60) pdf.addPage();
      const y = pdf.y;
      let h = 0;
      cells.forEach((c, i) => {
        pdf.text(c, 36 + i * w, y, { width: w - 4 });
        h = Math.max(h, pdf.y - y);
      });
      pdf.y = y + h + 2;
      if (bold)
        (pdf
          .moveTo(36, pdf.y)
          .lineTo(36 + width, pdf.y)
          .lineWidth(0.5)
          .stroke(),
          (pdf.y += 2));
    };
    row(
      t.columns.map((c) => c[lang]),
      true,
    );
    for (const r of t.rows) row(r.map(cell));
  }
  pdf.moveDown(0.8).fontSize(8);
  for (const n of doc.notes ?? []) pdf.text(n[lang], 36);
  pdf.end();
  return done;
}
