/** Statement renderers: CSV, XLSX, HTML and PDF of a stored StatementDocument, and finance's period export. */
export { renderStatementCsv, renderPeriodCsv, parseCsv, type CsvOptions } from './csv.js';
export { renderStatementXlsx, renderPeriodXlsx, type XlsxOptions } from './xlsx.js';
export { renderStatementHtml, escapeHtml, type HtmlOptions, type StatementEvent } from './html.js';
export { renderStatementPdf, locatePdfFont, PDF_FONT_CANDIDATES, type PdfOptions } from './pdf.js';
export {
  periodRowFromDocument,
  periodTotals,
  type PeriodRow,
  type PeriodOptions,
  type PeriodTotals,
} from './period.js';
export type { Lang } from './labels.js';
