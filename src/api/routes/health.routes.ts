import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../deps.js';

const ComponentSchema = z
  .object({ status: z.enum(['ok', 'down', 'degraded', 'stopped', 'disabled', 'remote']) })
  .passthrough();

export const HealthResponseSchema = z.object({
  status: z.enum(['ok', 'degraded', 'down']),
  clickhouse: ComponentSchema,
  redis: ComponentSchema,
  collectors: ComponentSchema,
  channels: ComponentSchema.optional(),
});

export function healthRoutes(deps: ApiDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/health',
      {
        config: { public: true },
        schema: {
          tags: ['operations'],
          summary: 'Service health: ClickHouse, Redis and collectors (no token needed)',
          response: { 200: HealthResponseSchema, 503: HealthResponseSchema },
        },
      },
      async (_req, reply) => {
        const [ch, redisOk] = await Promise.all([pingClickhouse(deps), deps.redis.ping()]);
        const collectors = deps.collectors();
        const clickhouse = {
          status: ch ? 'ok' : 'down',
          mode: deps.storage.mode,
          version: deps.storage.serverVersion,
          database: deps.storage.database,
        } as const;
        const redis = { status: redisOk ? 'ok' : 'down', private_server: deps.redis.privateServer } as const;
        const down = !ch || !redisOk;
        // Notification channels whose last attempts all failed (src/channels/dispatch.ts FAILING_AFTER); the others keep delivering.
        const failing = ch ? await deps.channels.failing().catch(() => []) : [];
        const channels = {
          status: failing.length ? 'degraded' : 'ok',
          configured: deps.config.IXMETER_WEBHOOKS.length,
          failing,
        } as const;
        const degraded = collectors.status === 'degraded' || failing.length > 0;
        const body = {
          status: down ? 'down' : degraded ? 'degraded' : 'ok',
          clickhouse,
          redis,
          collectors,
          channels,
        } as const;
        return reply.status(down ? 503 : 200).send(body);
      },
    );
  };
}

async function pingClickhouse(deps: ApiDeps): Promise<boolean> {
  try {
    const r = await Promise.race([
      deps.storage.client.ping(),
      new Promise<{ success: false }>((res) => setTimeout(() => res({ success: false }), 2000)),
    ]);
    return r.success;
  } catch {
    return false;
  }
}
