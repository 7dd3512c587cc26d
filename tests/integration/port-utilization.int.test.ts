/**
 * PORT_UTILIZATION per port and per member, opened and ended by the minute job's scan, against real embedded
 * ClickHouse (chDB). Counters go into port_counters_5m (cumulative octets at each bucket), flows into
 * member_traffic_5m (the views carry them to member_io_5m). Threshold 80 %, 3 buckets. Members:
 * - AS65201, two declared 10 Mbit/s ports (speed_mbps; the counters report 1 Gbit/s): port 1 hot (90 %), port 2
 *   at 30 %; its flows at 90 % of the member's 20 Mbit/s: only port 1 alerts, no member-level alert;
 * - AS65202, one port without a declared speed (counters report 10 Mbit/s) at 85 %, then no more counters;
 * - AS65203, no ports, 10 Mbit/s (IX-F): per member from flows, 90 % then 10 %;
 * - AS65204, a declared port that sends no counters: per member (capacity = its speed_mbps).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/roles.js';
import { createDomainServices, type DomainServices } from '../../src/runtime/domain-services.js';
import { openMigratedStorage } from '../../src/runtime/storage-setup.js';
import type { Storage } from '../../src/storage/clickhouse/client.js';
import { ixfDoc } from '../helpers/ixf.js';
import { silentLog, tempDir, testConfig } from '../helpers/env.js';

const dir = tempDir();
let storage: Storage;
let domain: DomainServices;

const B = 300;
const T0 = Math.floor(Date.now() / 1000 / B) * B - 40 * B; // bucket 0 (3 h 20 min ago)
const at = (k: number) => T0 + k * B; // start of bucket k (s)
const scanAfter = (k: number) => domain.utilization.scan(domain.alerts, (at(k + 1) + 10) * 1000); // buckets k-2..k complete
const bytesAt = (pct: number, capBps = 10e6) => Math.round(((pct / 100) * capBps * B) / 8);
const EXP = '192.0.2.20';
const admin: Principal = { tokenId: 't', name: 't', role: 'admin', asn: null };

/** Per-bucket shares (%) of buckets 1..12 for each port with counters, against 10 Mbit/s. */
const HOT = [90, 90, 90, 95, 70, 90, 50, 50, 50, 50, 50, 50];
const COLD = Array(12).fill(30) as number[];
const SINGLE = [85, 85, 85]; // AS65202's port: counters stop after bucket 3

function counters(ifIndex: number, shares: number[], speed: number) {
  let octets = 1e9;
  return [0, ...shares].map((p, k) => {
    octets += k === 0 ? 0 : bytesAt(p);
    return {
      bucket: at(k),
      exporter: `::ffff:${EXP}`,
      if_index: ifIndex,
      in_octets: octets,
      out_octets: 1000 + k,
      in_pkts: 0,
      out_pkts: 0,
      if_speed: speed,
      samples: 1,
    };
  });
}

async function alertsOf(target: string) {
  return (await domain.alerts.list({ type: 'PORT_UTILIZATION', limit: 100, offset: 0 }, admin)).filter(
    (a) => a.target === target,
  );
}

beforeAll(async () => {
  const config = testConfig(join(dir.path, 'd'), {
    IXMETER_UTILIZATION_BUCKETS: '3',
    IXMETER_UTILIZATION_THRESHOLD_PCT: '80',
  });
  ({ storage } = await openMigratedStorage(config, silentLog));
  domain = createDomainServices(storage, config, silentLog);
  const doc = ixfDoc([
    {
      asn: 65201,
      name: 'Two Ports Ltd',
      ports: [
        { exporter: EXP, if_index: 1, speed_mbps: 10 },
        { exporter: EXP, if_index: 2, speed_mbps: 10 },
      ],
    },
    { asn: 65202, name: 'One Port Ltd', ports: [{ exporter: EXP, if_index: 3 }] },
    { asn: 65203, name: 'No Ports Ltd' },
    { asn: 65204, name: 'Silent Port Ltd', ports: [{ exporter: EXP, if_index: 4, speed_mbps: 10 }] },
  ]);
  for (const m of doc.member_list as Array<Record<string, any>>)
    m.connection_list[0].if_list[0].if_speed = m.asnum === 65203 || m.asnum === 65202 ? 10 : 0;
  await domain.members.importRegistry(JSON.stringify(doc), {
    source: 'test',
    actor: 'test',
    effectiveAtMs: Date.UTC(2020, 0, 1),
  });
  await storage.client.insert({
    table: 'port_counters_5m',
    format: 'JSONEachRow',
    values: [...counters(1, HOT, 1e9), ...counters(2, COLD, 1e9), ...counters(3, SINGLE, 10e6)],
  });
  const flows: Array<Record<string, number>> = [];
  const add = (k: number, src: number, bytes: number) =>
    flows.push({ bucket: at(k), src_asn: src, dst_asn: 0, ip_version: 4, bytes, l3_bytes: 1, packets: 1, samples: 1 });
  for (let k = 1; k <= 12; k++) {
    add(k, 65201, bytesAt(90, 20e6));
    add(k, 65202, bytesAt(95));
    add(k, 65203, bytesAt(k <= 3 ? 90 : 10));
    add(k, 65204, bytesAt(k <= 3 ? 85 : 10));
  }
  await storage.client.insert({ table: 'member_traffic_5m', values: flows, format: 'JSONEachRow' });
}, 60_000);
afterAll(async () => {
  await storage?.close();
  dir.cleanup();
});

describe('PORT_UTILIZATION per port where counters give the ports, else per member', () => {
  it('opens one alert per hot port (the member as victim), per member only for members without port counters', async () => {
    const r = await scanAfter(3);
    expect(r.candidates).toBe(4);
    const open = await domain.alerts.list({ type: 'PORT_UTILIZATION', limit: 100, offset: 0 }, admin);
    expect(open.map((a) => a.target).sort()).toEqual([`${EXP}|1`, `${EXP}|3`, 'AS65203 port', 'AS65204 port']);
    const hot = open.find((a) => a.target === `${EXP}|1`)!;
    expect(hot).toMatchObject({
      severity: 'warning',
      status: 'open',
      victim_asn: 65201,
      source_asn: null,
      first_seen: new Date(at(1) * 1000).toISOString(),
    });
    expect(hot.evidence).toMatchObject({
      thresholds: { thresholdPct: 80, buckets: 3 },
      metrics: { capacityBps: 10e6, lastPct: 90, minPct: 90 },
      details: {
        category: 'capacity',
        scope: 'port',
        member: 'Two Ports Ltd',
        asn: 65201,
        port: `${EXP}|1`,
        exporter: EXP,
        if_index: 1,
        capacity_source: 'member_file',
        rate_source: 'interface counters',
      },
    });
    expect((hot.evidence.metrics as { lastBps: number }).lastBps).toBeCloseTo(9e6, -3);
    // The single port without a declared speed: the speed its counters report; its member-level 95 % is not alerted twice.
    const single = open.find((a) => a.target === `${EXP}|3`)!;
    expect(single.evidence).toMatchObject({
      details: { capacity_source: 'counters', asn: 65202 },
      metrics: { capacityBps: 10e6, lastPct: 85 },
    });
    expect(open.find((a) => a.target === 'AS65204 port')!.evidence).toMatchObject({
      details: { scope: 'member', rate_source: 'flows' },
      metrics: { capacityBps: 10e6 },
    });
    // The member sees its own port's warning, not another member's.
    const member: Principal = { tokenId: 'm', name: 'm', role: 'member', asn: 65201 };
    expect(
      (await domain.alerts.list({ type: 'PORT_UTILIZATION', limit: 10, offset: 0 }, member)).map((a) => a.target),
    ).toEqual([`${EXP}|1`]);
  });

  it('the utilisation view: each port against its declared speed (not the 1 Gbit/s the counters report)', async () => {
    const v = await domain.utilization.view(at(1) * 1000, at(4) * 1000, 65201);
    expect(v.members[0]!.ports.map((p) => [p.if_index, p.capacity_bps, p.peak_pct, p.over_threshold])).toEqual([
      [1, 10e6, 90, true],
      [2, 10e6, 30, false],
    ]);
  });

  it('an alert is updated while the condition lasts (no duplicate), and stays open while not below in every bucket', async () => {
    for (const k of [4, 5, 6, 7, 8]) await scanAfter(k);
    const hot = await alertsOf(`${EXP}|1`);
    expect(hot.map((a) => a.status)).toEqual(['open']);
    expect(hot[0]!.last_seen).toBe(new Date(at(5) * 1000).toISOString()); // the last update: buckets 2–4
    expect(await alertsOf(`${EXP}|2`)).toEqual([]);
  });

  it('ends (resolved by the detector) once below the threshold in each of the last 3 buckets, and stays closed', async () => {
    const r = await scanAfter(9); // buckets 7–9 at 50 %
    expect(r.ended).toBeGreaterThanOrEqual(1);
    const [hot] = await alertsOf(`${EXP}|1`);
    expect(hot).toMatchObject({ status: 'resolved', last_seen: new Date(at(7) * 1000).toISOString() });
    expect(hot!.evidence).toMatchObject({ endedBelowPct: 50 });
    const full = await domain.alerts.get(hot!.id, admin);
    expect(full.history.map((h) => [h.event, h.actor])).toEqual([
      ['opened', 'detector'],
      ['updated', 'detector'],
      ['resolved', 'detector'],
    ]);
    for (const k of [10, 11, 12]) await scanAfter(k);
    expect((await alertsOf(`${EXP}|1`)).map((a) => a.status)).toEqual(['resolved']);
    // Per member the same: AS65203 and AS65204 went to 10 % from bucket 4, so they ended at its start.
    for (const t of ['AS65203 port', 'AS65204 port'])
      expect(await alertsOf(t)).toEqual([
        expect.objectContaining({ status: 'resolved', last_seen: new Date(at(4) * 1000).toISOString() }),
      ]);
  });

  it('a port whose counters stopped is not ended (its rate is unknown); its member falls back to the member level', async () => {
    expect((await alertsOf(`${EXP}|3`)).map((a) => a.status)).toEqual(['open']);
    // AS65202's flows (95 % of 10 Mbit/s) without port counters: the member-level rule applies again.
    expect((await alertsOf('AS65202 port')).map((a) => a.status)).toEqual(['open']);
  });
});
