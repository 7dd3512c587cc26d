/**
 * PDF statement (A4) with pdfkit. Chinese needs a CJK font with TrueType outlines: pdfkit embeds a
 * subset as a CID font with a ToUnicode map, so the text stays extractable (pdftotext, copy/paste).
 * The font comes from Debian's fonts-wqy-microhei, located at run time; the only I/O is reading it.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as fontkit from 'fontkit';
import PDFDocument from 'pdfkit';
import { AppError } from '../../shared/errors.js';
import type { StatementDocument } from '../document.js';
import { LABELS, STATUS, type Text } from './labels.js';
import { BANNER, buildSections, cellText, DISPUTE, grouped, isExample, type Cell, type Section } from './model.js';
import type { StatementEvent } from './html.js';

export interface PdfOptions {
  lang: 'zh' | 'en';
  status?: string;
  events?: readonly StatementEvent[];
  /** A TrueType/TTC font with CJK glyphs; default: the first installed of PDF_FONT_CANDIDATES. */
  fontPath?: string;
  /** PostScript name of the face inside a .ttc collection. */
  fontFamily?: string;
}

export const PDF_FONT_CANDIDATES: readonly { path: string; family: string; apt: string }[] = [
  { path: '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc', family: 'WenQuanYiMicroHei', apt: 'fonts-wqy-microhei' },
];

/** Parsed fonts by path and face: parsing the 5 MB collection once makes a render ~10× faster. */
const fontCache = new Map<string, fontkit.Font>();

export function loadFont(path: string, family: string | undefined): fontkit.Font {
  const key = `${path}\0${family ?? ''}`;
  let font = fontCache.get(key);
  if (!font) {
    const parsed = fontkit.create(readFileSync(path), family) as fontkit.Font | fontkit.FontCollection | null;
    if (!parsed)
      throw new AppError('IXMETER_ERR_NOT_AVAILABLE', `IXMETER_ERR_PDF_FONT_MISSING: no face ${family} in ${path}`);
    font = 'fonts' in parsed ? parsed.fonts[0] : parsed;
    fontCache.set(key, font);
  }
  return font;
}

/** The CJK font to embed; throws naming the Debian package when none is installed. */
export function locatePdfFont(
  opts: Pick<PdfOptions, 'fontPath' | 'fontFamily'> = {},
  candidates: typeof PDF_FONT_CANDIDATES = PDF_FONT_CANDIDATES,
): { path: string; family: string | undefined } {
  if (opts.fontPath) {
    if (!existsSync(opts.fontPath))
      throw new AppError(
        'IXMETER_ERR_NOT_AVAILABLE',
        `IXMETER_ERR_PDF_FONT_MISSING: font file ${opts.fontPath} does not exist`,
      );
    return { path: opts.fontPath, family: opts.fontFamily };
  }
  const found = candidates.find((c) => existsSync(c.path));
  if (!found) {
    throw new AppError(
      'IXMETER_ERR_NOT_AVAILABLE',
      `IXMETER_ERR_PDF_FONT_MISSING: PDF statements need a Chinese font; install the Debian package ${candidates.map((c) => c.apt).join(' or ')} (apt-get install ${candidates[0]?.apt}; looked for ${candidates.map((c) => c.path).join(', ')})`,
    );
  }
  return { path: found.path, family: found.family };
}

export const A4 = { w: 595.28, h: 841.89, m: 40 };
const INK = '#111111';
const GREY = '#555555';
const RED = '#b00020';

type Doc = PDFKit.PDFDocument;

export function bi(t: Text, lang: 'zh' | 'en'): string {
  return lang === 'zh' ? `${t.zh} ${t.en}` : `${t.en} ${t.zh}`;
}

function ensure(doc: Doc, height: number): void {
  if (doc.y + height > A4.h - A4.m) doc.addPage();
}

export function heading(doc: Doc, t: Text, lang: 'zh' | 'en'): void {
  ensure(doc, 40);
  doc
    .moveDown(0.6)
    .fontSize(11.5)
    .fillColor(INK)
    .text(bi(t, lang), A4.m, doc.y, { width: A4.w - 2 * A4.m });
  doc
    .moveTo(A4.m, doc.y)
    .lineTo(A4.w - A4.m, doc.y)
    .strokeColor('#888888')
    .lineWidth(0.5)
    .stroke();
  doc.moveDown(0.3);
}

export function para(doc: Doc, text: string, size = 8.5, color = INK): void {
  ensure(doc, 20);
  doc
    .fontSize(size)
    .fillColor(color)
    .text(text, A4.m, doc.y, { width: A4.w - 2 * A4.m });
  doc.moveDown(0.2);
}

/** A ruled table; cells wrap, rows break across pages with the header repeated. */
export function table(doc: Doc, head: string[], rows: Cell[][], weights: number[], size = 7.5): void {
  const total = weights.reduce((a, b) => a + b, 0);
  const widths = weights.map((w) => ((A4.w - 2 * A4.m) * w) / total);
  const pad = 2;
  const draw = (cells: { t: string; right: boolean }[], bold: boolean) => {
    doc.fontSize(size);
    const h =
      Math.max(...cells.map((c, i) => doc.heightOfString(c.t || ' ', { width: widths[i] - 2 * pad }))) + 2 * pad;
    if (doc.y + h > A4.h - A4.m) {
      doc.addPage();
      if (!bold)
        draw(
          head.map((t) => ({ t, right: false })),
          true,
        );
    }
    const y = doc.y;
    let x = A4.m;
    cells.forEach((c, i) => {
      if (bold) doc.rect(x, y, widths[i], h).fill('#eef2f7');
      doc.rect(x, y, widths[i], h).lineWidth(0.4).strokeColor('#bbbbbb').stroke();
      doc.fillColor(INK).text(c.t, x + pad, y + pad, { width: widths[i] - 2 * pad, align: c.right ? 'right' : 'left' });
      x += widths[i];
    });
    doc.x = A4.m;
    doc.y = y + h;
  };
  draw(
    head.map((t) => ({ t, right: false })),
    true,
  );
  if (rows.length === 0)
    draw(
      head.map((_, i) => ({ t: i === 0 ? '—' : '', right: false })),
      false,
    );
  for (const r of rows)
    draw(
      r.map((c) => ({ t: c.k === 'text' ? cellText(c) : grouped(cellText(c)), right: c.k !== 'text' })),
      false,
    );
}

function section(doc: Doc, s: Section, lang: 'zh' | 'en', weights: number[], size?: number): void {
  heading(doc, s.title, lang);
  table(
    doc,
    s.columns.map((c) => (lang === 'zh' ? `${c.zh}\n${c.en}` : `${c.en}\n${c.zh}`)),
    s.rows,
    weights,
    size,
  );
}

const KEY_FIGURES = [
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
  'valid_buckets',
  'missing_buckets',
  'excluded_buckets',
  'subsidy_amount_cny',
  'subsidy_status',
  'annual_cap_cny',
  'ytd_paid_cny',
  'headroom_after_cny',
];

/** An A4 document with the CJK font registered as 'cjk' and selected; `done` resolves with the bytes after `pdf.end()`. */
export function openCjkPdf(
  title: string,
  created: Date,
  opts: Pick<PdfOptions, 'fontPath' | 'fontFamily'>,
): { pdf: Doc; done: Promise<Buffer> } {
  const located = locatePdfFont(opts);
  const font = loadFont(located.path, located.family);
  const pdf = new PDFDocument({
    size: 'A4',
    margin: A4.m,
    bufferPages: false,
    info: {
      Title: title,
      Author: 'ixmeter',
      ...(Number.isNaN(created.getTime()) ? {} : { CreationDate: created }), // also seeds the file id: same document, same bytes
    },
  });
  const chunks: Buffer[] = [];
  pdf.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
  // pdfkit ≥ 0.18 embeds an already parsed fontkit font (its typings only list file sources)
  pdf.registerFont('cjk', font as unknown as Buffer);
  pdf.font('cjk');
  return { pdf, done };
}

export async function renderStatementPdf(doc: StatementDocument, opts: PdfOptions): Promise<Buffer> {
  const lang = opts.lang;
  const { pdf, done } = openCjkPdf(
    `${LABELS.title.zh} ${LABELS.title.en} AS${doc.asn} ${doc.month} v${doc.version}`,
    new Date(doc.computed_at),
    opts,
  );

  const sections = buildSections(doc, lang);
  const by = (id: Section['id']) => sections.find((s) => s.id === id)!;
  const s = doc.statement;
  const p = doc.subsidy.policy;
  const name =
    doc.member.name_zh && doc.member.name_zh !== doc.member.name
      ? `${doc.member.name_zh} / ${doc.member.name}`
      : doc.member.name;

  pdf.fontSize(16).fillColor(INK).text(bi(LABELS.title, lang), A4.m, A4.m);
  pdf.moveDown(0.3);
  if (isExample(doc)) {
    const text = `${BANNER.zh}\n${BANNER.en}`;
    pdf.fontSize(9.5);
    const h = pdf.heightOfString(text, { width: A4.w - 2 * A4.m - 12 }) + 10;
    const y = pdf.y;
    pdf
      .rect(A4.m, y, A4.w - 2 * A4.m, h)
      .lineWidth(1.5)
      .strokeColor(RED)
      .stroke();
    pdf.fillColor(RED).text(text, A4.m + 6, y + 5, { width: A4.w - 2 * A4.m - 12 });
    pdf.x = A4.m;
    pdf.y = y + h + 4;
  }
  const status = opts.status ? (STATUS[opts.status] ?? { zh: opts.status, en: opts.status }) : null;
  const head: [Text, string][] = [
    [LABELS.member, `${name} (AS${doc.asn})`],
    [LABELS.month, `${doc.month}  ${s.period_start} – ${s.period_end} (${s.time_zone})`],
    [LABELS.version, `v${doc.version}${status ? `  ${bi(status, lang)}` : ''}`],
    [LABELS.policy, `${p.id}@${p.version}  ${p.name_zh} / ${p.name_en}`],
    [
      LABELS.percentile_method,
      `${doc.percentile_method}: ${s.percentile_method_text.zh} ${s.percentile_method_text.en}`,
    ],
  ];
  table(
    pdf,
    [bi({ zh: '项目', en: 'item' }, lang), bi({ zh: '内容', en: 'value' }, lang)],
    head.map(([t, v]) => [
      { k: 'text', v: bi(t, lang) },
      { k: 'text', v },
    ]),
    [1, 3],
    8.5,
  );

  heading(pdf, LABELS.direction_convention, lang);
  para(pdf, s.direction_convention.zh);
  para(pdf, s.direction_convention.en);

  heading(pdf, LABELS.key_figures, lang);
  const sum = by('summary').rows.filter((r) => KEY_FIGURES.includes(cellText(r[0])));
  table(
    pdf,
    [bi({ zh: '项目', en: 'item' }, lang), bi({ zh: '数值', en: 'value' }, lang), bi({ zh: '单位', en: 'unit' }, lang)],
    sum.map((r) => [{ k: 'text', v: bi(LABELS[cellText(r[0]) as keyof typeof LABELS], lang) }, r[2], r[3]]),
    [2.2, 2, 0.8],
    8.5,
  );

  section(pdf, by('subsidy'), lang, [1.3, 4.6, 1.1, 0.7, 1, 1.1, 1.1], 7);
  section(pdf, by('ports'), lang, [1.4, 0.8, 1.6, 1.6, 1.3, 1.3, 1, 1]);
  section(pdf, by('exclusions'), lang, [1.8, 1.8, 1.1, 1.1, 0.8, 1.4, 1.4]);
  section(pdf, by('coverage'), lang, [1.4, 1.8, 1.8, 0.8, 3]);
  section(pdf, by('peers'), lang, [0.5, 0.8, 2.2, 1.5, 1.5, 1.5]);
  const whole = (x: Section): Section => ({
    ...x,
    rows: x.rows.map((r) => r.map((c) => (c.k === 'num' ? { ...c, dp: 0 } : c))),
  });
  section(pdf, whole(by('daily')), lang, [1.1, 0.7, 0.7, 0.7, 1.6, 1.6, 1.35, 1.35, 1.35, 1.35], 6.5);
  section(pdf, by('integrity'), lang, [1.2, 1.3, 3.5], 7);

  heading(pdf, LABELS.history, lang);
  table(
    pdf,
    [
      bi({ zh: '时间', en: 'time' }, lang),
      bi({ zh: '操作', en: 'action' }, lang),
      bi({ zh: '状态', en: 'status' }, lang),
      bi({ zh: '操作人', en: 'actor' }, lang),
      bi({ zh: '备注', en: 'note' }, lang),
    ],
    (opts.events ?? []).map((e) => [
      {
        k: 'text',
        v: new Date(e.at)
          .toISOString()
          .replace('T', ' ')
          .replace(/\.\d+Z$/, ' UTC'),
      },
      { k: 'text', v: e.action },
      { k: 'text', v: `${e.from_status || '—'} → ${e.to_status || '—'}` },
      { k: 'text', v: `${e.actor} (${e.role})` },
      { k: 'text', v: e.note },
    ]),
    [1.4, 0.9, 1.3, 1.4, 2.5],
  );

  heading(pdf, LABELS.dispute, lang);
  para(pdf, DISPUTE.zh);
  para(pdf, DISPUTE.en);
  pdf.end();
  return done;
}
