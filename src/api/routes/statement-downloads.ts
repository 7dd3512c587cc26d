/** Statement and period downloads. JSON here; CSV/XLSX/HTML/PDF through the renderers in src/statements/render. */
import type { FastifyReply } from 'fastify';
import { AppError } from '../../shared/errors.js';
import type { StatementDocument, StatementStatus } from '../../statements/document.js';
import type { EventRow } from '../../statements/statements.repository.js';

export const FORMATS = ['json', 'csv', 'xlsx', 'pdf', 'html'] as const;
export type Format = (typeof FORMATS)[number];

export async function sendStatement(reply: FastifyReply, s: { document: StatementDocument; status: StatementStatus; events: EventRow[] }, format: Format, _lang: 'zh' | 'en') {
  if (format === 'json') return reply.send({ ...s.document, status: s.status, history: s.events.map((e) => ({ ...e, at: new Date(e.at).toISOString() })) });
  throw new AppError('IXMETER_ERR_NOT_AVAILABLE', `format ${format} is not available yet`);
}

export async function sendPeriod(reply: FastifyReply, month: string, rows: unknown[], format: 'json' | 'csv' | 'xlsx', _lang: string) {
  if (format === 'json') return reply.send({ month, statements: rows });
  throw new AppError('IXMETER_ERR_NOT_AVAILABLE', `format ${format} is not available yet`);
}
