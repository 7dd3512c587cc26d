/**
 * Seed a month of demo history through the collector's own path: encode NetFlow v9 / IPFIX datagrams
 * (one aggregated record per member pair per 5-minute bucket), decode them with `decodeDatagram`
 * (so every record passes the decoders' validation), attribute them with the collector's `Attributor`
 * against the registry's keys, and insert them as RowBinary batches with `clickHouseInsert` — the same
 * writer the collector uses, so the rollups (member_traffic_5m, collector_activity_5m) fill exactly as
 * for live traffic. History is stamped with the demo exporters in 198.18.0.0/15.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { createDecoderState, decodeDatagram, type DecoderState } from '../../collectors/decoders/decode.js';
import type { FlowRecord, SamplingPolicy } from '../../collectors/decoders/types.js';
import { Attributor, type AssignmentInterval } from '../../collectors/pipeline/attribution.js';
import { clickHouseInsert } from '../../collectors/pipeline/insert.js';
import { RowBinaryWriter } from '../../collectors/pipeline/rowbinary.js';
import { DEMO_SWITCHES, prng, type Fabric, type Pair, type SwitchKind } from './fabric.js';
import { BUCKET_MS, historyBucket, NETFLOW_SAMPLING } from './traffic.js';
import { NetflowExporter } from './wire.js';

export interface SeedResult {
  flows: number;
  datagrams: number;
  buckets: number;
  ms: number;
  decodeErrors: number;
}

export interface SeedOptions {
  client: ClickHouseClient;
  mode: 'embedded' | 'server';
  fabric: Fabric;
  pairs: readonly Pair[];
  assignments: ReadonlyArray<{
    kind: 'mac' | 'port' | 'ip';
    key: string;
    asn: number;
    valid_from: number;
    valid_to: number;
  }>;
  sampling: SamplingPolicy;
  fromMs: number;
  toMs: number;
  batchRows?: number;
  onProgress?: (doneBuckets: number, totalBuckets: number) => void;
  /** Checked between batches: true stops seeding early (what was inserted stays). */
  shouldStop?: () => boolean;
}

export function toIntervals(rows: SeedOptions['assignments']): AssignmentInterval[] {
  return rows.map((a) => ({ kind: a.kind, key: a.key, asn: a.asn, fromMs: a.valid_from, toMs: a.valid_to }));
}

/** Exporters of the history: the v9 switch speaks v9; the IPFIX and sFlow switches' history goes as IPFIX. */
export function historyExporters(fromMs: number): Record<SwitchKind, NetflowExporter> {
  const bootMs = fromMs - 7 * 86_400_000;
  return {
    v9: new NetflowExporter({
      version: 9,
      sourceId: DEMO_SWITCHES.v9.sourceId,
      samplingRate: NETFLOW_SAMPLING,
      templateEveryMs: 3_600_000,
      bootMs,
    }),
    ipfix: new NetflowExporter({
      version: 10,
      sourceId: DEMO_SWITCHES.ipfix.sourceId,
      samplingRate: NETFLOW_SAMPLING,
      templateEveryMs: 3_600_000,
      bootMs,
    }),
    sflow: new NetflowExporter({
      version: 10,
      sourceId: DEMO_SWITCHES.sflow.sourceId,
      samplingRate: NETFLOW_SAMPLING,
      templateEveryMs: 3_600_000,
      bootMs,
    }),
  };
}

/** Encode one bucket and decode it back (the collector's decoders), returning the decoded flows. */
export function encodeDecodeBucket(
  f: Fabric,
  pairs: readonly Pair[],
  bucketMs: number,
  r: () => number,
  ex: Record<SwitchKind, NetflowExporter>,
  state: DecoderState,
  sampling: SamplingPolicy,
): { flows: FlowRecord[]; datagrams: number; errors: number } {
  const recs = historyBucket(f, pairs, bucketMs, r);
  const exportAt = bucketMs + BUCKET_MS - 500;
  const flows: FlowRecord[] = [];
  let datagrams = 0,
    errors = 0;
  for (const kind of ['v9', 'ipfix', 'sflow'] as const) {
    if (!recs[kind].length) continue;
    for (const payload of ex[kind].datagrams(recs[kind], exportAt)) {
      datagrams++;
      const res = decodeDatagram(
        { receivedAtMs: exportAt, exporter: DEMO_SWITCHES[kind].exporter, exporterPort: 2055, payload },
        state,
        sampling,
      );
      for (const [reason, n] of Object.entries(res.stats.errors)) if (reason !== 'enterprise_field') errors += n ?? 0;
      for (const fl of res.flows) flows.push(fl);
    }
  }
  return { flows, datagrams, errors };
}

export async function seedHistory(o: SeedOptions): Promise<SeedResult> {
  const t0 = Date.now();
  const insert = clickHouseInsert(o.client, o.mode);
  const attr = new Attributor(toIntervals(o.assignments));
  const state = createDecoderState();
  const ex = historyExporters(o.fromMs);
  const r = prng(0xde30 ^ Math.floor(o.fromMs / 86_400_000));
  const w = new RowBinaryWriter();
  const batchRows = o.batchRows ?? 200_000;
  const first = Math.ceil(o.fromMs / BUCKET_MS) * BUCKET_MS;
  const total = Math.max(0, Math.floor((o.toMs - first) / BUCKET_MS));
  let flows = 0,
    datagrams = 0,
    errors = 0,
    batch = 0,
    done = 0;
  const flush = async () => {
    if (!w.rows) return;
    const rows = w.rows;
    await insert({
      id: `demo-seed-${o.fromMs}-${batch++}`,
      table: 'flows_raw',
      format: 'RowBinary',
      body: w.take(),
      rows,
    });
  };
  for (let b = first; b + BUCKET_MS <= o.toMs; b += BUCKET_MS) {
    const res = encodeDecodeBucket(o.fabric, o.pairs, b, r, ex, state, o.sampling);
    datagrams += res.datagrams;
    errors += res.errors;
    for (const f of res.flows) {
      attr.attribute(f);
      w.flowRow(f);
    }
    flows += res.flows.length;
    done++;
    if (w.rows >= batchRows) {
      await flush();
      o.onProgress?.(done, total);
      if (o.shouldStop?.()) break;
    }
  }
  await flush();
  o.onProgress?.(done, total);
  return { flows, datagrams, buckets: done, ms: Date.now() - t0, decodeErrors: errors };
}

/** Flows of the demo exporters already stored in [fromMs, toMs): > 0 means the history was seeded before. */
export async function seededFlows(client: ClickHouseClient, fromMs: number, toMs: number): Promise<number> {
  const rs = await client.query({
    query: `SELECT toString(sum(flows)) AS n FROM collector_activity_5m
            WHERE bucket >= toDateTime({from:UInt32}, 'UTC') AND bucket < toDateTime({to:UInt32}, 'UTC')
              AND exporter IN (toIPv6('::ffff:198.18.0.1'), toIPv6('::ffff:198.18.0.2'), toIPv6('::ffff:198.18.0.3'))`,
    query_params: { from: Math.floor(fromMs / 1000), to: Math.floor(toMs / 1000) },
    format: 'JSONEachRow',
  });
  const rows = await rs.json<{ n: string }>();
  return Number(rows[0]?.n ?? 0);
}
