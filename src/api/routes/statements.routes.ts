import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditLog } from '../../audit/audit.service.js';
import { AsnSchema } from '../../auth/roles.js';
import type { StatementRuns } from '../../jobs/statement-runs.js';
import { AppError } from '../../shared/errors.js';
import type { StatementsRepository } from '../../statements/statements.repository.js';
import type { StatementsService } from '../../statements/statements.service.js';
import { transition } from '../../statements/workflow.js';
import type { PoliciesService } from '../../subsidies/policies.service.js';
import { assertAsnAccess, requirePrincipal } from '../plugins/auth.js';
import { sendStatement, sendPeriod, statementJson, FORMATS } from './statement-downloads.js';
import type { ResponseCache } from '../../shared/response-cache.js';
import type { DisputesService } from '../../disputes/disputes.service.js';

const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'month must be YYYY-MM');
const FINANCE = ['admin', 'finance'] as const;

export interface StatementsRouteDeps {
  statements: StatementsService;
  statementsRepo: StatementsRepository;
  runs: StatementRuns | null;
  policies: PoliciesService;
  audit: AuditLog;
  /** Statement reads; every statement write in this process invalidates it (compute: domain-services.ts). */
  cache: ResponseCache;
  /** Open disputes block the workflow (src/disputes). */
  disputes?: Pick<DisputesService, 'openFor'>;
}

const sizeOf = (v: unknown) => JSON.stringify(v).length;

export function statementsRoutes(d: StatementsRouteDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/statements/:month/run',
      {
        config: { roles: FINANCE },
        schema: {
          tags: ['statements'],
          summary: 'Compute (or recompute) statements and subsidies of a month for all members',
          params: z.object({ month: Month }),
          response: { 202: z.object({ job_id: z.string() }) },
        },
      },
      async (req, reply) => {
        const p = requirePrincipal(req);
        if (!d.runs) throw new AppError('IXMETER_ERR_SERVICE_UNAVAILABLE', 'no job queue in this process');
        const jobId = await d.runs.start(req.params.month, p.tokenId);
        await d.audit.append({
          actor: p.tokenId,
          role: p.role,
          action: 'statements.run',
          object: req.params.month,
          outcome: 'ok',
          sourceIp: req.ip,
          details: { job_id: jobId },
        });
        return reply.status(202).send({ job_id: jobId });
      },
    );

    app.get(
      '/jobs/:id',
      {
        config: { roles: ['admin', 'finance', 'auditor'] },
        schema: {
          tags: ['statements'],
          summary: 'State and progress of a statements run',
          params: z.object({ id: z.string().min(1).max(200) }),
          response: {
            200: z.object({
              id: z.string(),
              month: z.string(),
              state: z.enum(['completed', 'active']),
              progress: z.object({ done: z.number(), total: z.number(), percent: z.number() }),
              requested_by: z.string(),
              missing: z.array(z.number()),
            }),
          },
        },
      },
      async (req) => {
        if (!d.runs) throw new AppError('IXMETER_ERR_SERVICE_UNAVAILABLE', 'no job queue in this process');
        return d.runs.status(req.params.id);
      },
    );

    app.get(
      '/statements/:month',
      {
        config: { roles: ['admin', 'finance', 'auditor'] },
        schema: {
          tags: ['statements'],
          summary: 'Finance period view: every member of a month with totals, P95 and subsidy; ?format=csv|xlsx',
          params: z.object({ month: Month }),
          querystring: z.object({
            format: z.enum(['json', 'csv', 'xlsx']).default('json'),
            lang: z.enum(['zh', 'en', 'both']).default('both'),
          }),
        },
      },
      async (req, reply) => {
        const rows = await d.cache.through(
          'statements',
          `period:${req.params.month}`,
          () => d.statements.period(req.params.month),
          sizeOf,
        );
        return sendPeriod(reply, req.params.month, rows, req.query.format, req.query.lang);
      },
    );

    app.get(
      '/members/:asn/statements/:month',
      {
        config: { roles: ['admin', 'finance', 'auditor', 'member'] },
        schema: {
          tags: ['statements'],
          summary: `A member's statement (latest version unless ?version); ?format=${FORMATS.join('|')}`,
          params: z.object({ asn: AsnSchema, month: Month }),
          querystring: z.object({
            version: z.coerce.number().int().positive().optional(),
            format: z.enum(FORMATS).default('json'),
            lang: z.enum(['zh', 'en']).default('zh'),
          }),
        },
      },
      async (req, reply) => {
        assertAsnAccess(req, req.params.asn);
        const { asn, month } = req.params;
        const version = req.query.version;
        const key = `member:${asn}:${month}:${version ?? 'latest'}`;
        if (req.query.format === 'json') {
          // The JSON answer is cached serialized; downloads render from the cached statement.
          const json = await d.cache.through(
            'statements',
            `${key}:json`,
            async () => statementJson(await d.statements.get(asn, month, version)),
            (j) => j.length * 2,
          );
          return reply.type('application/json; charset=utf-8').send(json);
        }
        const s = await d.cache.through('statements', key, () => d.statements.get(asn, month, version), sizeOf);
        return sendStatement(reply, s, req.query.format, req.query.lang);
      },
    );

    for (const action of ['review', 'approve', 'export', 'reopen'] as const) {
      app.post(
        `/members/:asn/statements/:month/${action}`,
        {
          config: { roles: FINANCE },
          schema: {
            tags: ['statements'],
            summary: `Workflow: ${action} a statement version (draft → reviewed → approved → exported; the approver differs from the preparer)`,
            params: z.object({ asn: AsnSchema, month: Month }),
            body: z
              .object({ version: z.number().int().positive().optional(), note: z.string().max(2000).default('') })
              .default({ note: '' }),
            response: {
              200: z.object({ asn: z.number(), month: z.string(), version: z.number(), status: z.string() }),
            },
          },
        },
        async (req) => {
          const p = requirePrincipal(req);
          const version =
            req.body.version ?? (await d.statements.get(req.params.asn, req.params.month)).document.version;
          const r = await transition(
            d.statementsRepo,
            {
              asn: req.params.asn,
              month: req.params.month,
              version,
              action,
              actor: p.tokenId,
              role: p.role,
              note: req.body.note,
            },
            { openDispute: d.disputes?.openFor },
          ).finally(() => d.cache.written('statements'));
          await d.audit.append({
            actor: p.tokenId,
            role: p.role,
            action: `statement.${action}`,
            object: `AS${req.params.asn}/${req.params.month}/v${version}`,
            outcome: 'ok',
            sourceIp: req.ip,
            details: { note: req.body.note, status: r.status },
          });
          return { asn: req.params.asn, month: req.params.month, version, status: r.status };
        },
      );
    }

    app.get(
      '/policies',
      {
        config: { roles: ['admin', 'finance', 'auditor'] },
        schema: {
          tags: ['statements'],
          summary: 'Subsidy policy versions (the shipped EXAMPLE applies while none is registered)',
        },
      },
      async () => ({ policies: await d.policies.all(), example: d.policies.example() }),
    );

    app.post(
      '/policies',
      {
        config: { roles: FINANCE },
        schema: {
          tags: ['statements'],
          summary: 'Add a policy version (YAML or JSON text body); documents are never edited in place',
          body: z.string().min(1).max(1_000_000),
        },
      },
      async (req) => {
        const p = requirePrincipal(req);
        const policy = await d.policies.add(req.body, p.tokenId);
        await d.audit.append({
          actor: p.tokenId,
          role: p.role,
          action: 'policy.add',
          object: `${policy.policy_id}/v${policy.version}`,
          outcome: 'ok',
          sourceIp: req.ip,
        });
        return { policy_id: policy.policy_id, version: policy.version };
      },
    );
  };
}
