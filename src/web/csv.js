// CSV of a series the console shows: built in the browser from the very numbers drawn (UTF-8 with BOM, so
// spreadsheet programs read Chinese headers), one row per point, times as ISO 8601 with offset.
import { html, saveBlob } from './lib.js';
import { t } from './i18n.js';

const cell = (v) => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** columns: [header, (row) => value]; rows: any objects. */
export function toCsv(columns, rows) {
  const lines = [columns.map(([h]) => cell(h)).join(',')];
  for (const r of rows) lines.push(columns.map(([, f]) => cell(f(r))).join(','));
  return `\ufeff${lines.join('\r\n')}\r\n`;
}

export function saveCsv(name, text) {
  saveBlob(new Blob([text], { type: 'text/csv;charset=utf-8' }), name);
}

/** A small button that downloads the given series as CSV. what: the series' title (for the label). */
export function CsvButton({ name, columns, rows, what, testid }) {
  return html`<button type="button" class="btn btn-small csv-btn" data-testid=${testid} aria-label=${t('csv.aria', { what })}
    onClick=${() => saveCsv(name, toCsv(columns, rows))} disabled=${!rows?.length}>${t('csv.download')}</button>`;
}
