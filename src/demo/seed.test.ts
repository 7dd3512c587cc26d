/**
 * Seeding goes through the collector's path (encode → decodeDatagram → Attributor → RowBinary →
 * clickHouseInsert) into real embedded storage: the 5-minute member rollup holds exactly the
 * generator's totals per member pair, scaled by the announced 1:1000, and a re-run is detectable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMembersRepository } from '../members/members.repository.js';
import { createMembersService } from '../members/members.service.js';
import { openMigratedStorage } from '../runtime/storage-setup.js';
import type { Storage } from '../storage/clickhouse/client.js';
import { NO_SAMPLING_POLICY } from '../../collectors/decoders/types.js';
import { silentLog, tempDir, testConfig } from '../../tests/helpers/env.js';
import { buildFabric, ixfDocument, prng, trafficPairs } from './fabric.js';
import { seededFlows, seedHistory } from './seed.js';
import { BUCKET_MS, historyBucket, NETFLOW_SAMPLING } from './traffic.js';

const dir = tempDir('ixmeter-demo-seed-');
let storage: Storage;
beforeAll(async () => {
  storage = (await openMigratedStorage(testConfig(dir.path), silentLog)).storage;
});
afterAll(async () => {
  await storage?.close();
  dir.cleanup();
});

describe('seedHistory', () => {
  it('stores exactly the generated totals per member pair in member_traffic_5m, attributed by (VLAN, MAC)', async () => {
    const f = buildFabric(5, Date.UTC(2026, 10, 26, 9), 'Asia/Shanghai');
    const pairs = trafficPairs(f);
    const members = createMembersService(createMembersRepository(storage.client));
    await members.importRegistry(JSON.stringify(ixfDocument(f, false)), {
      source: 't',
      actor: 't',
      effectiveAtMs: f.monthStartMs - 86_400_000,
    });
    await members.importRegistry(JSON.stringify(ixfDocument(f, true)), {
      source: 't',
      actor: 't',
      effectiveAtMs: f.late.joinsAtMs,
    });
    // One day around the newcomer's join: before it, it has no traffic and no keys.
    const fromMs = f.late.joinsAtMs - 12 * 3_600_000;
    const toMs = f.late.joinsAtMs + 12 * 3_600_000;
    expect(await seededFlows(storage.client, fromMs, toMs)).toBe(0);
    const res = await seedHistory({
      client: storage.client,
      mode: storage.mode,
      fabric: f,
      pairs,
      assignments: await members.assignments(0),
      sampling: NO_SAMPLING_POLICY,
      fromMs,
      toMs,
      batchRows: 5000,
    });
    expect(res.decodeErrors).toBe(0);
    expect(res.buckets).toBe(288);

    // The generator again, same seed: the exact truth.
    const r = prng(0xde30 ^ Math.floor(fromMs / 86_400_000));
    const truth = new Map<string, { packets: number; l3: number; bytes: number }>();
    for (let b = fromMs; b + BUCKET_MS <= toMs; b += BUCKET_MS) {
      for (const w of Object.values(historyBucket(f, pairs, b, r)).flat()) {
        const src = f.members.find((m) => m.mac === w.srcMac)!.asn;
        const dst = f.members.find((m) => m.mac === w.dstMac)!.asn;
        const k = `${src}>${dst}`;
        const t = truth.get(k) ?? { packets: 0, l3: 0, bytes: 0 };
        t.packets += w.packets * NETFLOW_SAMPLING;
        t.l3 += w.octets * NETFLOW_SAMPLING;
        t.bytes += (w.octets + 22 * w.packets) * NETFLOW_SAMPLING;
        truth.set(k, t);
      }
    }
    const rows = await (
      await storage.client.query({
        query: `SELECT src_asn, dst_asn, toString(sum(packets)) AS p, toString(sum(l3_bytes)) AS l, toString(sum(bytes)) AS b FROM member_traffic_5m
              WHERE bucket >= toDateTime({f:UInt32}, 'UTC') AND bucket < toDateTime({t:UInt32}, 'UTC') GROUP BY src_asn, dst_asn`,
        query_params: { f: Math.floor(fromMs / 1000), t: Math.floor(toMs / 1000) },
        format: 'JSONEachRow',
      })
    ).json<{ src_asn: number; dst_asn: number; p: string; l: string; b: string }>();
    const got = new Map(
      rows.map((x) => [`${x.src_asn}>${x.dst_asn}`, { packets: Number(x.p), l3: Number(x.l), bytes: Number(x.b) }]),
    );
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(truth));
    expect([...got.keys()].some((k) => k.startsWith(`${f.late.asn}>`))).toBe(true);
    expect(await seededFlows(storage.client, fromMs, toMs)).toBe(res.flows);
  }, 120_000);
});
