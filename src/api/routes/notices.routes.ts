import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Channels } from '../../channels/dispatch.js';
import { NOTICE_STATUSES } from '../../notices/notices.repository.js';
import type { NoticesService } from '../../notices/notices.service.js';
import { AsnSchema, type Role } from '../../auth/roles.js';
import { requirePrincipal } from '../plugins/auth.js';

const IsoTime = z.iso.datetime({ offset: true });
const Id = z.object({ id: z.string().regex(/^[\w-]{1,100}$/) });
const Note = z.object({ note: z.string().trim().min(1, 'note is required: say what was done').max(4000) });
const READ: Role[] = ['admin', 'security', 'auditor', 'regulator', 'member'];

export function noticesRoutes(notices: NoticesService, channels: Pick<Channels, 'forSubject'>): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/notices',
      {
        config: { roles: ['admin', 'security'] },
        schema: {
          tags: ['supervision'],
          summary:
            'Issue a rectification notice (整改通知) to a member, from an alert (evidence limited to its traffic) or on its own',
          body: z
            .object({
              asn: AsnSchema,
              alert_id: z
                .string()
                .regex(/^[\w-]{1,100}$/)
                .optional(),
              title: z.string().trim().min(1).max(200),
              body: z.string().trim().min(1).max(20_000),
              deadline: IsoTime,
            })
            .strict(),
        },
      },
      async (req, reply) => {
        const n = await notices.issue({ principal: requirePrincipal(req), ip: req.ip }, req.body);
        return reply.status(201).send({ ...n, id: n.id, status: 'issued' as const });
      },
    );

    app.get(
      '/notices',
      {
        config: { roles: READ },
        schema: {
          tags: ['supervision'],
          summary:
            'Rectification notices (a member token sees only its own); overdue = past the deadline and still with the member',
          querystring: z.object({
            status: z.enum(NOTICE_STATUSES).optional(),
            asn: AsnSchema.optional(),
            overdue: z.enum(['true', 'false']).optional(),
            limit: z.coerce.number().int().min(1).max(1000).default(200),
            offset: z.coerce.number().int().min(0).default(0),
          }),
        },
      },
      async (req) => {
        const q = req.query;
        let list = await notices.list(
          { status: q.status, asn: q.asn ?? null, limit: q.limit, offset: q.offset },
          requirePrincipal(req),
        );
        if (q.overdue) list = list.filter((n) => n.overdue === (q.overdue === 'true'));
        return { notices: list };
      },
    );

    app.get(
      '/notices/:id',
      {
        config: { roles: READ },
        schema: {
          tags: ['supervision'],
          summary: 'One notice: text, evidence, detector verification, history and delivery status',
          params: Id,
        },
      },
      async (req) => {
        const n = await notices.get(req.params.id, requirePrincipal(req));
        return { ...n, deliveries: await channels.forSubject(n.id) };
      },
    );

    app.post(
      '/notices/:id/acknowledge',
      {
        config: { roles: ['member'] },
        schema: {
          tags: ['supervision'],
          summary: 'The member acknowledges a notice (issued or reopened)',
          params: Id,
          body: z.object({ note: z.string().max(4000).default('') }).default({ note: '' }),
        },
      },
      async (req) =>
        notices.acknowledge(req.params.id, { principal: requirePrincipal(req), ip: req.ip }, req.body.note),
    );

    app.post(
      '/notices/:id/report',
      {
        config: { roles: ['member'] },
        schema: {
          tags: ['supervision'],
          summary: 'The member reports what it fixed (the notice goes to security for verification)',
          params: Id,
          body: Note,
        },
      },
      async (req) => notices.report(req.params.id, { principal: requirePrincipal(req), ip: req.ip }, req.body.note),
    );

    app.post(
      '/notices/:id/verify',
      {
        config: { roles: ['admin', 'security'] },
        schema: {
          tags: ['supervision'],
          summary:
            'Security verifies a reported notice: rectified, or reopened (back to the member, optionally with a new deadline)',
          params: Id,
          body: z
            .object({
              outcome: z.enum(['rectified', 'reopened']),
              note: z.string().max(4000).default(''),
              deadline: IsoTime.optional(),
            })
            .strict(),
        },
      },
      async (req) => notices.verify(req.params.id, { principal: requirePrincipal(req), ip: req.ip }, req.body),
    );
  };
}
