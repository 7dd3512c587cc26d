import { it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { fixtureDocument } from './fixture.js';
import { renderStatementCsv, renderStatementHtml, renderStatementPdf, renderStatementXlsx } from './index.js';
it('dump', async () => {
  const d = fixtureDocument();
  writeFileSync('/tmp/rt/doc.json', JSON.stringify({ ...d, statement: { ...d.statement, daily: d.statement.daily.slice(0, 2) } }, null, 1));
  writeFileSync('/tmp/rt/s.csv', renderStatementCsv(d, { lang: 'both', status: 'reviewed' }));
  writeFileSync('/tmp/rt/s.xlsx', await renderStatementXlsx(d, { lang: 'both' }));
  writeFileSync('/tmp/rt/s.html', renderStatementHtml(d, { lang: 'zh', status: 'approved', events: [{ at: 1746147600000, action: 'computed', from_status: '', to_status: 'draft', actor: 'finance.li', role: 'finance', note: '<b>x</b>' }] }));
  writeFileSync('/tmp/rt/s.pdf', await renderStatementPdf(d, { lang: 'zh', status: 'approved', events: [{ at: 1746147600000, action: 'computed', from_status: '', to_status: 'draft', actor: 'finance.li', role: 'finance', note: 'run 1' }] }));
});
