/** Online backups through the running service (the CLI's path while `serve` holds the data directory). */
import { isAbsolute } from 'node:path';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { BackupJobs } from '../../backup/jobs.js';
import { AppError } from '../../shared/errors.js';
import type { AuditLog } from '../../audit/audit.service.js';
import { requirePrincipal } from '../plugins/auth.js';

const StartBody = z
  .object({ dir: z.string().min(1).max(4096).refine(isAbsolute, 'dir must be an absolute path on the service host') })
  .strict();

const JobView = z.object({
  id: z.string(),
  dir: z.string(),
  state: z.enum(['running', 'done', 'failed']),
  progress: z.object({
    phase: z.enum(['freeze', 'copy', 'manifest', 'done']),
    doneBytes: z.number(),
    totalBytes: z.number(),
  }),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  summary: z
    .object({
      tables: z.number(),
      rows: z.number(),
      files: z.number(),
      bytes: z.number(),
      backup_point: z.string(),
      hold_ms: z.number(),
    })
    .nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});

export function backupRoutes(jobs: BackupJobs | null, audit: AuditLog): FastifyPluginAsyncZod {
  return async (app) => {
    const need = (): BackupJobs => {
      if (!jobs)
        throw new AppError(
          'IXMETER_ERR_NOT_AVAILABLE',
          "this process does not hold an embedded data directory; with a ClickHouse server use the server's BACKUP DATABASE (operator guide)",
        );
      return jobs;
    };
    app.post(
      '/admin/backups',
      {
        config: { roles: ['admin'] },
        schema: {
          tags: ['operations'],
          summary: 'Start an online backup into a new directory on the service host',
          body: StartBody,
          response: { 202: JobView },
        },
      },
      async (req, reply) => {
        const p = requirePrincipal(req);
        const job = need().start(req.body.dir);
        await audit.append({
          actor: p.tokenId,
          role: p.role,
          action: 'backup.start',
          object: req.body.dir,
          outcome: 'ok',
          sourceIp: req.ip,
          details: { job: job.id },
        });
        return reply.status(202).send(job);
      },
    );
    app.get(
      '/admin/backups/:id',
      {
        config: { roles: ['admin'] },
        schema: {
          tags: ['operations'],
          summary: 'Progress and result of a backup',
          params: z.object({ id: z.string().uuid() }),
          response: { 200: JobView },
        },
      },
      async (req) => {
        const job = need().get(req.params.id);
        if (!job) throw new AppError('IXMETER_ERR_NOT_FOUND', `no backup ${req.params.id} in this process`);
        return job;
      },
    );
  };
}
