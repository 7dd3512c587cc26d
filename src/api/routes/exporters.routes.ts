import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ExportersService } from '../../exporters/exporters.service.js';

const ExporterSchema = z.object({
  address: z.string().describe('exporter identity: UDP source for NetFlow/IPFIX, agent address for sFlow (as in flows_raw.exporter and port keys)'),
  udp_source: z.string().nullable().describe('UDP source of the datagrams when it differs from the address (sFlow agent behind NAT or a relay)'),
  collector_id: z.string(),
  protocols: z.array(z.string()),
  packets: z.number().describe('UDP datagrams received'),
  bytes: z.number().describe('UDP payload bytes received'),
  flows: z.number(),
  counter_samples: z.number(),
  decode_errors: z.record(z.string(), z.number()).describe('by reason, including informational ones'),
  decode_errors_total: z.number().describe('faults only (not enterprise fields / unknown sFlow records)'),
  lost_datagrams: z.number(),
  lost_samples: z.number(),
  agent_drops: z.number(),
  templates: z.number(),
  sampling_rates: z.record(z.string(), z.number()).describe('rate → flows'),
  sampling_sources: z.record(z.string(), z.number()),
  unknown_sampling_flows: z.number(),
  first_seen: z.string(),
  last_seen: z.string(),
  status: z.enum(['ok', 'misconfigured', 'silent']),
  problems: z.array(z.string()),
});

export function exportersRoutes(exporters: ExportersService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/exporters', {
      config: { roles: ['admin', 'security', 'auditor', 'finance'] },
      schema: {
        tags: ['operations'],
        summary: 'Exporter health: datagrams, flows, decode errors by reason, losses, templates, sampling rates, last seen',
        response: { 200: z.object({ exporters: z.array(ExporterSchema) }) },
      },
    }, async () => ({ exporters: await exporters.list() }));
  };
}
