import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ExportersService } from '../../exporters/exporters.service.js';

const ExporterSchema = z.object({
  address: z
    .string()
    .describe(
      'exporter identity: UDP source for NetFlow/IPFIX, agent address for sFlow (as in flows_raw.exporter and port keys)',
    ),
  udp_source: z
    .string()
    .nullable()
    .describe('UDP source of the datagrams when it differs from the address (sFlow agent behind NAT or a relay)'),
  collector_id: z.string(),
  protocols: z.array(z.string()),
  packets: z.number().describe('UDP datagrams received'),
  bytes: z.number().describe('UDP payload bytes received'),
  flows: z.number(),
  counter_samples: z.number(),
  decode_errors: z.record(z.string(), z.number()).describe('by reason, including informational ones'),
  decode_errors_total: z.number().describe('faults only (not enterprise fields / unknown sFlow samples or records)'),
  ignored_records: z
    .record(z.string(), z.number())
    .describe(
      'records received and not counted as member traffic, by reason: both_directions (egress copies), core_port (declared inter-switch port)',
    ),
  lost_datagrams: z.number(),
  lost_samples: z.number(),
  agent_drops: z.number(),
  templates: z.number(),
  sampling_rates: z.record(z.string(), z.number()).describe('rate → flows'),
  sampling_sources: z.record(z.string(), z.number()),
  unknown_sampling_flows: z.number(),
  first_seen: z.string(),
  last_seen: z.string(),
  last_silence: z
    .object({ from: z.string(), to: z.string() })
    .nullable()
    .describe('the last quiet spell of at least 1 minute (EXPORTER_SILENT intervals come from it)'),
  status: z.enum(['ok', 'misconfigured', 'silent']),
  problems: z
    .array(
      z.object({
        code: z.enum([
          'SILENT',
          'SAMPLING_UNKNOWN',
          'DECODE_ERRORS',
          'SEQUENCE_GAPS',
          'BOTH_DIRECTIONS',
          'DUPLICATE_SAMPLING',
        ]),
        message: z.string(),
      }),
    )
    .describe(
      'what is wrong, most urgent first: SILENT, BOTH_DIRECTIONS (ingress and egress records of the same traffic; egress ignored), DUPLICATE_SAMPLING (same MAC pairs from two exporters: undeclared core ports), SAMPLING_UNKNOWN, DECODE_ERRORS, SEQUENCE_GAPS',
    ),
});

export function exportersRoutes(exporters: ExportersService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/exporters',
      {
        config: { roles: ['admin', 'security', 'auditor', 'finance'] },
        schema: {
          tags: ['operations'],
          summary:
            'Exporter health: datagrams, flows, decode errors by reason, losses, templates, sampling rates, last seen',
          response: { 200: z.object({ exporters: z.array(ExporterSchema) }) },
        },
      },
      async () => ({ exporters: await exporters.list() }),
    );
  };
}
