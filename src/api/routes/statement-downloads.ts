/** Statement and period downloads: JSON, CSV (UTF-8 with BOM), XLSX, printable HTML and PDF (zh/en). */
import type { FastifyReply } from 'fastify';
import type { StatementDocument, StatementStatus } from '../../statements/document.js';
import {
  renderPeriodCsv,
  renderPeriodXlsx,
  renderStatementCsv,
  renderStatementHtml,
  renderStatementPdf,
  renderStatementXlsx,
  type PeriodRow,
} from '../../statements/render/index.js';
import type { EventRow } from '../../statements/statements.repository.js';

export const FORMATS = ['json', 'csv', 'xlsx', 'pdf', 'html'] as const;
export type Format = (typeof FORMATS)[number];

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

function attachment(reply: FastifyReply, name: string, type: string): FastifyReply {
  return reply.header('content-type', type).header('content-disposition', `attachment; filename="${name}"`);
}

export interface StatementView {
  document: StatementDocument;
  status: StatementStatus;
  events: EventRow[];
}

/** The JSON answer of a statement: the document with its workflow status and history. */
export function statementJson(s: StatementView): string {
  return JSON.stringify({
    ...s.document,
    status: s.status,
    history: s.events.map((e) => ({ ...e, at: new Date(e.at).toISOString() })),
  });
}

export async function sendStatement(reply: FastifyReply, s: StatementView, format: Format, lang: 'zh' | 'en') {
  const d = s.document;
  const base = `ixmeter-statement-AS${d.asn}-${d.month}-v${d.version}`;
  switch (format) {
    case 'json':
      return reply.type('application/json; charset=utf-8').send(statementJson(s));
    case 'csv':
      return attachment(reply, `${base}.csv`, 'text/csv; charset=utf-8').send(
        renderStatementCsv(d, { lang: 'both', status: s.status }),
      );
    case 'xlsx':
      return attachment(reply, `${base}.xlsx`, XLSX).send(
        await renderStatementXlsx(d, { lang: 'both', status: s.status }),
      );
    case 'html':
      return reply
        .header('content-type', 'text/html; charset=utf-8')
        .send(renderStatementHtml(d, { lang, status: s.status, events: s.events }));
    case 'pdf':
      return attachment(reply, `${base}-${lang}.pdf`, 'application/pdf').send(
        await renderStatementPdf(d, { lang, status: s.status, events: s.events }),
      );
  }
}

export async function sendPeriod(
  reply: FastifyReply,
  month: string,
  rows: PeriodRow[],
  format: 'json' | 'csv' | 'xlsx',
  lang: 'zh' | 'en' | 'both',
) {
  if (format === 'json') return reply.send({ month, statements: rows });
  if (format === 'csv')
    return attachment(reply, `ixmeter-statements-${month}.csv`, 'text/csv; charset=utf-8').send(
      renderPeriodCsv(rows, { lang, month }),
    );
  return attachment(reply, `ixmeter-statements-${month}.xlsx`, XLSX).send(
    await renderPeriodXlsx(rows, { lang, month }),
  );
}
