/**
 * NetFlow v5 / v9 / IPFIX decode throughput (records per second, one core, in process).
 * Datagrams are built in memory with collectors/decoders/netflow/testing/encode.ts:
 * v5 = 30 records per datagram; v9 and IPFIX = the 16-field template of the dependency study
 * (addresses, ports, proto, flags, ToS, 8-byte octets/packets, in/out ifIndex, MACs, first/last,
 * VLAN), a pool of 200 data datagrams alternating IPv4 (25 × 61 B) and IPv6 (20 × 85 B).
 * node-netflowv9 (GPL, comparison only, never imported by production code) decodes the same v9
 * datagrams when it is installed; it is only ever fed these well-formed datagrams.
 *
 * Run: npx tsx -e "import('./tests/bench/decode-netflow.ts').then(m=>m.benchDecodeNetflow()).then(console.log)"
 */
import { createRequire } from 'node:module';
import { NO_SAMPLING_POLICY, type RawDatagram } from '../../collectors/decoders/types.js';
import { createNetflowState, decodeNetflow, type NetflowState } from '../../collectors/decoders/netflow/index.js';
import {
  BENCH_FIELDS_V4,
  BENCH_FIELDS_V6,
  benchValues,
  dataSet,
  ipfixPacket,
  record,
  templateSet,
  v5Packet,
  v9Packet,
  type V5Flow,
} from '../../collectors/decoders/netflow/testing/encode.js';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
}

const EXPORTER = '192.0.2.1';

function buildTemplated(version: 9 | 10): { template: Uint8Array; data: Uint8Array[]; records: number } {
  const tpl = templateSet(version, [
    { id: 256, fields: BENCH_FIELDS_V4 },
    { id: 257, fields: BENCH_FIELDS_V6 },
  ]);
  const template = version === 9 ? v9Packet({ seq: 0 }, [tpl]) : ipfixPacket({ seq: 0 }, [tpl]);
  const data: Uint8Array[] = [];
  let records = 0;
  for (let i = 0; i < 200; i++) {
    const v6 = i % 2 === 1;
    const n = v6 ? 20 : 25;
    const recs = Array.from({ length: n }, (_, k) =>
      record(v6 ? BENCH_FIELDS_V6 : BENCH_FIELDS_V4, benchValues(i * 25 + k, v6)),
    );
    const set = dataSet(v6 ? 257 : 256, recs);
    data.push(version === 9 ? v9Packet({ seq: i + 1, count: n }, [set]) : ipfixPacket({ seq: records }, [set]));
    records += n;
  }
  return { template, data, records };
}

function buildV5(): { data: Uint8Array[]; records: number } {
  const data: Uint8Array[] = [];
  for (let i = 0; i < 100; i++) {
    const flows: V5Flow[] = Array.from({ length: 30 }, (_, k) => ({
      src: `10.0.${i}.${k}`,
      dst: `192.0.2.${k}`,
      inIf: 1,
      outIf: 2,
      packets: 1 + k,
      octets: 1500 * (1 + k),
      first: 1000,
      last: 2000,
      srcPort: 1024 + k,
      dstPort: 443,
      tcpFlags: 0x18,
      proto: 6,
    }));
    data.push(v5Packet({ seq: i * 30 }, flows));
  }
  return { data, records: 3000 };
}

/** Decodes the pool repeatedly for about `ms`; returns records/s of the best of 3 rounds. */
function measure(pool: Uint8Array[], recordsPerPass: number, decodeOne: (p: Uint8Array) => number, ms = 700): number {
  // Warm-up (JIT).
  for (let k = 0; k < 3; k++) for (const p of pool) decodeOne(p);
  let best = 0;
  for (let round = 0; round < 3; round++) {
    let recs = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < ms) {
      for (const p of pool) recs += decodeOne(p);
      t = performance.now();
    }
    best = Math.max(best, recs / ((t - t0) / 1000));
  }
  if (recordsPerPass <= 0) throw new Error('empty pool');
  return best;
}

function ours(state: NetflowState): (p: Uint8Array) => number {
  const d: RawDatagram = {
    receivedAtMs: 1_700_000_000_000,
    exporter: EXPORTER,
    exporterPort: 2055,
    payload: new Uint8Array(0),
  };
  return (p) => {
    d.payload = p;
    return decodeNetflow(d, state, NO_SAMPLING_POLICY).flows.length;
  };
}

interface NodeNetflowV9 {
  nfPktDecode(msg: Buffer, rinfo: { address: string; port: number; size?: number }): { flows?: unknown[] } | undefined;
}

function loadNodeNetflowV9(): NodeNetflowV9 | null {
  try {
    const require = createRequire(import.meta.url);
    const Ctor = require('node-netflowv9') as new (opts: {
      cb: () => void;
    }) => NodeNetflowV9 & { server?: { close(): void; unref?(): void } };
    const inst = new Ctor({ cb: () => undefined });
    inst.server?.unref?.();
    return inst;
  } catch {
    return null;
  }
}

export async function benchDecodeNetflow(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];

  const v5 = buildV5();
  out.push({
    name: 'netflow-v5 decode (30 rec/datagram)',
    value: Math.round(measure(v5.data, v5.records, ours(createNetflowState()))),
    unit: 'records/s',
  });

  const v9 = buildTemplated(9);
  const s9 = createNetflowState();
  const dec9 = ours(s9);
  dec9(v9.template);
  out.push({
    name: 'netflow-v9 decode (16-field template, IPv4/IPv6 mix)',
    value: Math.round(measure(v9.data, v9.records, dec9)),
    unit: 'records/s',
  });

  const ipfix = buildTemplated(10);
  const s10 = createNetflowState();
  const dec10 = ours(s10);
  dec10(ipfix.template);
  out.push({
    name: 'ipfix decode (16-field template, IPv4/IPv6 mix)',
    value: Math.round(measure(ipfix.data, ipfix.records, dec10)),
    unit: 'records/s',
  });

  const lib = loadNodeNetflowV9();
  if (lib) {
    const rinfo = { address: EXPORTER, port: 2055, size: 0 };
    lib.nfPktDecode(Buffer.from(v9.template), rinfo);
    const bufs: Uint8Array[] = v9.data.map((p) => Buffer.from(p));
    const value = measure(bufs, v9.records, (p) => lib.nfPktDecode(p as Buffer, rinfo)?.flows?.length ?? 0);
    out.push({
      name: 'node-netflowv9 0.2.16 v9 decode (same datagrams, comparison only)',
      value: Math.round(value),
      unit: 'records/s',
    });
  }
  return out;
}
