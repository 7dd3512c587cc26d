/**
 * Public statistics (opt-in, IXMETER_PUBLIC_STATS=true): the fabric total only — no member names, numbers
 * or counts — at the unauthenticated /api/v1/public/traffic and the /stats page. Fixed ranges (24 h, 7 d,
 * 30 d, 1 y), each answer cached for CACHE_MS and the route rate-limited per client address. Off (the
 * default): both answer 404, as if they did not exist.
 */
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { OverviewService } from '../../overview/overview.service.js';
import { AppError } from '../../shared/errors.js';

export const PUBLIC_CACHE_MS = 60_000;
export const PUBLIC_RATE_PER_MINUTE = 60;
const RANGES = {
  '24h': { days: 1, step: 300 },
  '7d': { days: 7, step: 1800 },
  '30d': { days: 30, step: 7200 },
  '1y': { days: 365, step: 86_400 },
} as const;

const PublicTrafficSchema = z.object({
  range: z.enum(['24h', '7d', '30d', '1y']),
  generated_at: z.string(),
  from: z.string(),
  to: z.string(),
  step: z.number(),
  series: z.array(z.object({ ts: z.string(), bps: z.number(), ipv4_bps: z.number(), ipv6_bps: z.number() })),
  total_bytes: z.string(),
  ipv4_bytes: z.string(),
  ipv6_bytes: z.string(),
  peak_bps: z.number(),
  peak_at: z.string().nullable(),
  p95_bps: z.number(),
  current_bps: z.number().nullable(),
});
type PublicTraffic = z.infer<typeof PublicTrafficSchema>;

export function publicStatsRoutes(overview: OverviewService, enabled: boolean): FastifyPluginAsyncZod {
  const cache = new Map<string, { at: number; body: Promise<PublicTraffic> }>();
  const compute = async (range: keyof typeof RANGES, nowMs: number): Promise<PublicTraffic> => {
    const r = RANGES[range];
    const to = Math.floor(nowMs / 300_000) * 300_000 + 300_000;
    const f = await overview.fabric(
      { from: new Date(to - r.days * 86_400_000).toISOString(), to: new Date(to).toISOString(), step: r.step },
      nowMs,
    );
    // Only these fields leave: the fabric, never a member (the schema strips anything else).
    return {
      range,
      generated_at: new Date(nowMs).toISOString(),
      from: f.from,
      to: f.to,
      step: f.step,
      series: f.series,
      total_bytes: f.total_bytes,
      ipv4_bytes: f.ipv4_bytes,
      ipv6_bytes: f.ipv6_bytes,
      peak_bps: f.peak_bps,
      peak_at: f.peak_at,
      p95_bps: f.p95_bps,
      current_bps: f.series.length > 1 ? f.series[f.series.length - 2]!.bps : null,
    };
  };
  return async (app) => {
    app.get(
      '/public/traffic',
      {
        config: {
          public: true,
          rateLimit: {
            max: PUBLIC_RATE_PER_MINUTE,
            timeWindow: 60_000,
            keyGenerator: (req: { ip: string }) => `public:${req.ip}`,
          },
        },
        schema: {
          tags: ['public'],
          security: [],
          summary:
            'Public statistics (only with IXMETER_PUBLIC_STATS=true, else 404): the exchange fabric total, no member identity; cached 60 s, 60 requests/min per address',
          querystring: z.object({ range: z.enum(['24h', '7d', '30d', '1y']).default('24h') }),
          response: { 200: PublicTrafficSchema },
        },
      },
      async (req, reply) => {
        if (!enabled)
          throw new AppError('IXMETER_ERR_NOT_FOUND', 'public statistics are not enabled (IXMETER_PUBLIC_STATS)');
        const now = Date.now();
        let hit = cache.get(req.query.range);
        if (!hit || now - hit.at > PUBLIC_CACHE_MS) {
          hit = { at: now, body: compute(req.query.range, now) };
          cache.set(req.query.range, hit);
          hit.body.catch(() => cache.delete(req.query.range));
        }
        void reply.header('cache-control', `public, max-age=${PUBLIC_CACHE_MS / 1000}`);
        return hit.body;
      },
    );
  };
}

/** The /stats page (src/web/stats.html); 404 unless enabled. Registered before the console's SPA fallback. */
export function publicStatsPage(app: FastifyInstance, enabled: boolean): void {
  // Off: the page's own files (stats.html, stats.js, stats.css) are not served either.
  if (!enabled)
    app.addHook('onRequest', async (req, reply) => {
      if (/^\/stats(\.|\/|\?|$)/.test(req.url)) return reply.callNotFound();
    });
  app.get('/stats', { schema: { hide: true } }, async (_req, reply) => {
    if (!enabled) return reply.callNotFound();
    return reply.header('cache-control', 'no-cache').sendFile('stats.html');
  });
}
