/**
 * Member attribution end to end on the live collector: MACs (VLAN-aware), a MAC moved to another member
 * by a later import (earlier traffic stays with the old member), an unowned MAC (unknown, never dropped),
 * NetFlow v5 attributed through the port mapping; read back through the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dataSet,
  record,
  templateSet,
  v5Packet,
  v9Packet,
  type FieldSpec,
} from '../../collectors/decoders/netflow/testing/encode.js';
import { tempDir } from '../helpers/env.js';
import { queryOne, sendDatagrams, startTestService, waitFor, type TestService } from '../helpers/in-process.js';
import { ixfDoc } from '../helpers/ixf.js';

const dir = tempDir();
let t: TestService;
const api = async (method: string, path: string, body?: unknown, token = t.admin) => {
  const r = await fetch(`${t.svc.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};

const FIELDS: FieldSpec[] = [
  { id: 8, len: 4 },
  { id: 12, len: 4 },
  { id: 2, len: 4 },
  { id: 1, len: 4 },
  { id: 56, len: 6 },
  { id: 80, len: 6 },
  { id: 58, len: 2 },
  { id: 34, len: 4 },
];
let seq = 0;
const flow = (src: string, dst: string, vlan: number, octets: number) =>
  record(FIELDS, ['10.0.0.1', '10.0.0.2', 1, octets, src, dst, vlan, 1]);
const v9 = (recs: Uint8Array[]) => v9Packet({ sourceId: 1, seq: seq++ }, [dataSet(256, recs)]);

const A = '02:00:00:00:00:0a',
  B = '02:00:00:00:00:0b',
  C = '02:00:00:00:00:0c',
  STRANGER = '02:00:00:00:00:ff';
const members = (cOwner: number) =>
  ixfDoc([
    { asn: 64500, macs: [A], vlan: 10 },
    { asn: 64501, macs: [B], vlan: 10, ports: [{ exporter: '127.0.0.7', if_index: 21 }] },
    { asn: cOwner, macs: [C], vlan: 10, ports: [{ exporter: '127.0.0.7', if_index: 22 }] },
    ...(cOwner === 64502 ? [{ asn: 64503 }] : [{ asn: 64502 }]),
  ]);

beforeAll(async () => {
  t = await startTestService(dir.path);
});
afterAll(async () => {
  await t?.svc.stop();
  dir.cleanup();
});

async function rollupSum(src: number, dst: number): Promise<number> {
  const r = await queryOne<{ b: string }>(
    t.svc,
    'SELECT toString(sum(bytes)) AS b FROM member_traffic_5m WHERE src_asn = {s:UInt32} AND dst_asn = {d:UInt32}',
    { s: src, d: dst },
  );
  return Number(r.b);
}

describe('attribution', () => {
  it('imports members and attributes by MAC, including unknown traffic', async () => {
    const imp = await api('POST', '/members/import', members(64502));
    expect(imp.status).toBe(200);
    expect(imp.body).toMatchObject({ members: 4, opened: expect.any(Number), closed: 0 });
    await new Promise((r) => setTimeout(r, 300)); // the collector reloads its keys
    await sendDatagrams(
      t.port,
      [v9Packet({ sourceId: 1, seq: seq++ }, [templateSet(9, [{ id: 256, fields: FIELDS }])])],
      { from: '127.0.0.6' },
    );
    await sendDatagrams(
      t.port,
      [v9([flow(A, B, 10, 1000), flow(B, A, 10, 500), flow(C, A, 0, 200), flow(STRANGER, A, 10, 300)])],
      { from: '127.0.0.6' },
    );
    await waitFor(async () => (await rollupSum(0, 64500)) > 0, 10_000, 'unknown traffic in the rollup');
    expect(await rollupSum(64500, 64501)).toBe(1000 + 22);
    expect(await rollupSum(64501, 64500)).toBe(500 + 22);
    expect(await rollupSum(64502, 64500)).toBe(200 + 18); // untagged flow: matched by MAC on any VLAN
    expect(await rollupSum(0, 64500)).toBe(300 + 22);
    const m = await api('GET', '/traffic/matrix?from=2026-01-01T00:00:00%2B08:00');
    expect(
      (m.body.rows as Array<{ src_asn: number | null; dst_asn: number | null; bytes: string }>).find(
        (r) => r.src_asn === null,
      ),
    ).toMatchObject({ dst_asn: 64500, bytes: '322' });
  });

  it('a MAC moved to another member keeps its earlier traffic with the old member', async () => {
    const imp = await api('POST', '/members/import', members(64503));
    expect(imp.body).toMatchObject({ closed: expect.any(Number), opened: expect.any(Number) });
    expect(Number(imp.body.closed)).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 300));
    await sendDatagrams(t.port, [v9([flow(C, B, 10, 4000)])], { from: '127.0.0.6' });
    await waitFor(async () => (await rollupSum(64503, 64501)) > 0, 10_000, 'traffic of the new owner');
    expect(await rollupSum(64503, 64501)).toBe(4000 + 22);
    expect(await rollupSum(64502, 64500)).toBe(200 + 18);
    const members1 = await api('GET', '/members');
    expect((members1.body.members as Array<{ asn: number }>).map((m) => m.asn).sort()).toEqual([
      64500, 64501, 64502, 64503,
    ]);
  });

  it('attributes NetFlow v5 (no MACs) through the port mapping', async () => {
    const pkt = v5Packet({ seq: 0 }, [
      { src: '10.1.0.1', dst: '10.2.0.1', inIf: 21, outIf: 22, packets: 2, octets: 3000 },
    ]);
    await sendDatagrams(t.port, [pkt], { from: '127.0.0.7' });
    await waitFor(async () => (await rollupSum(64501, 64503)) > 0, 10_000, 'v5 traffic attributed');
    expect(await rollupSum(64501, 64503)).toBe(3000 + 2 * 18);
    const tr = await api(
      'GET',
      `/members/64501/traffic?from=${encodeURIComponent(new Date(Date.now() - 3600_000).toISOString())}&step=300`,
    );
    expect(tr.status).toBe(200);
    expect(Number(tr.body.in_bytes)).toBe(500 + 22 + 3000 + 36);
    expect(Number(tr.body.out_bytes)).toBe(1022 + 4022);
    const series = tr.body.series as Array<{ ts: string; in_bps: number; out_bps: number }>;
    expect(series.length).toBeGreaterThanOrEqual(12);
    expect(series[0]!.ts).toMatch(/\+08:00$/);
    expect((series.reduce((a, p) => a + p.in_bps, 0) * 300) / 8).toBeCloseTo(500 + 22 + 3000 + 36, 6);
  });

  it('refuses a bad file and changes nothing; a member token sees only itself', async () => {
    const bad = await api(
      'POST',
      '/members/import',
      ixfDoc([
        { asn: 64500, macs: [A] },
        { asn: 64510, macs: [A] },
      ]),
    );
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      code: 'IXMETER_ERR_MEMBERS_INVALID',
      message: expect.stringContaining('already assigned to AS64500'),
    });
    const tok = await api('POST', '/tokens', { role: 'member', asn: 64500 });
    const member = String(tok.body.token);
    expect((await api('GET', '/members/64501/traffic', undefined, member)).status).toBe(403);
    expect((await api('GET', '/members/64500/traffic', undefined, member)).status).toBe(200);
    const list = await api('GET', '/members', undefined, member);
    expect((list.body.members as Array<{ asn: number }>).map((m) => m.asn)).toEqual([64500]);
    const mx = await api('GET', '/traffic/matrix?from=2026-01-01T00:00:00%2B08:00', undefined, member);
    for (const r of mx.body.rows as Array<{ src_asn: number | null; dst_asn: number | null }>)
      expect([r.src_asn, r.dst_asn]).toContain(64500);
  });
});
