/** Finance exclusions with four eyes (contract: POST /exclusions, POST /exclusions/{id}/approve, GET /exclusions). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditLog } from '../../audit/audit.service.js';
import { AsnSchema } from '../../auth/roles.js';
import { AppError } from '../../shared/errors.js';
import type { ExclusionsService } from '../../exclusions/exclusions.service.js';
import { requirePrincipal } from '../plugins/auth.js';

const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'month must be YYYY-MM');
const FINANCE = ['admin', 'finance'] as const;
const Id = z.object({ id: z.string().regex(/^exc_[0-9a-f-]{36}$/, 'id must be an exclusion id (exc_…)') });

const View = z.object({
  id: z.string(),
  asn: z.number().nullable(),
  from: z.string(),
  to: z.string(),
  reason: z.enum(['maintenance', 'data_fault']),
  note: z.string(),
  status: z.enum(['proposed', 'approved']),
  proposed_by: z.string(),
  proposed_by_name: z.string(),
  proposed_at: z.string(),
  approved_by: z.string().nullable(),
  approved_by_name: z.string().nullable(),
  approved_at: z.string().nullable(),
});

export function exclusionsRoutes(d: { exclusions: ExclusionsService; audit: AuditLog }): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/exclusions',
      {
        config: { roles: FINANCE },
        schema: {
          tags: ['statements'],
          summary:
            'Propose an exclusion (maintenance, data fault) for one member or the whole fabric (asn null); a different principal approves it',
          body: z
            .object({
              asn: AsnSchema.nullable(),
              from: z.iso.datetime({ offset: true }),
              to: z.iso.datetime({ offset: true }),
              reason: z.enum(['maintenance', 'data_fault']),
              note: z.string().max(2000).default(''),
            })
            .strict(),
          response: { 200: View },
        },
      },
      async (req) => {
        const p = requirePrincipal(req);
        const v = await d.exclusions.propose(req.body, p.tokenId, p.name || p.tokenId);
        await d.audit.append({
          actor: p.tokenId,
          role: p.role,
          action: 'exclusion.propose',
          object: v.id,
          outcome: 'ok',
          sourceIp: req.ip,
          details: { ...req.body },
        });
        return v;
      },
    );

    app.post(
      '/exclusions/:id/approve',
      {
        config: { roles: FINANCE },
        schema: {
          tags: ['statements'],
          summary:
            'Approve a proposed exclusion (four eyes: not by its proposer, else 409); effective at the next statement run, as a new version',
          params: Id,
          response: { 200: View },
        },
      },
      async (req) => {
        const p = requirePrincipal(req);
        try {
          const v = await d.exclusions.approve(req.params.id, p.tokenId, p.name || p.tokenId);
          await d.audit.append({
            actor: p.tokenId,
            role: p.role,
            action: 'exclusion.approve',
            object: v.id,
            outcome: 'ok',
            sourceIp: req.ip,
          });
          return v;
        } catch (e) {
          if (e instanceof AppError && e.code === 'IXMETER_ERR_FOUR_EYES') {
            await d.audit.append({
              actor: p.tokenId,
              role: p.role,
              action: 'exclusion.approve',
              object: req.params.id,
              outcome: 'denied',
              sourceIp: req.ip,
              details: { reason: 'self-approval' },
            });
          }
          throw e;
        }
      },
    );

    app.get(
      '/exclusions',
      {
        config: { roles: ['admin', 'finance', 'auditor'] },
        schema: {
          tags: ['statements'],
          summary: "Exclusions overlapping a month (billing time zone); ?asn: that member's and the fabric-wide ones",
          querystring: z.object({
            month: Month.optional(),
            asn: AsnSchema.optional(),
            status: z.enum(['proposed', 'approved']).optional(),
          }),
          response: { 200: z.object({ exclusions: z.array(View) }) },
        },
      },
      async (req) => ({ exclusions: await d.exclusions.list(req.query) }),
    );
  };
}
