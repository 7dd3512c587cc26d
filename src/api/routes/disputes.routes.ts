/** Statement disputes (contract: POST /members/{asn}/statements/{YYYY-MM}/disputes, GET /disputes, POST /disputes/{id}/resolve). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditLog } from '../../audit/audit.service.js';
import { AsnSchema } from '../../auth/roles.js';
import type { DisputesService } from '../../disputes/disputes.service.js';
import type { ResponseCache } from '../../shared/response-cache.js';
import { assertAsnAccess, requirePrincipal } from '../plugins/auth.js';

const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'month must be YYYY-MM');

const View = z.object({
  id: z.string(),
  asn: z.number(),
  month: z.string(),
  version: z.number(),
  status: z.enum(['open', 'upheld', 'rejected']),
  note: z.string(),
  raised_by: z.string(),
  raised_by_name: z.string(),
  raised_role: z.string(),
  raised_at: z.string(),
  resolution_note: z.string().nullable(),
  resolved_by: z.string().nullable(),
  resolved_by_name: z.string().nullable(),
  resolved_at: z.string().nullable(),
  new_version: z.number().nullable(),
});

/** The dispute window of a statement's latest version: open until the end of last_day (billing time zone). */
const Window = z.object({
  version: z.number(),
  last_day: z.string(),
  closes_at: z.string(),
  working_days: z.number(),
  calendar: z.string(),
  open: z.boolean(),
});

export function disputesRoutes(d: {
  disputes: DisputesService;
  audit: AuditLog;
  cache: ResponseCache;
}): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/members/:asn/statements/:month/disputes',
      {
        config: { roles: ['member', 'finance', 'admin'] },
        schema: {
          tags: ['statements'],
          summary:
            "Dispute a member-month statement within the policy's dispute window (the member itself, or finance on its behalf)",
          params: z.object({ asn: AsnSchema, month: Month }),
          body: z.object({ note: z.string().trim().min(1, 'note: say what is disputed').max(4000) }).strict(),
          response: { 200: View },
        },
      },
      async (req) => {
        const p = assertAsnAccess(req, req.params.asn);
        const v = await d.disputes
          .raise(req.params.asn, req.params.month, req.body.note, p.tokenId, p.role, Date.now(), p.name || p.tokenId)
          .finally(() => d.cache.written('statements'));
        await d.audit.append({
          actor: p.tokenId,
          role: p.role,
          action: 'dispute.raise',
          object: `${v.id} AS${v.asn}/${v.month}/v${v.version}`,
          outcome: 'ok',
          sourceIp: req.ip,
          details: { note: req.body.note },
        });
        return v;
      },
    );

    app.get(
      '/disputes',
      {
        config: { roles: ['member', 'finance', 'admin', 'auditor'] },
        schema: {
          tags: ['statements'],
          summary:
            "Disputes (finance: the queue, ?status=open); a member token sees only its own. With asn and month: also that statement's dispute window",
          querystring: z.object({
            status: z.enum(['open', 'upheld', 'rejected']).optional(),
            asn: AsnSchema.optional(),
            month: Month.optional(),
          }),
          response: { 200: z.object({ disputes: z.array(View), window: Window.nullable().optional() }) },
        },
      },
      async (req) => {
        const p = requirePrincipal(req);
        const asn =
          p.role === 'member' ? (assertAsnAccess(req, req.query.asn ?? p.asn ?? 0).asn ?? undefined) : req.query.asn;
        const disputes = await d.disputes.list({ ...req.query, asn });
        if (asn === undefined || !req.query.month) return { disputes };
        const w = await d.disputes.window(asn, req.query.month).catch((e: unknown) => {
          if ((e as { code?: string }).code === 'IXMETER_ERR_NOT_FOUND') return null;
          throw e;
        });
        return {
          disputes,
          window: w && {
            version: w.version,
            last_day: w.last_day,
            closes_at: new Date(w.closes_at).toISOString(),
            working_days: w.working_days,
            calendar: w.calendar,
            open: Date.now() < w.closes_at,
          },
        };
      },
    );

    app.post(
      '/disputes/:id/resolve',
      {
        config: { roles: ['finance', 'admin'] },
        schema: {
          tags: ['statements'],
          summary:
            'Resolve a dispute: upheld (the month is recomputed: a new version) or rejected (a note is required)',
          params: z.object({ id: z.string().regex(/^dsp_[0-9a-f-]{36}$/, 'id must be a dispute id (dsp_…)') }),
          body: z.object({ outcome: z.enum(['upheld', 'rejected']), note: z.string().max(4000).default('') }).strict(),
          response: { 200: View },
        },
      },
      async (req) => {
        const p = requirePrincipal(req);
        const v = await d.disputes
          .resolve(req.params.id, req.body.outcome, req.body.note, p.tokenId, p.role, p.name || p.tokenId)
          .finally(() => d.cache.written('statements'));
        await d.audit.append({
          actor: p.tokenId,
          role: p.role,
          action: `dispute.${req.body.outcome}`,
          object: `${v.id} AS${v.asn}/${v.month}`,
          outcome: 'ok',
          sourceIp: req.ip,
          details: { note: req.body.note, new_version: v.new_version },
        });
        return v;
      },
    );
  };
}
