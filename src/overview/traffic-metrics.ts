/**
 * Prometheus gauges of member traffic for existing Grafana set-ups (on /metrics, read when scraped):
 *   ixmeter_traffic_member_bits_per_second{asn, direction="in"|"out"}   the last complete 5-minute bucket
 *   ixmeter_traffic_fabric_bits_per_second{ip_version="4"|"6"|"all"}      the fabric total, same bucket
 * Bounded label set: `asn` is one of the IXMETER_METRICS_TOP_MEMBERS members with the largest rate in that
 * bucket (in + out), or "other" (the rest summed), or "unknown" (ASN 0, not attributable). Series of a member
 * that drops out of the top N disappear (Prometheus marks them stale). The read is cached for 30 s.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { Gauge, type Registry } from 'prom-client';
import { compactRows } from '../storage/clickhouse/compact.js';

const BUCKET_S = 300;
const CACHE_MS = 30_000;

export interface TrafficSnapshot {
  members: Array<{ asn: string; in: number; out: number }>;
  fabric: { v4: number; v6: number; all: number };
}

/** Top-N members by rate, the rest as "other", ASN 0 as "unknown"; rates in bit/s. */
export function topMembers(rows: Array<[number, number, number]>, topN: number): TrafficSnapshot['members'] {
  const known = rows.filter((r) => r[0] !== 0).sort((a, b) => b[1] + b[2] - (a[1] + a[2]) || a[0] - b[0]);
  const out = known.slice(0, topN).map(([asn, i, o]) => ({ asn: String(asn), in: i, out: o }));
  const rest = known.slice(topN);
  if (rest.length)
    out.push({ asn: 'other', in: rest.reduce((s, r) => s + r[1], 0), out: rest.reduce((s, r) => s + r[2], 0) });
  const unknown = rows.find((r) => r[0] === 0);
  if (unknown) out.push({ asn: 'unknown', in: unknown[1], out: unknown[2] });
  return out;
}

export function registerTrafficGauges(
  registry: Registry,
  client: ClickHouseClient,
  topN: number,
  now: () => number = Date.now,
): void {
  if (registry.getSingleMetric('ixmeter_traffic_member_bits_per_second')) return;
  let cached: { at: number; snap: Promise<TrafficSnapshot> } | null = null;
  const read = async (): Promise<TrafficSnapshot> => {
    const bucket = Math.floor(now() / 1000 / BUCKET_S) * BUCKET_S - BUCKET_S;
    const rows = await compactRows<[number, number, number]>(
      client,
      `SELECT asn, sum(in_bytes) * 8 / 300, sum(out_bytes) * 8 / 300 FROM member_io_5m WHERE bucket = toDateTime({b:UInt32}, 'UTC') GROUP BY asn`,
      { b: bucket },
    );
    const [f] = await compactRows<[number, number, number]>(
      client,
      `SELECT sumIf(bytes, ip_version = 4) * 8 / 300, sumIf(bytes, ip_version = 6) * 8 / 300, sum(bytes) * 8 / 300 FROM fabric_traffic_5m WHERE bucket = toDateTime({b:UInt32}, 'UTC')`,
      { b: bucket },
    );
    return {
      members: topMembers(
        rows.map((r) => [Number(r[0]), Number(r[1]), Number(r[2])]),
        topN,
      ),
      fabric: { v4: Number(f?.[0] ?? 0), v6: Number(f?.[1] ?? 0), all: Number(f?.[2] ?? 0) },
    };
  };
  const snapshot = () => {
    if (!cached || now() - cached.at > CACHE_MS) {
      const snap = read();
      cached = { at: now(), snap };
      snap.catch(() => {
        cached = null;
      });
    }
    return cached.snap;
  };
  new Gauge({
    name: 'ixmeter_traffic_member_bits_per_second',
    help: `Member traffic rate of the last complete 5-minute bucket (in = the member sends, out = it receives); asn: the top ${topN} members, "other" (the rest summed), "unknown" (not attributable)`,
    labelNames: ['asn', 'direction'] as const,
    registers: [registry],
    async collect() {
      const s = await snapshot();
      this.reset();
      for (const m of s.members) {
        this.set({ asn: m.asn, direction: 'in' }, m.in);
        this.set({ asn: m.asn, direction: 'out' }, m.out);
      }
    },
  });
  new Gauge({
    name: 'ixmeter_traffic_fabric_bits_per_second',
    help: 'Exchange fabric traffic rate of the last complete 5-minute bucket (each byte once), by IP version',
    labelNames: ['ip_version'] as const,
    registers: [registry],
    async collect() {
      const s = await snapshot();
      this.set({ ip_version: '4' }, s.fabric.v4);
      this.set({ ip_version: '6' }, s.fabric.v6);
      this.set({ ip_version: 'all' }, s.fabric.all);
    },
  });
}
