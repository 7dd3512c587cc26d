/**
 * Every BullMQ queue in one registry: name, payload schema, default job options. Producers and
 * workers both import it. Flows never travel as jobs; jobs carry scheduled and batch work only.
 */
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { z } from 'zod';

export const QUEUES = {
  statements: {
    payload: z.object({
      asn: z.number().int().positive(),
      month: z.string().regex(/^\d{4}-\d{2}$/),
      runId: z.string(),
      actor: z.string(),
    }),
    defaults: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: true,
      removeOnFail: { age: 7 * 86_400 },
    } satisfies JobsOptions,
  },
  webhooks: {
    // one delivery to one channel (and one email recipient): an alert or a notice event (src/channels/dispatch.ts)
    payload: z.object({
      hook: z.number().int().min(0),
      event: z.string(),
      alert: z.record(z.string(), z.unknown()).optional(),
      notice: z.record(z.string(), z.unknown()).optional(),
      to: z.string().optional(),
    }),
    defaults: {
      attempts: 8,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: { age: 86_400, count: 1000 },
      removeOnFail: { age: 30 * 86_400 },
    } satisfies JobsOptions,
  },
  maintenance: {
    payload: z.discriminatedUnion('type', [
      z.object({ type: z.literal('monthly-statements') }),
      z.object({ type: z.literal('complete-runs') }),
      z.object({ type: z.literal('security-scan') }),
      z.object({ type: z.literal('notices-overdue') }),
      z.object({ type: z.literal('utilization-scan') }),
    ]),
    defaults: {
      attempts: 3,
      backoff: { type: 'exponential', delay: 5000 },
      removeOnComplete: { age: 86_400, count: 100 },
      removeOnFail: { age: 7 * 86_400 },
    } satisfies JobsOptions,
  },
} as const;

export type QueueName = keyof typeof QUEUES;
export type Payload<Q extends QueueName> = z.infer<(typeof QUEUES)[Q]['payload']>;

/** Deterministic id of a member-month statement job: one job per member-month at a time. */
export function statementJobId(month: string, asn: number): string {
  return `statement-${month}-AS${asn}`;
}

export function bullConnection(url: string): ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username || undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
  };
}

export interface QueueSet {
  get<Q extends QueueName>(name: Q): Queue<Payload<Q>>;
  close(): Promise<void>;
}

export function createQueues(redisUrl: string, prefix: string): QueueSet {
  const connection = bullConnection(redisUrl);
  const made = new Map<QueueName, Queue>();
  return {
    get<Q extends QueueName>(name: Q): Queue<Payload<Q>> {
      let q = made.get(name);
      if (!q) {
        q = new Queue(name, { connection, prefix, defaultJobOptions: QUEUES[name].defaults });
        q.on('error', () => undefined); // surfaced through health (Redis ping); ioredis reconnects
        made.set(name, q);
      }
      return q as unknown as Queue<Payload<Q>>;
    },
    async close() {
      await Promise.all([...made.values()].map((q) => q.close()));
    },
  };
}
