/** buildApp(deps): the fastify instance with every plugin and route, never listening (tests inject). */
import { randomUUID } from 'node:crypto';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { hashToken } from '../auth/tokens.service.js';
import { AppError } from '../shared/errors.js';
import type { ApiDeps } from './deps.js';
import { registerAuth } from './plugins/auth.js';
import { registerErrorHandling } from './plugins/errors.js';
import { healthRoutes } from './routes/health.routes.js';
import { tokensRoutes } from './routes/tokens.routes.js';
import { exportersRoutes } from './routes/exporters.routes.js';
import { membersRoutes } from './routes/members.routes.js';
import { portsRoutes } from './routes/ports.routes.js';
import { statementsRoutes } from './routes/statements.routes.js';
import { alertsRoutes } from './routes/alerts.routes.js';
import { auditRoutes } from './routes/audit.routes.js';
import { createAuditRepository } from '../audit/audit.repository.js';
import { meRoutes } from './routes/me.routes.js';
import { noticesRoutes } from './routes/notices.routes.js';
import { supervisionRoutes } from './routes/supervision.routes.js';
import { exclusionsRoutes } from './routes/exclusions.routes.js';
import { disputesRoutes } from './routes/disputes.routes.js';
import { programmeRoutes } from './routes/programme.routes.js';
import { backupRoutes } from './routes/backup.routes.js';
import { webCspScriptHashes, webPlugin } from './plugins/web.js';
import { overviewRoutes } from './routes/overview.routes.js';
import { portalRoutes } from './routes/portal.routes.js';
import { publicStatsPage, publicStatsRoutes } from './routes/public-stats.routes.js';
import { registerTrafficGauges } from '../overview/traffic-metrics.js';

export interface RouteAccess {
  method: string;
  url: string;
  /** null: any authenticated role. */
  roles: string[] | null;
  public: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: RouteAccess[];
  }
}

export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'api' }) as unknown as FastifyBaseLogger,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    },
    trustProxy: false,
    bodyLimit: 10 * 1024 * 1024,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  // Policy documents are YAML (or JSON sent as text).
  app.addContentTypeParser(
    ['application/yaml', 'application/x-yaml', 'text/yaml'],
    { parseAs: 'string' },
    (_req, body, done) => done(null, body),
  );
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  // Every route's declared access (tests check the whole table against expectations and enforcement).
  const routeTable: RouteAccess[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (r) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    for (const m of methods) {
      if (m === 'HEAD' || !r.url.startsWith('/api/v1/')) continue;
      const cfg = (r.config ?? {}) as { roles?: readonly string[]; public?: boolean };
      routeTable.push({ method: m, url: r.url, roles: cfg.roles ? [...cfg.roles] : null, public: cfg.public === true });
    }
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        'script-src': ["'self'", ...webCspScriptHashes()],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
      },
    },
  });
  await app.register(rateLimit, {
    max: deps.config.IXMETER_RATE_LIMIT_PER_MINUTE,
    timeWindow: 60_000,
    keyGenerator: (req) => {
      const auth = req.headers.authorization;
      return auth ? `t:${hashToken(auth).slice(0, 24)}` : `ip:${req.ip}`;
    },
    errorResponseBuilder: (_req, ctx) =>
      new AppError(
        'IXMETER_ERR_RATE_LIMITED',
        `rate limit of ${ctx.max} requests per minute exceeded; retry in ${Math.ceil(ctx.ttl / 1000)} s`,
      ),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'ixmeter API',
        version: '1',
        description:
          'Traffic accounting, flow subsidy and security monitoring for the National (Zhongwei) New-type Internet Exchange Center. Units: bytes are layer-2 frame octets incl. FCS; rates are bits/s; times ISO 8601 with offset.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  app.addHook('onSend', async (req, reply) => {
    void reply.header('x-request-id', req.id);
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    deps.metrics.httpRequests.inc({ route, method: req.method, status: String(reply.statusCode) });
    deps.metrics.httpDuration.observe({ route, method: req.method }, reply.elapsedTime / 1000);
  });
  registerAuth(app, deps.tokens, deps.metrics);
  deps.cache.observe((ns, result) => deps.metrics.apiCache.inc({ namespace: ns, result }));
  // Reads of another party's data: a staff token reading a member's resources, or the whole matrix —
  // served from the cache or not. Chained now, written batched (IXMETER_AUDIT_FLUSH_MS); a failed write
  // keeps the row in memory and retries (audit.service.ts).
  app.addHook('onResponse', async (req, reply) => {
    const p = req.principal;
    const url = req.routeOptions.url ?? '';
    if (!p || p.role === 'member' || req.method !== 'GET' || reply.statusCode >= 400) return;
    if (!url.includes('/members/:asn') && url !== '/api/v1/traffic/matrix') return;
    deps.audit
      .append(
        {
          actor: p.tokenId,
          role: p.role,
          action: 'read',
          object: req.url.split('?')[0]!,
          outcome: 'ok',
          sourceIp: req.ip,
        },
        'batched',
      )
      .catch((err: unknown) => req.log.error({ err }, 'audit entry for a read not written yet (kept and retried)'));
  });

  await app.register(healthRoutes(deps), { prefix: '/api/v1' });
  await app.register(tokensRoutes(deps), { prefix: '/api/v1' });
  await app.register(exportersRoutes(deps.exporters), { prefix: '/api/v1' });
  await app.register(membersRoutes(deps.members, deps.traffic, deps.audit, deps.cache), { prefix: '/api/v1' });
  await app.register(statementsRoutes(deps), { prefix: '/api/v1' });
  await app.register(alertsRoutes(deps.alerts, deps.statementsRepo, deps.audit), { prefix: '/api/v1' });
  await app.register(auditRoutes(createAuditRepository(deps.storage.client), deps.audit), { prefix: '/api/v1' });

  await app.register(portsRoutes(deps.reconciliation, deps.config.IXMETER_RECONCILE_THRESHOLD_PCT), {
    prefix: '/api/v1',
  });
  await app.register(meRoutes(), { prefix: '/api/v1' });
  await app.register(noticesRoutes(deps.notices, deps.channels), { prefix: '/api/v1' });
  await app.register(supervisionRoutes(deps.securityReports, deps.channels, deps.alerts), { prefix: '/api/v1' });
  await app.register(overviewRoutes(deps.overview, deps.utilization, deps.config.IXMETER_ROLLUP_RETENTION_DAYS), {
    prefix: '/api/v1',
  });
  await app.register(portalRoutes(deps.portal, deps.utilization, deps.config.IXMETER_ROLLUP_RETENTION_DAYS), {
    prefix: '/api/v1',
  });
  await app.register(publicStatsRoutes(deps.overview, deps.config.IXMETER_PUBLIC_STATS), { prefix: '/api/v1' });
  await app.register(webPlugin((web) => publicStatsPage(web, deps.config.IXMETER_PUBLIC_STATS)));
  registerTrafficGauges(deps.metrics.registry, deps.storage.client, deps.config.IXMETER_METRICS_TOP_MEMBERS);
  await app.register(exclusionsRoutes(deps), { prefix: '/api/v1' });
  await app.register(disputesRoutes(deps), { prefix: '/api/v1' });
  await app.register(programmeRoutes(deps), { prefix: '/api/v1' });
  await app.register(backupRoutes(deps.backups ?? null, deps.audit), { prefix: '/api/v1' });

  app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (_req, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });
  return app;
}
