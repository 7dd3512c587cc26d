import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AsnSchema } from '../../auth/roles.js';
import type { MembersService } from '../../members/members.service.js';
import { MEMBER_TYPES } from '../../members/ixf.schema.js';
import { resolveRange, resolveStep, type TrafficService } from '../../traffic/traffic.service.js';
import type { AuditLog } from '../../audit/audit.service.js';
import { settledBeforeMs, type ResponseCache } from '../../shared/response-cache.js';
import { assertAsnAccess, requirePrincipal } from '../plugins/auth.js';

const READERS = ['admin', 'finance', 'security', 'auditor', 'member'] as const;
const Counter = z.string().regex(/^\d+$/).describe('exact integer as a decimal string (64-bit safe)');
const IsoTime = z.iso.datetime({ offset: true }).describe('ISO 8601 with offset, e.g. 2026-11-01T00:00:00+08:00');

const MemberSchema = z.object({
  asn: z.number(),
  name: z.string(),
  name_zh: z.string(),
  url: z.string(),
  member_type: z.enum(MEMBER_TYPES),
  first_production_date: z.string().nullable(),
  subsidy_enrolled: z.boolean(),
  port_capacity_mbps: z.number(),
  peering_policy: z.string(),
  active: z.boolean(),
});

function view(m: {
  asn: number;
  name: string;
  name_zh: string;
  url: string;
  member_type: (typeof MEMBER_TYPES)[number];
  first_production_date: string | null;
  subsidy_enrolled: boolean;
  port_capacity_mbps: number;
  peering_policy: string;
  active: number;
}) {
  const {
    asn,
    name,
    name_zh,
    url,
    member_type,
    first_production_date,
    subsidy_enrolled,
    port_capacity_mbps,
    peering_policy,
  } = m;
  return {
    asn,
    name,
    name_zh,
    url,
    member_type,
    first_production_date,
    subsidy_enrolled,
    port_capacity_mbps,
    peering_policy,
    active: m.active === 1,
  };
}

const MemberTrafficSchema = z.object({
  asn: z.number(),
  from: z.string(),
  to: z.string(),
  step: z.number(),
  in_bytes: Counter,
  out_bytes: Counter,
  in_l3_bytes: Counter,
  out_l3_bytes: Counter,
  in_packets: Counter,
  out_packets: Counter,
  in_samples: Counter,
  out_samples: Counter,
  series: z.array(z.object({ ts: z.string(), in_bps: z.number(), out_bps: z.number() })),
});

/**
 * Member traffic over a settled range (ending before settledBeforeMs, at steps of the 5-minute rollup)
 * comes from the response cache as serialized JSON (validated against the response schema once, when
 * computed); anything reaching into live buckets is read every time. Access is checked before, and the
 * read audited after, either way.
 */
function memberTrafficBody(
  traffic: TrafficService,
  cache: ResponseCache,
  asn: number,
  q: { from?: string; to?: string; step?: number },
) {
  const { fromMs, toMs } = resolveRange(q.from, q.to);
  const step = resolveStep(q.step, fromMs, toMs);
  if (step < 300 || toMs > settledBeforeMs(Date.now())) return traffic.memberTraffic(asn, q);
  return cache.through(
    'traffic',
    `member:${asn}:${fromMs}:${toMs}:${step}`,
    async () => JSON.stringify(z.encode(MemberTrafficSchema, await traffic.memberTraffic(asn, q))),
    (json) => json.length * 2,
  );
}

export function membersRoutes(
  members: MembersService,
  traffic: TrafficService,
  audit: AuditLog,
  cache: ResponseCache,
): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/members',
      {
        config: { roles: READERS },
        schema: {
          tags: ['members'],
          summary: 'Members (a member token sees only itself); paginated with limit/offset, total in the answer',
          querystring: z.object({
            include_inactive: z.enum(['true', 'false']).optional(),
            limit: z.coerce.number().int().min(1).max(10_000).default(1000),
            offset: z.coerce.number().int().min(0).default(0),
          }),
          response: {
            200: z.object({ members: z.array(MemberSchema), total: z.number(), limit: z.number(), offset: z.number() }),
          },
        },
      },
      async (req) => {
        const p = requirePrincipal(req);
        const all = (await members.list(req.query.include_inactive === 'true')).filter(
          (m) => p.role !== 'member' || m.asn === p.asn,
        );
        const { limit, offset } = req.query;
        return { members: all.slice(offset, offset + limit).map(view), total: all.length, limit, offset };
      },
    );

    app.get(
      '/members/:asn',
      {
        config: { roles: READERS },
        schema: {
          tags: ['members'],
          summary: 'One member',
          params: z.object({ asn: AsnSchema }),
          response: { 200: MemberSchema },
        },
      },
      async (req) => {
        assertAsnAccess(req, req.params.asn);
        return view(await members.get(req.params.asn));
      },
    );

    app.post(
      '/members/import',
      {
        config: { roles: ['admin'] },
        schema: {
          tags: ['members'],
          summary: 'Import an IX-F Member Export (JSON body); a file with any problem changes nothing',
          querystring: z.object({ effective: IsoTime.optional() }),
          body: z.record(z.string(), z.unknown()),
          response: {
            200: z.object({
              import_id: z.string(),
              members: z.number(),
              deactivated: z.number(),
              opened: z.number(),
              closed: z.number(),
              effective_at: z.string(),
              unchanged: z.boolean().optional(),
            }),
          },
        },
      },
      async (req) => {
        const p = requirePrincipal(req);
        const summary = await members.importRegistry(JSON.stringify(req.body), {
          source: 'api',
          actor: p.tokenId,
          effectiveAtMs: req.query.effective ? Date.parse(req.query.effective) : undefined,
        });
        await audit.append({
          actor: p.tokenId,
          role: p.role,
          action: 'members.import',
          object: summary.import_id,
          outcome: 'ok',
          sourceIp: req.ip,
          details: { ...summary },
        });
        return summary;
      },
    );

    app.get(
      '/members/:asn/traffic',
      {
        config: { roles: READERS },
        schema: {
          tags: ['traffic'],
          summary:
            'Member traffic: totals and series (in = the member sends into the exchange, out = the exchange delivers to it)',
          params: z.object({ asn: AsnSchema }),
          querystring: z.object({
            from: IsoTime.optional(),
            to: IsoTime.optional(),
            step: z.coerce.number().int().positive().optional().describe('seconds; default chosen for ≤ 600 points'),
          }),
          response: { 200: MemberTrafficSchema },
        },
      },
      async (req, reply) => {
        assertAsnAccess(req, req.params.asn);
        const body = await memberTrafficBody(traffic, cache, req.params.asn, req.query);
        // A string with a JSON content type is sent as is (fastify skips the serializer).
        return typeof body === 'string' ? reply.type('application/json; charset=utf-8').send(body as never) : body;
      },
    );

    app.get(
      '/traffic/matrix',
      {
        config: { roles: READERS },
        schema: {
          tags: ['traffic'],
          summary: 'Member × member traffic (null ASN = not attributable); a member token sees only its own rows',
          querystring: z.object({ from: IsoTime.optional(), to: IsoTime.optional() }),
          response: {
            200: z.object({
              from: z.string(),
              to: z.string(),
              rows: z.array(
                z.object({
                  src_asn: z.number().nullable(),
                  dst_asn: z.number().nullable(),
                  bytes: Counter,
                  l3_bytes: Counter,
                  packets: Counter,
                }),
              ),
            }),
          },
        },
      },
      async (req) => {
        const p = requirePrincipal(req);
        return traffic.matrix(req.query, p.role === 'member' ? p.asn : null);
      },
    );
  };
}
