/**
 * Issue 13, statement side, on real chDB and Redis through the API: per-member coverage (a silent exporter's
 * members get missing buckets, not zeros; the others stay valid; P95 over the valid buckets equals an
 * independent nearest-rank computation; needs_review below min_coverage_pct; learned and fallback bases),
 * exclusions with four eyes (two finance tokens), disputes (a member token and finance): new versions, old
 * versions readable, member isolation, bad input refused with nothing changed, every step audited.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { createDomainServices, type DomainServices } from '../../src/runtime/domain-services.js';
import { openMigratedStorage } from '../../src/runtime/storage-setup.js';
import { createMetrics } from '../../src/shared/metrics.js';
import type { Storage } from '../../src/storage/clickhouse/client.js';
import { connectRedis, type RedisHandle } from '../../src/storage/redis/connection.js';
import { monthBounds } from '../../src/statements/time.js';
import { ixfDoc } from '../helpers/ixf.js';
import { silentLog, tempDir, testConfig } from '../helpers/env.js';

const MONTH = '2025-10';
const TZ = 'Asia/Shanghai';
const B = monthBounds(MONTH, TZ);
const N = (B.end - B.start) / 300_000;
const E1 = '192.0.2.1';
const E2 = '192.0.2.2';
const [A1, A2, LEARNED, NONE] = [64500, 64501, 64502, 64503];
/** Exporter E1 is silent for these bucket indexes: 500 of 8,928 (coverage 94.4 % < 95 %). */
const SILENT = new Set(Array.from({ length: 500 }, (_, k) => 2000 + k));

const dir = tempDir();
let storage: Storage;
let redis: RedisHandle;
let app: FastifyInstance;
let domain: DomainServices;
const tok: Record<'fin1' | 'fin2' | 'member' | 'admin', string> = { fin1: '', fin2: '', member: '', admin: '' };

const bytesAt = (asn: number, i: number) => BigInt((1 + ((i * 7919 + asn) % 1000)) * 5_000_000);

async function insert(table: string, values: unknown[]) {
  await storage.client.insert({ table, values, format: 'JSONEachRow' });
}

beforeAll(async () => {
  const config = testConfig(join(dir.path, 'data'));
  ({ storage } = await openMigratedStorage(config, silentLog));
  redis = await connectRedis(config, silentLog);
  domain = createDomainServices(storage, config, silentLog);
  app = await buildApp({
    config,
    log: silentLog,
    storage,
    redis,
    metrics: createMetrics(),
    collectors: () => ({ status: 'stopped', listeners: [] }),
    ...domain,
  });
  const m = (asn: number, ports: Array<{ exporter: string; if_index: number }>) => ({
    asn,
    ports,
    firstProduction: '2025-01-01',
    enrolled: true,
    macs: [`02:00:00:00:${(asn % 256).toString(16).padStart(2, '0')}:01`],
  });
  const doc = ixfDoc([
    m(A1, [{ exporter: E1, if_index: 1 }]),
    m(A2, [{ exporter: E2, if_index: 1 }]),
    m(LEARNED, []),
    m(NONE, []),
  ]);
  await domain.members.importRegistry(JSON.stringify(doc), {
    source: 'test',
    actor: 'test',
    effectiveAtMs: Date.UTC(2025, 0, 1),
  });
  const alive: unknown[] = [];
  const io: unknown[] = [];
  for (let i = 0; i < N; i++) {
    const bucket = (B.start + i * 300_000) / 1000;
    alive.push({ bucket, exporter: `::ffff:${E2}`, datagrams: 3 });
    if (!SILENT.has(i)) alive.push({ bucket, exporter: `::ffff:${E1}`, datagrams: 2 });
    // Traffic rows exist in every bucket, in E1's silent ones too (seen by E2): they are missing for A1, never counted.
    for (const asn of [A1, A2, LEARNED])
      io.push({
        asn,
        bucket,
        peer_asn: asn === A1 ? A2 : A1,
        ip_version: 4,
        in_bytes: String(bytesAt(asn, i)),
        out_bytes: String(bytesAt(asn + 7, i)),
        in_l3_bytes: 0,
        in_packets: 1,
        in_samples: 1,
        out_l3_bytes: 0,
        out_packets: 1,
        out_samples: 1,
      });
  }
  await insert('exporter_activity_5m', alive);
  await insert('member_io_5m', io);
  await insert('member_exporters_1d', [{ day: '2025-10-03', asn: LEARNED, exporter: `::ffff:${E2}`, flows: 10 }]);
  tok.admin = (await domain.tokens.create({ role: 'admin', asn: null, createdBy: 'test' })).token;
  tok.fin1 = (await domain.tokens.create({ role: 'finance', asn: null, createdBy: 'test' })).token;
  tok.fin2 = (await domain.tokens.create({ role: 'finance', asn: null, createdBy: 'test' })).token;
  tok.member = (await domain.tokens.create({ role: 'member', asn: A2, createdBy: 'test' })).token;
  for (const asn of [A1, A2, LEARNED, NONE]) await domain.statements.compute(asn, MONTH, 'scheduler', 'run-1');
}, 120_000);
afterAll(async () => {
  await app?.close();
  await redis?.close();
  await storage?.close();
  dir.cleanup();
});

type Doc = Record<string, unknown> & {
  version: number;
  status: string;
  coverage: number;
  valid_buckets: number;
  missing_buckets: number;
  expected_buckets: number;
  subsidy: { status: string };
  statement: Record<string, unknown>;
};
async function api(method: 'GET' | 'POST', url: string, who: keyof typeof tok, payload?: unknown) {
  const r = await app.inject({
    method,
    url: `/api/v1${url}`,
    headers: { authorization: `Bearer ${tok[who]}` },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  return { status: r.statusCode, body: r.json() as Record<string, unknown> & Doc };
}
const statement = async (asn: number, q = '') =>
  (await api('GET', `/members/${asn}/statements/${MONTH}${q}`, 'admin')).body;

/** Nearest rank: the ⌈0.95·n⌉-th smallest. */
function nearestRank(values: bigint[]): bigint {
  const s = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return s[Math.ceil(0.95 * s.length) - 1]!;
}

describe('per-member coverage', () => {
  it("a silent exporter makes its members' buckets missing (not zero); P95 over the valid ones; needs_review below min_coverage_pct", async () => {
    const a = await statement(A1);
    expect([a.expected_buckets, a.valid_buckets, a.missing_buckets]).toEqual([N, N - SILENT.size, SILENT.size]);
    expect(a.coverage).toBeCloseTo((N - SILENT.size) / N, 10);
    expect(a.subsidy.status).toBe('needs_review');
    expect(a.coverage_basis).toBe('registered_ports');
    const silent = a.silent_exporters as Array<{
      exporter: string;
      missing_buckets: number;
      intervals: Array<{ from: string; to: string; buckets: number }>;
    }>;
    expect(silent).toEqual([
      {
        exporter: E1,
        missing_buckets: 500,
        intervals_not_listed: 0,
        intervals: [{ from: expect.any(String), to: expect.any(String), buckets: 500 }],
      },
    ]);
    expect(Date.parse(silent[0]!.intervals[0]!.from)).toBe(B.start + 2000 * 300_000);
    const valid = Array.from({ length: N }, (_, i) => i).filter((i) => !SILENT.has(i));
    expect(a.statement.p95_in_bucket_bytes).toBe(String(nearestRank(valid.map((i) => bytesAt(A1, i)))));
    expect(a.in_bytes).toBe(String(valid.reduce((s, i) => s + bytesAt(A1, i), 0n)));
  });

  it('the members of the live exporter stay valid; learned and fallback bases', async () => {
    const b = await statement(A2);
    expect([b.valid_buckets, b.missing_buckets, b.coverage, b.subsidy.status]).toEqual([N, 0, 1, 'ok']);
    expect(b.statement.p95_in_bucket_bytes).toBe(
      String(nearestRank(Array.from({ length: N }, (_, i) => bytesAt(A2, i)))),
    );
    const l = await statement(LEARNED);
    expect([l.coverage_basis, l.coverage_exporters, l.missing_buckets]).toEqual(['learned', [E2], 0]);
    const n = await statement(NONE);
    expect([n.coverage_basis, n.missing_buckets]).toEqual(['any_exporter', 0]);
  });

  it('shows the coverage and the silent exporter in CSV, HTML, XLSX and PDF too', async () => {
    const get = (format: string, lang = 'en') =>
      app.inject({
        method: 'GET',
        url: `/api/v1/members/${A1}/statements/${MONTH}?format=${format}&lang=${lang}`,
        headers: { authorization: `Bearer ${tok.admin}` },
      });
    for (const format of ['csv', 'html']) {
      const r = await get(format);
      expect(r.statusCode).toBe(200);
      expect(r.body, format).toContain(E1);
      expect(r.body, format).toMatch(/missing_buckets|missing buckets/);
      expect(r.body, format).toMatch(/exporter silent: missing, not zero/);
    }
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await get('xlsx')).rawPayload as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet('Coverage')!;
    const cells = sheet.getSheetValues().flat().map(String);
    expect(cells).toContain(E1);
    expect(cells).toContain('500');
    const pdfDir = tempDir();
    try {
      writeFileSync(join(pdfDir.path, 's.pdf'), (await get('pdf', 'zh')).rawPayload);
      const txt = execFileSync('pdftotext', ['-enc', 'UTF-8', join(pdfDir.path, 's.pdf'), '-'], { encoding: 'utf8' });
      expect(txt).toContain(E1);
      expect(txt).toContain('缺失');
    } finally {
      pdfDir.cleanup();
    }
  });
});

describe('exclusions with four eyes', () => {
  const from = '2025-10-10T00:00:00+08:00';
  const to = '2025-10-10T06:00:00+08:00';
  let id = '';
  const count = async () =>
    ((await api('GET', `/exclusions?month=${MONTH}`, 'fin1')).body.exclusions as unknown[]).length;

  it('refuses bad input with a clear error and changes nothing', async () => {
    const before = await count();
    const bad: Array<[unknown, RegExp]> = [
      [{ asn: A2, from: to, to: from, reason: 'maintenance', note: '' }, /must be after/],
      [{ asn: A2, from, to: from, reason: 'maintenance', note: '' }, /must be after/],
      [
        { asn: A2, from: '2024-01-01T00:00:00Z', to: '2025-03-01T00:00:00Z', reason: 'maintenance', note: '' },
        /at most 400 days/,
      ],
      [{ asn: 65999, from, to, reason: 'maintenance', note: '' }, /unknown ASN 65999/],
      [{ asn: A2, from, to, reason: 'confirmed_attack', note: '' }, /reason/],
    ];
    for (const [body, msg] of bad) {
      const r = await api('POST', '/exclusions', 'fin1', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(String(r.body.message)).toMatch(msg);
    }
    expect(
      await api('POST', '/exclusions', 'member', { asn: A2, from, to, reason: 'maintenance', note: '' }),
    ).toMatchObject({ status: 403 });
    expect(await count()).toBe(before);
  });

  it('is proposed by one finance principal and approved by another, never by the proposer', async () => {
    const p = await api('POST', '/exclusions', 'fin1', {
      asn: A2,
      from,
      to,
      reason: 'maintenance',
      note: 'switch firmware upgrade',
    });
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ status: 'proposed', asn: A2 });
    id = String(p.body.id);
    const self = await api('POST', `/exclusions/${id}/approve`, 'fin1');
    expect([self.status, self.body.code]).toEqual([409, 'IXMETER_ERR_FOUR_EYES']);
    expect((await api('GET', `/exclusions?month=${MONTH}&asn=${A2}`, 'fin2')).body.exclusions).toMatchObject([
      { id, status: 'proposed' },
    ]);
    // not effective while proposed
    expect((await domain.statements.compute(A2, MONTH, 'scheduler', 'run-2')).changed).toBe(false);
    const ok = await api('POST', `/exclusions/${id}/approve`, 'fin2');
    expect(ok.body).toMatchObject({ id, status: 'approved' });
    expect((await api('POST', `/exclusions/${id}/approve`, 'admin')).status).toBe(409);
  });

  it('takes effect at the next run as a new version; the approved version stays as it was', async () => {
    const v1 = await statement(A2);
    expect(
      (await api('POST', `/members/${A2}/statements/${MONTH}/review`, 'fin1', { version: v1.version })).status,
    ).toBe(200);
    expect(
      (await api('POST', `/members/${A2}/statements/${MONTH}/approve`, 'fin2', { version: v1.version })).status,
    ).toBe(200);
    const r = await domain.statements.compute(A2, MONTH, 'scheduler', 'run-3');
    expect(r).toMatchObject({ changed: true, version: v1.version + 1 });
    const v2 = await statement(A2);
    const ex = (v2.statement.excluded_intervals as Array<Record<string, unknown>>).find((e) => e.ref === id)!;
    const idx = Array.from({ length: 72 }, (_, k) => (Date.parse(from) - B.start) / 300_000 + k);
    expect(ex).toMatchObject({
      reason: 'maintenance',
      buckets: 72,
      in_bytes: String(idx.reduce((s, i) => s + bytesAt(A2, i), 0n)),
    });
    expect(BigInt(String(v2.in_bytes))).toBe(BigInt(String(v1.in_bytes)) - BigInt(String(ex.in_bytes)));
    const old = await statement(A2, `?version=${v1.version}`);
    expect([old.status, old.in_bytes, old.inputs_hash]).toEqual(['approved', v1.in_bytes, v1.inputs_hash]);
  });

  it('a fabric-wide exclusion (asn null) reaches every member', async () => {
    const p = await api('POST', '/exclusions', 'admin', {
      asn: null,
      from: '2025-10-20T00:00:00+08:00',
      to: '2025-10-20T01:00:00+08:00',
      reason: 'data_fault',
      note: 'collector disk full',
    });
    await api('POST', `/exclusions/${String(p.body.id)}/approve`, 'fin1');
    for (const asn of [A1, LEARNED]) {
      await domain.statements.compute(asn, MONTH, 'scheduler', 'run-4');
      const s = await statement(asn);
      expect(
        (s.statement.excluded_intervals as Array<Record<string, unknown>>).some(
          (e) => e.ref === p.body.id && e.reason === 'data_fault',
        ),
        `AS${asn}`,
      ).toBe(true);
    }
  });
});

describe('disputes', () => {
  let first = '';
  it("a member disputes its own month (status disputed, approval blocked), never another member's", async () => {
    expect(
      (await api('POST', `/members/${A1}/statements/${MONTH}/disputes`, 'member', { note: 'not mine' })).status,
    ).toBe(403);
    const d = await api('POST', `/members/${A2}/statements/${MONTH}/disputes`, 'member', {
      note: 'our port was up on 10 October',
    });
    expect(d.body).toMatchObject({ status: 'open', asn: A2, month: MONTH });
    first = String(d.body.id);
    expect((await statement(A2)).status).toBe('disputed');
    expect((await api('POST', `/members/${A2}/statements/${MONTH}/disputes`, 'fin1', { note: 'again' })).status).toBe(
      409,
    );
    const blocked = await api('POST', `/members/${A2}/statements/${MONTH}/review`, 'fin1', { note: '' });
    expect([blocked.status, blocked.body.message]).toEqual([409, expect.stringMatching(/disputed/)]);
    const withWindow = (await api('GET', `/disputes?asn=${A2}&month=${MONTH}`, 'member')).body;
    expect(withWindow.window).toMatchObject({
      working_days: 14,
      open: true,
      last_day: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
    });
    const mine = (await api('GET', '/disputes', 'member')).body.disputes as Array<{ asn: number }>;
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((x) => x.asn === A2)).toBe(true);
    expect((await api('GET', `/disputes?asn=${A1}`, 'member')).status).toBe(403);
    expect((await api('POST', `/disputes/${first}/resolve`, 'member', { outcome: 'rejected', note: 'x' })).status).toBe(
      403,
    );
  });

  it('rejected needs a note; then the status is back', async () => {
    const noNote = await api('POST', `/disputes/${first}/resolve`, 'fin1', { outcome: 'rejected' });
    expect(noNote.status).toBe(400);
    expect((await api('GET', '/disputes?status=open', 'fin1')).body.disputes).toMatchObject([{ id: first }]);
    const r = await api('POST', `/disputes/${first}/resolve`, 'fin1', {
      outcome: 'rejected',
      note: 'E2 data complete on 10 October',
    });
    expect(r.body).toMatchObject({
      status: 'rejected',
      resolution_note: 'E2 data complete on 10 October',
      new_version: null,
    });
    expect((await statement(A2)).status).toBe('draft');
  });

  it('upheld recomputes: a new version; the old stays readable', async () => {
    const before = await statement(A2);
    const d = await api('POST', `/members/${A2}/statements/${MONTH}/disputes`, 'fin2', {
      note: 'on behalf of AS64501: peer names wrong',
    });
    const r = await api('POST', `/disputes/${String(d.body.id)}/resolve`, 'fin1', {
      outcome: 'upheld',
      note: 'recomputed',
    });
    expect(r.body).toMatchObject({ status: 'upheld', new_version: before.version + 1 });
    const after = await statement(A2);
    expect([after.version, after.status, after.disputes_upheld]).toEqual([before.version + 1, 'draft', [d.body.id]]);
    expect((await statement(A2, `?version=${before.version}`)).version).toBe(before.version);
    expect((await domain.statements.compute(A2, MONTH, 'scheduler', 'run-5')).changed).toBe(false);
  });

  it('refuses a dispute after the window (14 working days after issue)', async () => {
    await expect(
      domain.disputes.raise(A1, MONTH, 'late', 'x', 'finance', Date.now() + 40 * 86_400_000),
    ).rejects.toMatchObject({ code: 'IXMETER_ERR_DISPUTE_WINDOW_CLOSED' });
  });

  it('audits every step', async () => {
    await domain.audit.flush();
    const entries = (await api('GET', '/audit?limit=1000', 'admin')).body.entries as Array<{
      action: string;
      outcome: string;
    }>;
    const seen = new Set(entries.map((e) => `${e.action}:${e.outcome}`));
    for (const k of [
      'exclusion.propose:ok',
      'exclusion.approve:ok',
      'exclusion.approve:denied',
      'dispute.raise:ok',
      'dispute.rejected:ok',
      'dispute.upheld:ok',
    ])
      expect(seen, k).toContain(k);
  });
});
