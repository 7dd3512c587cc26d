/** Member portal reads: peers by name with traffic, top-peer series, IPv4/IPv6 split, growth, utilisation. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AsnSchema } from '../../auth/roles.js';
import type { PortalService } from '../../overview/portal.service.js';
import type { UtilizationService } from '../../overview/utilization.service.js';
import { resolveRange } from '../../traffic/traffic.service.js';
import { assertAsnAccess } from '../plugins/auth.js';
import { RangeQuery, UtilizationSchema } from './overview.routes.js';

const READERS = ['admin', 'finance', 'security', 'auditor', 'member'] as const;
const Counter = z.string().regex(/^\d+$/);
const InOut = z.object({ in_bytes: Counter, out_bytes: Counter });
const Point = z.object({ ts: z.string(), in_bps: z.number(), out_bps: z.number() });

export function portalRoutes(
  portal: PortalService,
  utilization: UtilizationService,
  retentionDays: number,
): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/members/:asn/peers',
      {
        config: { roles: READERS },
        schema: {
          tags: ['traffic'],
          summary:
            "A member's peers by name with bytes in (sent to the peer) and out (received from it), the series of the top peers, the IPv4/IPv6 split",
          params: z.object({ asn: AsnSchema }),
          querystring: RangeQuery.extend({
            top: z.coerce.number().int().min(0).max(20).optional().describe('peers with a series (default 5)'),
          }),
          response: {
            200: z.object({
              asn: z.number(),
              from: z.string(),
              to: z.string(),
              step: z.number(),
              ipv4_bytes: Counter,
              ipv6_bytes: Counter,
              peers: z.array(
                z.object({
                  asn: z.number().nullable(),
                  name: z.string(),
                  name_zh: z.string(),
                  in_bytes: Counter,
                  out_bytes: Counter,
                  ipv4_bytes: Counter,
                  ipv6_bytes: Counter,
                }),
              ),
              top_series: z.array(z.object({ asn: z.number(), series: z.array(Point) })),
              version_series: z.array(
                z.object({
                  ts: z.string(),
                  ipv4_in_bps: z.number(),
                  ipv4_out_bps: z.number(),
                  ipv6_in_bps: z.number(),
                  ipv6_out_bps: z.number(),
                }),
              ),
            }),
          },
        },
      },
      async (req) => {
        assertAsnAccess(req, req.params.asn);
        return portal.peers(req.params.asn, req.query);
      },
    );

    app.get(
      '/members/:asn/growth',
      {
        config: { roles: READERS },
        schema: {
          tags: ['traffic'],
          summary: 'This month so far against the same part of last month (billing time zone), and last month whole',
          params: z.object({ asn: AsnSchema }),
          response: {
            200: z.object({
              asn: z.number(),
              month: z.string(),
              previous_month: z.string(),
              this_month: InOut,
              previous_same_period: InOut,
              previous_month_total: InOut,
              growth_pct: z.number().nullable(),
              in_growth_pct: z.number().nullable(),
              out_growth_pct: z.number().nullable(),
            }),
          },
        },
      },
      async (req) => {
        assertAsnAccess(req, req.params.asn);
        return portal.growth(req.params.asn);
      },
    );

    app.get(
      '/members/:asn/utilization',
      {
        config: { roles: READERS },
        schema: {
          tags: ['traffic'],
          summary: "The member's port utilisation: 5-minute peak and P95 against its capacity, per port where known",
          params: z.object({ asn: AsnSchema }),
          querystring: RangeQuery.pick({ from: true, to: true }),
          response: { 200: UtilizationSchema },
        },
      },
      async (req) => {
        assertAsnAccess(req, req.params.asn);
        const { fromMs, toMs } = resolveRange(req.query.from, req.query.to, Date.now(), retentionDays);
        return utilization.view(fromMs, toMs, req.params.asn);
      },
    );
  };
}
