/**
 * BullMQ workers and schedules. Processors are thin: parse the payload (an invalid one is
 * UnrecoverableError, never retried), call a domain service, let other errors throw so BullMQ retries
 * with backoff. Every recurring job is declared in SCHEDULES.
 */
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Config } from '../config/load.js';
import type { Logger } from '../shared/logger.js';
import type { StatementsService } from '../statements/statements.service.js';
import { bullConnection, QUEUES, type Payload, type QueueName, type QueueSet } from './queues.js';
import { previousMonth, type StatementRuns } from './statement-runs.js';
import { deliver } from '../alerts/webhooks.js';
import type { AlertView } from '../alerts/alerts.service.js';

/**
 * Statement jobs computed at once per worker process. Their reads are short queries that ClickHouse (chDB:
 * one at a time) answers while other computes run JavaScript, and their writes are grouped (group commit in
 * statements.service.ts): with 8 in progress a run writes one part per ~8 members instead of two per member.
 */
export const STATEMENT_JOB_CONCURRENCY = 8;

/** Recurring work: last month's statements at 00:30 on the 1st (billing time zone); run completion every minute. */
export function schedules(tz: string) {
  return [
    { id: 'monthly-statements', repeat: { pattern: '30 0 1 * *', tz }, data: { type: 'monthly-statements' as const } },
    { id: 'complete-runs', repeat: { every: 60_000 }, data: { type: 'complete-runs' as const } },
    { id: 'security-scan', repeat: { every: 60_000 }, data: { type: 'security-scan' as const } },
    { id: 'notices-overdue', repeat: { every: 60_000 }, data: { type: 'notices-overdue' as const } },
    { id: 'utilization-scan', repeat: { every: 60_000 }, data: { type: 'utilization-scan' as const } },
  ];
}

function parse<Q extends QueueName>(queue: Q, job: Job): Payload<Q> {
  const r = QUEUES[queue].payload.safeParse(job.data);
  if (!r.success)
    throw new UnrecoverableError(`invalid ${queue} payload: ${r.error.issues.map((i) => i.message).join('; ')}`);
  return r.data as Payload<Q>;
}

export interface Workers {
  close(): Promise<void>;
}

export async function startWorkers(deps: {
  config: Config;
  log: Logger;
  queues: QueueSet;
  statements: StatementsService;
  runs: StatementRuns;
  /** Window/baseline detectors (every minute). */
  securityScan?: () => Promise<unknown>;
  /** Notification channels (src/channels/dispatch.ts): one delivery attempt. */
  deliverChannel?: (job: Payload<'webhooks'>, attempt: number, maxAttempts: number) => Promise<unknown>;
  /** Rectification notices past their deadline (every minute). */
  noticesOverdue?: () => Promise<unknown>;
  /** PORT_UTILIZATION (every minute; src/overview/utilization.service.ts). */
  utilizationScan?: () => Promise<unknown>;
}): Promise<Workers> {
  const { config, log } = deps;
  const connection = bullConnection(config.IXMETER_REDIS_URL);
  const prefix = config.IXMETER_REDIS_PREFIX;
  const workers: Worker[] = [];

  workers.push(
    new Worker(
      'statements',
      async (job) => {
        const p = parse('statements', job);
        return deps.statements.compute(p.asn, p.month, p.actor, p.runId);
      },
      { connection, prefix, concurrency: STATEMENT_JOB_CONCURRENCY },
    ),
  );

  workers.push(
    new Worker(
      'webhooks',
      async (job) => {
        const p = parse('webhooks', job);
        if (deps.deliverChannel) return deps.deliverChannel(p, job.attemptsMade + 1, job.opts.attempts ?? 1);
        return {
          status: await deliver(config.IXMETER_WEBHOOKS, {
            hook: p.hook,
            event: p.event,
            alert: p.alert as unknown as AlertView,
          }),
        };
      },
      { connection, prefix, concurrency: 4 },
    ),
  );

  workers.push(
    new Worker(
      'maintenance',
      async (job) => {
        const p = parse('maintenance', job);
        switch (p.type) {
          case 'monthly-statements': {
            const month = previousMonth(Date.now(), config.IXMETER_TIMEZONE);
            return { runId: await deps.runs.start(month, 'scheduler') };
          }
          case 'complete-runs':
            return { requeued: await deps.runs.completeRuns() };
          case 'security-scan':
            return deps.securityScan ? deps.securityScan() : { skipped: true };
          case 'notices-overdue':
            return deps.noticesOverdue ? deps.noticesOverdue() : { skipped: true };
          case 'utilization-scan':
            return deps.utilizationScan ? deps.utilizationScan() : { skipped: true };
          default: {
            const never: never = p;
            throw new UnrecoverableError(`unknown maintenance job ${JSON.stringify(never)}`);
          }
        }
      },
      { connection, prefix, concurrency: 1 },
    ),
  );

  for (const w of workers) {
    w.on('failed', (job, err) =>
      log.warn({ queue: w.name, job: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed'),
    );
    w.on('error', (err) => log.error({ queue: w.name, err: err.message }, 'worker error'));
  }
  const maintenance = deps.queues.get('maintenance');
  const upsertSchedules = async () => {
    for (const s of schedules(config.IXMETER_TIMEZONE))
      await maintenance.upsertJobScheduler(s.id, s.repeat, { name: s.id, data: s.data });
  };
  await upsertSchedules();
  // A Redis that restarts without persistence forgets the schedulers: upserting is idempotent, so do it again every minute.
  const timer = setInterval(
    () => void upsertSchedules().catch((err) => log.warn({ err: (err as Error).message }, 'scheduler upsert failed')),
    60_000,
  );
  timer.unref();
  log.info({ queues: workers.map((w) => w.name) }, 'workers started');
  return {
    async close() {
      clearInterval(timer);
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
