/**
 * The subsidy programme (finance): policy what-if and check, fees, the month's budget, payout files and
 * the programme year report. Logic lives in src/programme, src/fees, src/payouts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditLog } from '../../audit/audit.service.js';
import type { FeesService } from '../../fees/fees.service.js';
import type { Programme } from '../../programme/programme.service.js';
import { AppError } from '../../shared/errors.js';
import type { ResponseCache } from '../../shared/response-cache.js';
import { checkPolicyText } from '../../subsidies/policy-check.js';
import { SubsidyPolicySchema, formatPolicyIssues, type SubsidyPolicy } from '../../subsidies/policy.schema.js';
import { requirePrincipal } from '../plugins/auth.js';

const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'month must be YYYY-MM');
const Year = z.string().regex(/^\d{4}$/, 'year must be YYYY');
const FINANCE = ['admin', 'finance'] as const;
const READ = ['admin', 'finance', 'auditor'] as const;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export interface ProgrammeRouteDeps {
  programme: Programme;
  fees: FeesService;
  audit: AuditLog;
  cache: ResponseCache;
}

function candidate(policy: unknown): SubsidyPolicy | undefined {
  if (policy === undefined || policy === null) return undefined;
  if (typeof policy === 'string') {
    const r = checkPolicyText(policy);
    if (!r.ok)
      throw new AppError(
        'IXMETER_ERR_VALIDATION',
        `invalid candidate policy:\n  ${r.problems.map((p) => `${p.line ? `line ${p.line}: ` : ''}${p.path}: ${p.message}`).join('\n  ')}`,
      );
    return r.policy;
  }
  const r = SubsidyPolicySchema.safeParse(policy);
  if (!r.success)
    throw new AppError(
      'IXMETER_ERR_VALIDATION',
      `invalid candidate policy:\n  ${formatPolicyIssues(r.error).join('\n  ')}`,
    );
  return r.data;
}

const download = (name: string, format: 'csv' | 'xlsx' | 'pdf') => ({
  type: format === 'csv' ? 'text/csv; charset=utf-8' : format === 'xlsx' ? XLSX : 'application/pdf',
  disposition: `attachment; filename="${name}.${format}"`,
});

export function programmeRoutes(d: ProgrammeRouteDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.addContentTypeParser(
      ['text/csv', XLSX, 'application/octet-stream'],
      { parseAs: 'buffer' },
      (_req, body, done) => done(null, body),
    );

    app.post(
      '/policies/simulate',
      {
        config: { roles: READ },
        schema: {
          tags: ['programme'],
          summary:
            'Policy what-if: a candidate (YAML text or a JSON document; default: the registered policy of each month) over past months; stores nothing',
          body: z.object({
            policy: z.union([z.string().max(1_000_000), z.record(z.string(), z.unknown())]).optional(),
            from: Month,
            to: Month,
          }),
        },
      },
      async (req) => {
        const p = requirePrincipal(req);
        const policy = candidate(req.body.policy);
        const result = await d.programme.simulate({ policy, from: req.body.from, to: req.body.to });
        await d.audit.append({
          actor: p.tokenId,
          role: p.role,
          action: 'policy.simulate',
          object: `${req.body.from}..${req.body.to}`,
          outcome: 'ok',
          sourceIp: req.ip,
          details: { candidate: policy ? `${policy.policy_id}/v${policy.version}` : null, total_cny: result.total_cny },
        });
        return result;
      },
    );

    app.post(
      '/policies/check',
      {
        config: { roles: READ },
        schema: {
          tags: ['programme'],
          summary: 'Validate a policy document (YAML/JSON text): every problem with its line; stores nothing',
          body: z.string().min(1).max(1_000_000),
        },
      },
      async (req) => {
        const r = checkPolicyText(req.body);
        return r.ok
          ? { ok: true, problems: [], policy: { policy_id: r.policy.policy_id, version: r.policy.version } }
          : { ok: false, problems: r.problems };
      },
    );

    app.post(
      '/fees',
      {
        config: { roles: FINANCE },
        schema: {
          tags: ['programme'],
          summary:
            'Import fees invoiced/paid per member and month: text/csv, XLSX, or JSON { rows: [{ asn, month, invoiced_cny, paid_cny }] }; every bad row listed and nothing imported',
        },
      },
      async (req) => {
        const p = requirePrincipal(req);
        const ct = String(req.headers['content-type'] ?? '')
          .split(';')[0]!
          .trim();
        let r;
        if (ct === 'application/json') {
          const body = z
            .object({
              rows: z.array(
                z.object({ asn: z.unknown(), month: z.unknown(), invoiced_cny: z.unknown(), paid_cny: z.unknown() }),
              ),
            })
            .safeParse(req.body);
          if (!body.success)
            throw new AppError(
              'IXMETER_ERR_VALIDATION',
              'JSON fee import: body must be { rows: [{ asn, month, invoiced_cny, paid_cny }] }',
            );
          r = await d.fees.import(body.data.rows, 'json', p.tokenId, 'json');
        } else if (ct === 'text/csv' || ct === XLSX || ct === 'application/octet-stream') {
          const buf = req.body as Buffer;
          const xlsx =
            ct === XLSX || (ct === 'application/octet-stream' && buf.subarray(0, 2).toString('latin1') === 'PK');
          r = await d.fees.import(buf, xlsx ? 'xlsx' : 'csv', p.tokenId, xlsx ? 'xlsx' : 'csv');
        } else
          throw new AppError(
            'IXMETER_ERR_VALIDATION',
            `fee import: content type must be text/csv, ${XLSX} or application/json, not ${ct || 'none'}`,
          );
        await d.audit.append({
          actor: p.tokenId,
          role: p.role,
          action: 'fees.import',
          object: r.import_id,
          outcome: 'ok',
          sourceIp: req.ip,
          details: { rows: r.rows, sha256: r.sha256 },
        });
        await d.cache.written('statements');
        return r;
      },
    );

    app.get(
      '/fees',
      {
        config: { roles: READ },
        schema: {
          tags: ['programme'],
          summary: 'Imported fees per member and month (latest import of each)',
          querystring: z.object({ from: Month, to: Month }),
        },
      },
      async (req) => ({ fees: await d.fees.list(req.query.from, req.query.to) }),
    );

    app.get(
      '/statements/:month/budget',
      {
        config: { roles: READ },
        schema: {
          tags: ['programme'],
          summary: "The month's programme budget: budget, committed, remaining, factor",
          params: z.object({ month: Month }),
        },
      },
      async (req) => d.programme.budgetView(req.params.month),
    );

    app.get(
      '/statements/:month/payout',
      {
        config: { roles: FINANCE },
        schema: {
          tags: ['programme'],
          summary:
            'Payout file: approved member-months (the quarter for payout: QUARTERLY) with amount and payee; marks them exported',
          params: z.object({ month: Month }),
          querystring: z.object({
            format: z.enum(['csv', 'xlsx']).default('csv'),
            lang: z.enum(['zh', 'en', 'both']).default('both'),
          }),
        },
      },
      async (req, reply) => {
        const p = requirePrincipal(req);
        const { payout, file } = await d.programme
          .payout(req.params.month, { id: p.tokenId, role: p.role }, req.query.format, req.query.lang)
          .finally(() => d.cache.written('statements'));
        await d.audit.append({
          actor: p.tokenId,
          role: p.role,
          action: 'statements.payout',
          object: payout.period,
          outcome: 'ok',
          sourceIp: req.ip,
          details: {
            payout_id: payout.payout_id,
            member_months: payout.lines.reduce((n, l) => n + l.months.length, 0),
            total_cny: payout.total_cny,
            skipped: payout.skipped.length,
          },
        });
        const h = download(payout.payout_id, req.query.format);
        return reply
          .type(h.type)
          .header('content-disposition', h.disposition)
          .header('x-ixmeter-payout-id', payout.payout_id)
          .send(file);
      },
    );

    app.get(
      '/reports/programme/:year',
      {
        config: { roles: READ },
        schema: {
          tags: ['programme'],
          summary:
            "The programme's year: budget, committed, approved, paid and coverage per member and month; ?format=json|xlsx|pdf",
          params: z.object({ year: Year }),
          querystring: z.object({
            format: z.enum(['json', 'xlsx', 'pdf']).default('json'),
            lang: z.enum(['zh', 'en']).default('zh'),
          }),
        },
      },
      async (req, reply) => {
        const r = await d.programme.report(req.params.year);
        if (req.query.format === 'json') return r;
        const file = await d.programme.renderReport(r, req.query.format, req.query.lang);
        const h = download(r.document_no, req.query.format);
        return reply.type(h.type).header('content-disposition', h.disposition).send(file);
      },
    );
  };
}
