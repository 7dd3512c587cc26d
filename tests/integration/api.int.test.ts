/** The HTTP skeleton on real chDB and real Redis: health, auth, roles, tokens, errors, OpenAPI, metrics. */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { verifyChain, type AuditRow } from '../../src/audit/audit.service.js';
import type { TokensService } from '../../src/auth/tokens.service.js';
import { createDomainServices } from '../../src/runtime/domain-services.js';
import { openMigratedStorage } from '../../src/runtime/storage-setup.js';
import { createMetrics } from '../../src/shared/metrics.js';
import type { Storage } from '../../src/storage/clickhouse/client.js';
import { connectRedis, type RedisHandle } from '../../src/storage/redis/connection.js';
import { silentLog, tempDir, testConfig } from '../helpers/env.js';

const dir = tempDir();
let storage: Storage;
let redis: RedisHandle;
let app: FastifyInstance;
let tokens: TokensService;
let admin: string;

beforeAll(async () => {
  const config = testConfig(join(dir.path, 'data'));
  ({ storage } = await openMigratedStorage(config, silentLog));
  redis = await connectRedis(config, silentLog);
  const domain = createDomainServices(storage, config, silentLog);
  tokens = domain.tokens;
  admin = (await tokens.bootstrapAdmin(undefined)).token!;
  app = await buildApp({
    config,
    log: silentLog,
    storage,
    redis,
    metrics: createMetrics(),
    collectors: () => ({ status: 'stopped', listeners: [] }),
    ...domain,
  });
});
afterAll(async () => {
  await app?.close();
  await redis?.close();
  await storage?.close();
  dir.cleanup();
});

const auth = (t: string) => ({ authorization: `Bearer ${t}` });

describe('HTTP API skeleton', () => {
  it('reports health without a token', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      status: 'ok',
      clickhouse: { status: 'ok', mode: 'embedded' },
      redis: { status: 'ok' },
      collectors: { status: 'stopped' },
    });
    expect(r.headers['x-request-id']).toBeTruthy();
  });

  it('answers 401 with the one error shape for missing and unknown tokens', async () => {
    const none = await app.inject({ method: 'GET', url: '/api/v1/tokens' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual({ statusCode: 401, code: 'IXMETER_ERR_AUTH_MISSING', message: expect.any(String) });
    const bad = await app.inject({ method: 'GET', url: '/api/v1/tokens', headers: auth('ixm_nope') });
    expect(bad.json()).toMatchObject({ statusCode: 401, code: 'IXMETER_ERR_AUTH_INVALID' });
  });

  it('creates, uses and revokes tokens; roles are enforced', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: auth(admin),
      payload: { role: 'member', asn: 64500, name: 'AS64500 NOC' },
    });
    expect(created.statusCode).toBe(201);
    const { id, token } = created.json() as { id: string; token: string };
    expect(token).toMatch(/^ixm_/);
    const forbidden = await app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: auth(token),
      payload: { role: 'admin' },
    });
    expect(forbidden.json()).toMatchObject({ statusCode: 403, code: 'IXMETER_ERR_FORBIDDEN' });
    const list = await app.inject({ method: 'GET', url: '/api/v1/tokens', headers: auth(admin) });
    const rows = (list.json() as { tokens: Array<Record<string, unknown>> }).tokens;
    expect(rows.find((t) => t.id === id)).toMatchObject({
      role: 'member',
      asn: 64500,
      name: 'AS64500 NOC',
      revoked_at: null,
    });
    expect(JSON.stringify(rows)).not.toContain(token);
    const page = (
      await app.inject({ method: 'GET', url: '/api/v1/tokens?limit=1&offset=1', headers: auth(admin) })
    ).json() as { tokens: unknown[]; total: number; offset: number };
    expect(page.tokens).toHaveLength(1);
    expect(page.total).toBe(rows.length);
    expect((await app.inject({ method: 'GET', url: '/api/v1/tokens?limit=0', headers: auth(admin) })).statusCode).toBe(
      400,
    );
    const del = await app.inject({ method: 'DELETE', url: `/api/v1/tokens/${id}`, headers: auth(admin) });
    expect(del.statusCode).toBe(200);
    const after = await app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: auth(token),
      payload: { role: 'admin' },
    });
    expect(after.json()).toMatchObject({ statusCode: 401, code: 'IXMETER_ERR_AUTH_INVALID' });
  });

  it('validates bodies with clear 400s', async () => {
    const noAsn = await app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: auth(admin),
      payload: { role: 'member' },
    });
    expect(noAsn.json()).toMatchObject({
      statusCode: 400,
      code: 'IXMETER_ERR_VALIDATION',
      message: expect.stringContaining('ASN'),
    });
    const badRole = await app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: auth(admin),
      payload: { role: 'root' },
    });
    expect(badRole.json()).toMatchObject({
      statusCode: 400,
      code: 'IXMETER_ERR_VALIDATION',
      message: expect.stringContaining('body.role'),
    });
    const badJson = await app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { ...auth(admin), 'content-type': 'application/json' },
      payload: '{',
    });
    expect(badJson.json()).toMatchObject({ statusCode: 400, code: 'IXMETER_ERR_VALIDATION' });
    const missing = await app.inject({ method: 'DELETE', url: '/api/v1/tokens/tok_missing', headers: auth(admin) });
    expect(missing.json()).toMatchObject({ statusCode: 404, code: 'IXMETER_ERR_NOT_FOUND' });
  });

  it('records writes in a hash-chained audit log', async () => {
    await new Promise((r) => setTimeout(r, 100));
    const rs = await storage.client.query({
      query: 'SELECT * FROM audit_log ORDER BY chain_id, seq',
      format: 'JSONEachRow',
    });
    const rows = await rs.json<AuditRow>();
    expect(rows.map((r) => r.action)).toEqual(expect.arrayContaining(['token.create', 'token.revoke']));
    expect(verifyChain(rows)).toBeNull();
    const tampered = rows.map((r, i) => (i === 0 ? { ...r, object: 'tok_other' } : r));
    expect(verifyChain(tampered)).toBe(0);
  });

  it("records staff reads of a member's data; auditors query and verify the chained log", async () => {
    const fin = (await tokens.create({ role: 'finance', createdBy: 'test' })).token;
    const aud = (await tokens.create({ role: 'auditor', createdBy: 'test' })).token;
    const own = (await tokens.create({ role: 'member', asn: 64510, createdBy: 'test' })).token;
    expect(
      (await app.inject({ method: 'GET', url: '/api/v1/members/64510/traffic', headers: auth(fin) })).statusCode,
    ).toBe(200);
    expect(
      (await app.inject({ method: 'GET', url: '/api/v1/members/64510/traffic', headers: auth(own) })).statusCode,
    ).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    const log = await app.inject({ method: 'GET', url: '/api/v1/audit?action=read', headers: auth(aud) });
    const entries = (log.json() as { entries: Array<{ object: string; role: string }> }).entries;
    expect(entries.filter((e) => e.object === '/api/v1/members/64510/traffic').map((e) => e.role)).toEqual(['finance']); // the member's own read is not another party's
    const v = await app.inject({ method: 'GET', url: '/api/v1/audit/verify', headers: auth(aud) });
    expect(v.json()).toMatchObject({ intact: true });
  });

  it('serves OpenAPI at /api/docs and Prometheus metrics at /metrics', async () => {
    const doc = await app.inject({ method: 'GET', url: '/api/docs/json' });
    expect(doc.statusCode).toBe(200);
    const spec = doc.json() as { openapi: string; paths: Record<string, unknown> };
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/api/v1/health', '/api/v1/tokens', '/api/v1/tokens/{id}']),
    );
    const m = await app.inject({ method: 'GET', url: '/metrics' });
    expect(m.statusCode).toBe(200);
    expect(m.body).toContain('ixmeter_api_requests_total');
    expect(m.body).toContain('ixmeter_api_auth_failures_total{reason="missing"}');
  });

  it('returns 404 in the error shape for unknown routes', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/nope' }); // non-API paths belong to the console (SPA)
    expect(r.json()).toMatchObject({ statusCode: 404, code: 'IXMETER_ERR_NOT_FOUND' });
  });
});
