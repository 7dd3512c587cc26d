/**
 * Monthly statements end to end on the running service: a month of 5-minute traffic in the rollup, a
 * run through BullMQ with progress, P95/peak/average checked against an independent computation, the
 * subsidy under a registered policy, the four-eyes workflow, immutability, and idempotent re-runs.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOW_COLUMNS } from '../../collectors/pipeline/rows.js';
import { tempDir } from '../helpers/env.js';
import { startTestService, waitFor, type TestService } from '../helpers/in-process.js';
import { ixfDoc } from '../helpers/ixf.js';

const dir = tempDir();
let t: TestService;
const call = async (method: string, path: string, body?: unknown, token = t.admin, type = 'application/json') => {
  const r = await fetch(`${t.svc.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': type } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};

const MONTH = '2026-10';
const START = Date.UTC(2026, 8, 30, 16) / 1000; // 2026-10-01T00:00:00+08:00
const N = 31 * 288;
const inBytes = (k: number) => 1_000_000_000 * (((k * 37) % 1000) + 1);
const outBytes = (k: number) => 500_000_000 * (((k * 53) % 1000) + 1);

function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length - Math.floor(sorted.length * 0.05) - 1]!;
}

beforeAll(async () => {
  t = await startTestService(dir.path);
  await call(
    'POST',
    '/members/import',
    ixfDoc([
      { asn: 64500, macs: ['02:00:00:00:00:01'], firstProduction: '2026-01-15', enrolled: true },
      { asn: 64501, macs: ['02:00:00:00:00:02'] },
    ]),
  );
  const cols = FLOW_COLUMNS.filter((c) =>
    [
      'received_at',
      'protocol',
      'exporter',
      'src_addr',
      'dst_addr',
      'packets',
      'l3_octets',
      'frame_octets',
      'sampling_rate',
      'sampling_source',
      'src_asn',
      'dst_asn',
      'src_attr',
      'dst_attr',
    ].includes(c),
  );
  const gen = (asnA: number, asnB: number, expr: string) => `INSERT INTO flows_raw (${cols.join(', ')})
    SELECT toDateTime64(${START} + number * 300 + 7, 3, 'UTC'), 'ipfix', toIPv6('::ffff:192.0.2.1'), toIPv6('::'), toIPv6('::'), 1, b - 18, b, 1, 'record', ${asnA}, ${asnB}, 'mac', 'mac'
    FROM (SELECT number, ${expr} AS b FROM numbers(${N}))`;
  await t.svc.storage.client.command({ query: gen(64500, 64501, '1000000000 * (((number * 37) % 1000) + 1)') });
  await t.svc.storage.client.command({ query: gen(64501, 64500, '500000000 * (((number * 53) % 1000) + 1)') });
  const policy = readFileSync('policies/example-policy.yaml', 'utf8')
    .replace('policy_id: EXAMPLE-ZW-TRAFFIC-2022', 'policy_id: TEST-EXAMPLE-2026')
    .replace('effective_from: "2022-07-01"', 'effective_from: "2026-01-01"')
    .replace('effective_to: "2025-12-31"', 'effective_to: null');
  const added = await call('POST', '/policies', policy, t.admin, 'application/yaml');
  expect(added.body).toMatchObject({ policy_id: 'TEST-EXAMPLE-2026', version: 1 });
});
afterAll(async () => {
  await t?.svc.stop();
  dir.cleanup();
});

async function run(): Promise<Record<string, unknown>> {
  const r = await call('POST', `/statements/${MONTH}/run`);
  expect(r.status).toBe(202);
  const id = String(r.body.job_id);
  let job: Record<string, unknown> = {};
  await waitFor(
    async () => ((job = (await call('GET', `/jobs/${id}`)).body), job.state === 'completed'),
    60_000,
    'the run to complete',
  );
  return job;
}

describe('monthly statements', () => {
  it('computes the month through BullMQ and matches an independent P95, peak and average', async () => {
    const job = await run();
    expect(job.progress).toEqual({ done: 2, total: 2, percent: 100 });
    const s = await call('GET', `/members/64500/statements/${MONTH}`);
    expect(s.status).toBe(200);
    const ins = Array.from({ length: N }, (_, k) => inBytes(k));
    const outs = Array.from({ length: N }, (_, k) => outBytes(k));
    const bps = (b: number) => (b * 8) / 300;
    expect(s.body.in_bytes).toBe(String(ins.reduce((a, b) => a + b, 0)));
    expect(s.body.out_bytes).toBe(String(outs.reduce((a, b) => a + b, 0)));
    expect(s.body.p95_in_bps).toBeCloseTo(bps(p95(ins)), 3);
    expect(s.body.p95_out_bps).toBeCloseTo(bps(p95(outs)), 3);
    expect(s.body.peak_in_bps).toBeCloseTo(bps(Math.max(...ins)), 3);
    expect(s.body.billable_bps).toBe(Math.round(Math.max(bps(p95(ins)), bps(p95(outs)))));
    expect(s.body.coverage).toBe(1);
    expect(s.body.percentile_method).toBe('MAX_DIRECTION');
    const sub = s.body.subsidy as {
      amount_cny: string;
      lines: Array<{ amount: string }>;
      policy: { id: string; official: boolean };
    };
    expect(sub.policy).toMatchObject({ id: 'TEST-EXAMPLE-2026', official: false });
    const fen = sub.lines.reduce((a, l) => a + BigInt(l.amount.replace('.', '')), 0n);
    expect(fen.toString()).toBe(sub.amount_cny.replace('.', ''));
    expect(Number(sub.amount_cny)).toBeGreaterThan(0);
    expect(s.body.status).toBe('draft');
  });

  it('runs the four-eyes workflow and keeps approved versions immutable', async () => {
    const a = String((await call('POST', '/tokens', { role: 'finance', name: 'preparer' })).body.token);
    const b = String((await call('POST', '/tokens', { role: 'finance', name: 'approver' })).body.token);
    expect(
      (await call('POST', `/members/64500/statements/${MONTH}/review`, { note: 'checked' }, a)).body,
    ).toMatchObject({ status: 'reviewed' });
    const self = await call('POST', `/members/64500/statements/${MONTH}/approve`, { note: '' }, a);
    expect(self.body).toMatchObject({ statusCode: 403, code: 'IXMETER_ERR_FORBIDDEN' });
    expect((await call('POST', `/members/64500/statements/${MONTH}/approve`, { note: 'ok' }, b)).body).toMatchObject({
      status: 'approved',
      version: 1,
    });
    const again = await call('POST', `/members/64500/statements/${MONTH}/review`, {}, a);
    expect(again.body).toMatchObject({ statusCode: 409, code: 'IXMETER_ERR_CONFLICT' });
    const member = String((await call('POST', '/tokens', { role: 'member', asn: 64501 })).body.token);
    expect((await call('POST', `/members/64500/statements/${MONTH}/review`, {}, member)).status).toBe(403);
    expect((await call('GET', `/members/64500/statements/${MONTH}`, undefined, member)).status).toBe(403);
    expect((await call('GET', `/members/64501/statements/${MONTH}`, undefined, member)).status).toBe(200);
  });

  it('re-running with unchanged inputs keeps the version; changed inputs add one and keep the old', async () => {
    await run();
    const s = await call('GET', `/members/64500/statements/${MONTH}`);
    expect(s.body).toMatchObject({ version: 1, status: 'approved' });
    await t.svc.storage.client.command({
      query: `INSERT INTO flows_raw (received_at, protocol, exporter, src_addr, dst_addr, packets, l3_octets, frame_octets, sampling_rate, sampling_source, src_asn, dst_asn, src_attr, dst_attr)
      VALUES (toDateTime64(${START + 3600}, 3, 'UTC'), 'ipfix', toIPv6('::ffff:192.0.2.1'), toIPv6('::'), toIPv6('::'), 1, 982, 1000, 1, 'record', 64500, 64501, 'mac', 'mac')`,
    });
    await run();
    const v2 = await call('GET', `/members/64500/statements/${MONTH}`);
    expect(v2.body).toMatchObject({ version: 2, status: 'draft' });
    const v1 = await call('GET', `/members/64500/statements/${MONTH}?version=1`);
    expect(v1.body).toMatchObject({ version: 1, status: 'approved' });
    expect(BigInt(String(v2.body.in_bytes)) - BigInt(String(v1.body.in_bytes))).toBe(1000n);
    const period = await call('GET', `/statements/${MONTH}`);
    expect(
      (period.body.statements as Array<{ asn: number; version: number; status: string }>).map((r) => [
        r.asn,
        r.version,
        r.status,
      ]),
    ).toEqual([
      [64500, 2, 'draft'],
      [64501, 2, 'draft'],
    ]); // AS64501 received the late 1000 octets
  });
});
