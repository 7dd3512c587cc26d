/** The exchange overview (综合监测) and port utilisation, for staff and the regulator. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { OverviewService } from '../../overview/overview.service.js';
import type { UtilizationService } from '../../overview/utilization.service.js';
import { resolveRange } from '../../traffic/traffic.service.js';

/** Every staff role and the regulator (contract.md: GET /overview). */
export const OVERVIEW_READERS = ['admin', 'finance', 'security', 'auditor', 'regulator'] as const;
const Counter = z.string().regex(/^\d+$/).describe('exact integer as a decimal string (64-bit safe)');
const IsoTime = z.iso.datetime({ offset: true });
export const RangeQuery = z.object({
  from: IsoTime.optional().describe('default: 24 h before to'),
  to: IsoTime.optional().describe('default: now'),
  step: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .describe('seconds, a multiple of 300; default chosen for ≤ 600 points'),
});
const Named = z.object({ asn: z.number(), name: z.string(), name_zh: z.string() });
export const FabricSchema = z.object({
  from: z.string(),
  to: z.string(),
  step: z.number(),
  series: z
    .array(z.object({ ts: z.string(), bps: z.number(), ipv4_bps: z.number(), ipv6_bps: z.number() }))
    .describe('points in the future are absent'),
  total_bytes: Counter,
  ipv4_bytes: Counter,
  ipv6_bytes: Counter,
  peak_bps: z.number().describe('largest 5-minute rate'),
  peak_at: z.string().nullable(),
  p95_bps: z
    .number()
    .describe('95th percentile of the 5-minute rates (nearest rank; buckets without traffic count as 0)'),
});
const OverviewSchema = FabricSchema.extend({
  members_from: z
    .string()
    .describe(
      'members_active, top_members and top_pairs cover the whole UTC hours [members_from, members_to) around the range',
    ),
  members_to: z.string(),
  members_active: z.number().describe('members that sent or received anything in the range'),
  top_members: z
    .array(Named.extend({ in_bytes: Counter, out_bytes: Counter }))
    .describe('in = sent into the exchange, out = delivered to the member'),
  top_pairs: z.array(z.object({ src: Named, dst: Named, bytes: Counter })),
});
const Pct = z.number().nullable().describe('percent of capacity; null when the capacity is unknown');
const PortSchema = z.object({
  exporter: z.string(),
  if_index: z.number(),
  capacity_bps: z.number(),
  peak_bps: z.number(),
  p95_bps: z.number(),
  peak_pct: Pct,
  p95_pct: Pct,
  over_threshold: z.boolean(),
});
export const UtilizationMemberSchema = z.object({
  asn: z.number(),
  name: z.string(),
  name_zh: z.string(),
  capacity_bps: z.number(),
  threshold_pct: z.number(),
  peak_bps: z.number(),
  peak_at: z.string().nullable(),
  p95_bps: z.number(),
  peak_pct: Pct,
  p95_pct: Pct,
  over_threshold: z.boolean(),
  ports: z.array(PortSchema),
});
export const UtilizationSchema = z.object({
  from: z.string(),
  to: z.string(),
  threshold_pct: z.number(),
  buckets: z.number(),
  members: z.array(UtilizationMemberSchema),
});

export function overviewRoutes(
  overview: OverviewService,
  utilization: UtilizationService,
  retentionDays: number,
): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/overview',
      {
        config: { roles: OVERVIEW_READERS },
        schema: {
          tags: ['overview'],
          summary:
            'Exchange overview: fabric total (each byte once) with IPv4/IPv6 per point, total, peak, P95, active and top members, top pairs',
          querystring: RangeQuery,
          response: { 200: OverviewSchema },
        },
      },
      async (req) => overview.overview(req.query),
    );

    app.get(
      '/utilization',
      {
        config: { roles: OVERVIEW_READERS },
        schema: {
          tags: ['overview'],
          summary:
            'Port utilisation of every member: 5-minute peak and P95 against the capacity in the member file, per port where ports send counters; worst first',
          querystring: RangeQuery.pick({ from: true, to: true }).extend({
            over: z.enum(['true', 'false']).optional().describe('only members over their threshold'),
          }),
          response: { 200: UtilizationSchema },
        },
      },
      async (req) => {
        const { fromMs, toMs } = resolveRange(req.query.from, req.query.to, Date.now(), retentionDays);
        const v = await utilization.view(fromMs, toMs, null);
        return req.query.over === 'true'
          ? { ...v, members: v.members.filter((m) => m.over_threshold || m.ports.some((p) => p.over_threshold)) }
          : v;
      },
    );
  };
}
