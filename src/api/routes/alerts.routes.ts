import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { AlertsService } from '../../alerts/alerts.service.js';
import type { AuditLog } from '../../audit/audit.service.js';
import type { StatementsRepository } from '../../statements/statements.repository.js';
import { requirePrincipal } from '../plugins/auth.js';

const IsoTime = z.iso.datetime({ offset: true });
const AlertSchema = z.object({
  id: z.string(),
  type: z.string(),
  severity: z.string(),
  status: z.string(),
  first_seen: z.string(),
  last_seen: z.string(),
  target: z.string(),
  source_asn: z.number().nullable(),
  victim_asn: z.number().nullable(),
  confirmed: z.boolean(),
  rule_id: z.string(),
  evidence: z.record(z.string(), z.unknown()),
});

export function alertsRoutes(
  alerts: AlertsService,
  statementsRepo: StatementsRepository,
  audit: AuditLog,
): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/alerts',
      {
        config: { roles: ['admin', 'security', 'auditor', 'finance', 'member', 'regulator'] },
        schema: {
          tags: ['security'],
          summary:
            'Alerts (a member token sees alerts where it is the source or the victim, evidence limited to its own traffic)',
          querystring: z.object({
            status: z.enum(['open', 'acknowledged', 'resolved', 'false_positive']).optional(),
            type: z
              .string()
              .regex(/^[A-Z0-9_]+$/)
              .optional(),
            from: IsoTime.optional(),
            to: IsoTime.optional(),
            limit: z.coerce.number().int().min(1).max(1000).default(100),
            offset: z.coerce.number().int().min(0).default(0),
          }),
          response: { 200: z.object({ alerts: z.array(AlertSchema) }) },
        },
      },
      async (req) => {
        const p = requirePrincipal(req);
        const q = req.query;
        return {
          alerts: await alerts.list(
            {
              status: q.status,
              type: q.type,
              fromMs: q.from ? Date.parse(q.from) : undefined,
              toMs: q.to ? Date.parse(q.to) : undefined,
              limit: q.limit,
              offset: q.offset,
            },
            p,
          ),
        };
      },
    );

    app.get(
      '/alerts/:id',
      {
        config: { roles: ['admin', 'security', 'auditor', 'finance', 'member', 'regulator'] },
        schema: {
          tags: ['security'],
          summary: 'One alert with its history',
          params: z.object({ id: z.string().min(1).max(100) }),
        },
      },
      async (req) => alerts.get(req.params.id, requirePrincipal(req)),
    );

    app.post(
      '/alerts/:id/ack',
      {
        config: { roles: ['admin', 'security'] },
        schema: {
          tags: ['security'],
          summary: 'Acknowledge an alert',
          params: z.object({ id: z.string().min(1).max(100) }),
          body: z.object({ note: z.string().max(4000).default('') }).default({ note: '' }),
          response: { 200: AlertSchema },
        },
      },
      async (req) => {
        const p = requirePrincipal(req);
        const a = await alerts.act(req.params.id, 'ack', p, { note: req.body.note });
        await audit.append({
          actor: p.tokenId,
          role: p.role,
          action: 'alert.ack',
          object: a.id,
          outcome: 'ok',
          sourceIp: req.ip,
          details: { note: req.body.note },
        });
        return a;
      },
    );

    app.post(
      '/alerts/:id/resolve',
      {
        config: { roles: ['admin', 'security'] },
        schema: {
          tags: ['security'],
          summary:
            "Resolve: confirmed attack (confirmed: true) or false positive (confirmed: false); a confirmed attack can be excluded from the victim's statement",
          params: z.object({ id: z.string().min(1).max(100) }),
          body: z.object({
            note: z.string().max(4000).default(''),
            confirmed: z.boolean().optional(),
            exclude_from_statement: z.boolean().default(false),
          }),
          response: { 200: AlertSchema.extend({ exclusion_id: z.string().nullable() }) },
        },
      },
      async (req) => {
        const p = requirePrincipal(req);
        const a = await alerts.act(req.params.id, 'resolve', p, { note: req.body.note, confirmed: req.body.confirmed });
        let exclusionId: string | null = null;
        if (req.body.exclude_from_statement && a.confirmed && a.victim_asn !== null) {
          exclusionId = `ex_${randomBytes(6).toString('hex')}`;
          await statementsRepo.addExclusion({
            id: exclusionId,
            asn: a.victim_asn,
            from_ts: Date.parse(a.first_seen),
            to_ts: Date.parse(a.last_seen) + 1,
            reason: 'confirmed_attack',
            ref: a.id,
            created_at: Date.now(),
            created_by: p.tokenId,
            active: 1,
          });
        }
        await audit.append({
          actor: p.tokenId,
          role: p.role,
          action: 'alert.resolve',
          object: a.id,
          outcome: 'ok',
          sourceIp: req.ip,
          details: { note: req.body.note, confirmed: req.body.confirmed ?? null, exclusion_id: exclusionId },
        });
        return { ...a, exclusion_id: exclusionId };
      },
    );
  };
}
