import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { createAuditRepository } from '../../audit/audit.repository.js';
import { verifyChain, type AuditLog } from '../../audit/audit.service.js';

/** Entries this process still buffers (batched reads) are written before an auditor's query. */
export function auditRoutes(
  repo: ReturnType<typeof createAuditRepository>,
  audit: Pick<AuditLog, 'flush'>,
): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/audit',
      {
        config: { roles: ['admin', 'auditor', 'regulator'] },
        schema: {
          tags: ['access'],
          summary: "Audit log: every write and every staff read of a member's data (append-only, hash-chained)",
          querystring: z.object({
            from: z.iso.datetime({ offset: true }).optional(),
            to: z.iso.datetime({ offset: true }).optional(),
            actor: z.string().max(100).optional(),
            action: z.string().max(100).optional(),
            limit: z.coerce.number().int().min(1).max(1000).default(100),
            offset: z.coerce.number().int().min(0).default(0),
          }),
        },
      },
      async (req) => {
        const q = req.query;
        await audit.flush();
        const rows = await repo.list({
          fromMs: q.from ? Date.parse(q.from) : 0,
          toMs: q.to ? Date.parse(q.to) : Date.now() + 60_000,
          actor: q.actor,
          action: q.action,
          limit: q.limit,
          offset: q.offset,
        });
        return { entries: rows.map((r) => ({ ...r, details: JSON.parse(r.details || '{}') as unknown })) };
      },
    );

    app.get(
      '/audit/verify',
      {
        config: { roles: ['admin', 'auditor', 'regulator'] },
        schema: {
          tags: ['access'],
          summary: 'Verify every hash chain of the audit log; reports the first broken row per chain',
        },
      },
      async () => {
        await audit.flush();
        const chains = await repo.chains();
        const results = [...chains.entries()].map(([chain, rows]) => ({
          chain,
          rows: rows.length,
          broken_at_seq: verifyChain(rows),
        }));
        return { intact: results.every((r) => r.broken_at_seq === null), chains: results };
      },
    );
  };
}
