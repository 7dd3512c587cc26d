/**
 * Access control, for every endpoint: the declared roles equal this table (no route slips through
 * unlisted), each role gets exactly what the table says (403 otherwise), and a member token can never
 * read or change another member's data (every route with an ASN, called with a foreign ASN, is 403).
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { createCacheWatch, type CacheWatch } from '../../src/api/cache-watch.js';
import { createDomainServices } from '../../src/runtime/domain-services.js';
import { openMigratedStorage } from '../../src/runtime/storage-setup.js';
import { createMetrics } from '../../src/shared/metrics.js';
import type { Storage } from '../../src/storage/clickhouse/client.js';
import { connectRedis, type RedisHandle } from '../../src/storage/redis/connection.js';
import { createQueues, type QueueSet } from '../../src/jobs/queues.js';
import { silentLog, tempDir, testConfig } from '../helpers/env.js';
import { createTokensRepository } from '../../src/auth/tokens.repository.js';
import { createTokensService } from '../../src/auth/tokens.service.js';

const ALL = ['admin', 'finance', 'security', 'member', 'auditor', 'regulator'] as const;
type Role = (typeof ALL)[number];
const STAFF_READ: Role[] = ['admin', 'finance', 'security', 'auditor', 'member'];

/** The access policy, one line per endpoint. `any` = every authenticated role; `public` = no token. */
const EXPECTED: Record<string, Role[] | 'any' | 'public'> = {
  'GET /api/v1/health': 'public',
  'GET /api/v1/me': [...ALL],
  'POST /api/v1/tokens': ['admin'],
  'GET /api/v1/tokens': ['admin', 'auditor'],
  'DELETE /api/v1/tokens/:id': ['admin'],
  'GET /api/v1/exporters': ['admin', 'security', 'auditor', 'finance'],
  'GET /api/v1/members': STAFF_READ,
  'GET /api/v1/members/:asn': STAFF_READ,
  'POST /api/v1/members/import': ['admin'],
  'GET /api/v1/members/:asn/traffic': STAFF_READ,
  'GET /api/v1/traffic/matrix': STAFF_READ,
  'GET /api/v1/ports/reconciliation': ['admin', 'security', 'auditor', 'finance'],
  'POST /api/v1/statements/:month/run': ['admin', 'finance'],
  'GET /api/v1/jobs/:id': ['admin', 'finance', 'auditor'],
  'GET /api/v1/statements/:month': ['admin', 'finance', 'auditor'],
  'GET /api/v1/members/:asn/statements/:month': ['admin', 'finance', 'auditor', 'member'],
  'POST /api/v1/members/:asn/statements/:month/review': ['admin', 'finance'],
  'POST /api/v1/members/:asn/statements/:month/approve': ['admin', 'finance'],
  'POST /api/v1/members/:asn/statements/:month/export': ['admin', 'finance'],
  'POST /api/v1/members/:asn/statements/:month/reopen': ['admin', 'finance'],
  'GET /api/v1/policies': ['admin', 'finance', 'auditor'],
  'POST /api/v1/policies': ['admin', 'finance'],
  'POST /api/v1/policies/simulate': ['admin', 'finance', 'auditor'],
  'POST /api/v1/policies/check': ['admin', 'finance', 'auditor'],
  'POST /api/v1/fees': ['admin', 'finance'],
  'GET /api/v1/fees': ['admin', 'finance', 'auditor'],
  'GET /api/v1/statements/:month/budget': ['admin', 'finance', 'auditor'],
  'GET /api/v1/statements/:month/payout': ['admin', 'finance'],
  'GET /api/v1/reports/programme/:year': ['admin', 'finance', 'auditor'],
  'GET /api/v1/alerts': ['admin', 'security', 'auditor', 'finance', 'member', 'regulator'],
  'GET /api/v1/alerts/:id': ['admin', 'security', 'auditor', 'finance', 'member', 'regulator'],
  'POST /api/v1/alerts/:id/ack': ['admin', 'security'],
  'POST /api/v1/alerts/:id/resolve': ['admin', 'security'],
  'GET /api/v1/audit': ['admin', 'auditor', 'regulator'],
  'GET /api/v1/audit/verify': ['admin', 'auditor', 'regulator'],
  // Supervision (issue #16): notices, the month's report, delivery status; the regulator reads, never writes.
  'POST /api/v1/notices': ['admin', 'security'],
  'GET /api/v1/notices': ['admin', 'security', 'auditor', 'regulator', 'member'],
  'GET /api/v1/notices/:id': ['admin', 'security', 'auditor', 'regulator', 'member'],
  'POST /api/v1/notices/:id/acknowledge': ['member'],
  'POST /api/v1/notices/:id/report': ['member'],
  'POST /api/v1/notices/:id/verify': ['admin', 'security'],
  'GET /api/v1/reports/security/:month': ['admin', 'security', 'auditor', 'regulator'],
  'GET /api/v1/alerts/:id/deliveries': ['admin', 'security', 'auditor', 'regulator'],
  // Exchange overview (issue 17): every staff role and the regulator; the member portal's reads; public statistics.
  'GET /api/v1/overview': ['admin', 'finance', 'security', 'auditor', 'regulator'] as Role[],
  'GET /api/v1/utilization': ['admin', 'finance', 'security', 'auditor', 'regulator'] as Role[],
  'GET /api/v1/members/:asn/peers': STAFF_READ,
  'GET /api/v1/members/:asn/growth': STAFF_READ,
  'GET /api/v1/members/:asn/utilization': STAFF_READ,
  'GET /api/v1/public/traffic': 'public',
  'POST /api/v1/exclusions': ['admin', 'finance'],
  'POST /api/v1/exclusions/:id/approve': ['admin', 'finance'],
  'GET /api/v1/exclusions': ['admin', 'finance', 'auditor'],
  'POST /api/v1/members/:asn/statements/:month/disputes': ['admin', 'finance', 'member'],
  'GET /api/v1/disputes': ['admin', 'finance', 'auditor', 'member'],
  'POST /api/v1/disputes/:id/resolve': ['admin', 'finance'],
  'POST /api/v1/admin/backups': ['admin'],
  'GET /api/v1/admin/backups/:id': ['admin'],
};

const dir = tempDir();
let storage: Storage;
let redis: RedisHandle;
let queues: QueueSet;
let app: FastifyInstance;
let watch: CacheWatch;
const tokens: Partial<Record<Role, string>> = {};

beforeAll(async () => {
  const config = testConfig(join(dir.path, 'd'));
  ({ storage } = await openMigratedStorage(config, silentLog));
  redis = await connectRedis(config, silentLog);
  queues = createQueues(config.IXMETER_REDIS_URL, config.IXMETER_REDIS_PREFIX);
  const domain = createDomainServices(storage, config, silentLog, {}, queues);
  // With the response cache on, as in the service: access is checked before any cached answer.
  watch = createCacheWatch(storage.client, domain.cache, silentLog);
  await watch.start();
  app = await buildApp({
    config,
    log: silentLog,
    storage,
    redis,
    metrics: createMetrics(),
    collectors: () => ({ status: 'stopped', listeners: [] }),
    ...domain,
  });
  await app.ready();
  for (const r of ALL)
    tokens[r] = (await domain.tokens.create({ role: r, asn: r === 'member' ? 64500 : null, createdBy: 'test' })).token;
});
afterAll(async () => {
  await watch?.stop();
  await app?.close();
  await queues?.close();
  await redis?.close();
  await storage?.close();
  dir.cleanup();
});

function fill(url: string, asn: number): string {
  return url.replace(':asn', String(asn)).replace(':month', '2026-10').replace(':id', 'x_1');
}

function bodyFor(method: string, url: string): unknown {
  if (method !== 'POST') return undefined;
  if (url.endsWith('/tokens')) return { role: 'auditor' };
  if (url.endsWith('/policies')) return 'policy_id: x';
  if (url.endsWith('/members/import')) return { member_list: [] };
  return { note: 'matrix' };
}

async function call(method: string, url: string, token: string | undefined) {
  const body = bodyFor(method, url);
  return app.inject({
    method: method as 'GET',
    url,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined
        ? {}
        : typeof body === 'string'
          ? { 'content-type': 'text/plain' }
          : { 'content-type': 'application/json' }),
    },
    payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('access matrix', () => {
  it('declares exactly the expected roles on every endpoint', () => {
    const declared = Object.fromEntries(
      app.routeTable.map((r) => [
        `${r.method} ${r.url}`,
        r.public ? 'public' : r.roles === null ? 'any' : [...r.roles].sort(),
      ]),
    );
    const expected = Object.fromEntries(
      Object.entries(EXPECTED).map(([k, v]) => [k, Array.isArray(v) ? [...v].sort() : v]),
    );
    // Routes added by other parts (e.g. the console) must be listed here too.
    for (const k of Object.keys(declared))
      expect(expected, `route ${k} is not in the access table`).toHaveProperty([k]);
    for (const [k, v] of Object.entries(expected)) if (k in declared) expect(declared[k], k).toEqual(v);
  });

  it('enforces it: 401 without a token, 403 for every role not allowed, never 403 for an allowed one', async () => {
    for (const r of app.routeTable) {
      const url = fill(r.url, 64500);
      const policy = EXPECTED[`${r.method} ${r.url}`];
      if (policy === 'public') {
        expect((await call(r.method, url, undefined)).statusCode, url).not.toBe(401);
        continue;
      }
      expect((await call(r.method, url, undefined)).statusCode, `${r.method} ${url} without token`).toBe(401);
      for (const role of ALL) {
        const res = await call(r.method, url, tokens[role]);
        const allowed = policy === 'any' || (policy ?? []).includes(role);
        if (allowed)
          expect([401, 403], `${role} ${r.method} ${url} → ${res.statusCode} ${res.body}`).not.toContain(
            res.statusCode,
          );
        else expect(res.statusCode, `${role} ${r.method} ${url}`).toBe(403);
      }
    }
  });

  it('never lets a member token touch another member', async () => {
    const withAsn = app.routeTable.filter((r) => r.url.includes(':asn'));
    expect(withAsn.length).toBeGreaterThanOrEqual(7);
    for (const r of withAsn) {
      const res = await call(r.method, fill(r.url, 64501), tokens.member);
      expect(res.statusCode, `${r.method} ${r.url} with a foreign ASN`).toBe(403);
    }
  });
});

describe('access matrix: the regulator (issue 17)', () => {
  it('reads the exchange overview and the utilisation, and is refused statements and member money', async () => {
    const { token } = await createTokensService(createTokensRepository(storage.client)).create({
      role: 'regulator',
      asn: null,
      createdBy: 'test',
    });
    for (const url of ['/api/v1/overview', '/api/v1/utilization'])
      expect((await call('GET', url, token)).statusCode, url).toBe(200);
    for (const url of ['/api/v1/statements/2026-10', '/api/v1/members/64500/statements/2026-10', '/api/v1/policies'])
      expect((await call('GET', url, token)).statusCode, url).toBe(403);
  });
});
