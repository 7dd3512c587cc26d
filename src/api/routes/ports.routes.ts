import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ReconciliationService } from '../../ports/reconciliation.service.js';
import { resolveRange } from '../../traffic/traffic.service.js';

export function portsRoutes(recon: ReconciliationService, thresholdPct: number): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/ports/reconciliation',
      {
        config: { roles: ['admin', 'security', 'auditor', 'finance'] },
        schema: {
          tags: ['operations'],
          summary: `Per port and day: flow-estimated bytes vs the port's counter samples; flagged above ${thresholdPct} %`,
          querystring: z.object({
            from: z.iso.datetime({ offset: true }).optional(),
            to: z.iso.datetime({ offset: true }).optional(),
            flagged: z.enum(['true', 'false']).optional(),
          }),
          response: {
            200: z.object({
              threshold_pct: z.number(),
              ports: z.array(
                z.object({
                  exporter: z.string(),
                  if_index: z.number(),
                  day: z.string(),
                  if_speed: z.number(),
                  flow_in_bytes: z.string(),
                  counter_in_bytes: z.string(),
                  flow_out_bytes: z.string(),
                  counter_out_bytes: z.string(),
                  flow_samples: z.number(),
                  counter_samples: z.number(),
                  in_diff_pct: z.number().nullable(),
                  out_diff_pct: z.number().nullable(),
                  flagged: z.boolean(),
                  hint: z.string().nullable(),
                }),
              ),
            }),
          },
        },
      },
      async (req) => {
        const { fromMs, toMs } = resolveRange(req.query.from, req.query.to);
        const ports = await recon.ports(fromMs, toMs);
        return {
          threshold_pct: thresholdPct,
          ports: req.query.flagged === 'true' ? ports.filter((p) => p.flagged) : ports,
        };
      },
    );
  };
}
