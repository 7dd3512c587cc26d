/** The one error shape: `{ statusCode, code, message }` with IXMETER_ERR_* codes. 5xx details stay in the log. */
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, ERROR_CODES, type ErrorCode } from '../../shared/errors.js';

export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  message: string;
}

export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof AppError) return { statusCode: err.statusCode, code: err.code, message: err.message };
  const fe = err as FastifyError & { statusCode?: number };
  if (hasZodFastifySchemaValidationErrors(fe)) {
    const where = fe.validationContext ?? 'request';
    const parts = fe.validation.map(
      (v) => `${where}${v.instancePath ? v.instancePath.replace(/\//g, '.') : ''}: ${v.message}`,
    );
    return { statusCode: 400, code: 'IXMETER_ERR_VALIDATION', message: parts.join('; ') };
  }
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status === 404) return { statusCode: 404, code: 'IXMETER_ERR_NOT_FOUND', message: fe.message || 'not found' };
  if (status === 429)
    return { statusCode: 429, code: 'IXMETER_ERR_RATE_LIMITED', message: fe.message || 'too many requests' };
  if (status >= 400 && status < 500) return { statusCode: status, code: 'IXMETER_ERR_VALIDATION', message: fe.message };
  return { statusCode: 500, code: 'IXMETER_ERR_INTERNAL', message: ERROR_CODES.IXMETER_ERR_INTERNAL.text };
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    const body = toErrorBody(err);
    if (body.statusCode >= 500) req.log.error({ err }, 'request failed');
    else req.log.warn({ code: body.code, reason: body.message }, 'request rejected');
    void reply.status(body.statusCode).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({
      statusCode: 404,
      code: 'IXMETER_ERR_NOT_FOUND',
      message: `no route ${req.method} ${req.url.split('?')[0]}`,
    } satisfies ErrorBody);
  });
}

export const errorResponseSchema = {
  description: 'error',
  type: 'object',
  properties: { statusCode: { type: 'integer' }, code: { type: 'string' }, message: { type: 'string' } },
} as const;
