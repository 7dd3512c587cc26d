/**
 * Cost of the "nothing counted twice" checks on the decode → attribute path (decode thread): decode a
 * datagram, run the flow guard (both-directions filter, declared core ports, duplicate-sampling detector;
 * collectors/pipeline/flow-guard.ts), attribute every flow — against the same path without the guard.
 * IPFIX records carry flowDirection (ingress only, as on a normal exporter; the detector still runs) and
 * the exporters have core ports declared that these samples do not match (the Set lookup runs per flow).
 * Rounds alternate with/without; the best round of each is kept; rates are flows per CPU-second. Goal: ≤ 5 % CPU per flow (issue 13).
 *
 *   npx tsx -e "import('./tests/bench/flow-guard.ts').then(m=>m.benchFlowGuard()).then(console.log)"
 *   BENCH_GUARD_MS=400 shortens each round.
 */
import { createDecoderState, decodeDatagram } from '../../collectors/decoders/decode.js';
import {
  BENCH_FIELDS_V4,
  benchValues,
  dataSet,
  ipfixPacket,
  record,
  templateSet,
  type FieldSpec,
} from '../../collectors/decoders/netflow/testing/encode.js';
import { NO_SAMPLING_POLICY, type RawDatagram } from '../../collectors/decoders/types.js';
import { Attributor, type AssignmentInterval } from '../../collectors/pipeline/attribution.js';
import { ExporterStatsTable } from '../../collectors/pipeline/exporter-stats.js';
import { FlowGuard } from '../../collectors/pipeline/flow-guard.js';
import { typicalSwitchDatagram } from './decode-sflow.js';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
}

const FIELDS: FieldSpec[] = [...BENCH_FIELDS_V4, { id: 61, len: 1 }];

function ipfixDatagrams(): RawDatagram[] {
  const out: RawDatagram[] = [];
  let seq = 0;
  for (let d = 0; d < 64; d++) {
    const recs = Array.from({ length: 20 }, (_, k) => record(FIELDS, [...benchValues(d * 20 + k, false), 0]));
    out.push({
      receivedAtMs: 0,
      exporter: '192.0.2.1',
      exporterPort: 4739,
      payload: ipfixPacket({ domain: 1, seq, exportTime: 1_700_000_000 }, [
        templateSet(10, [{ id: 256, fields: FIELDS }]),
        dataSet(256, recs),
      ]),
    });
    seq += 20;
  }
  return out;
}

function assignments(): AssignmentInterval[] {
  const list: AssignmentInterval[] = [];
  for (let i = 0; i < 300; i++)
    list.push({
      kind: 'mac',
      key: `0|0200000000${(i & 0xff).toString(16).padStart(2, '0')}`,
      asn: 64500 + i,
      fromMs: 0,
      toMs: 4e12,
    });
  return list;
}

/** flows per CPU-second (this thread's user+system time, not wall time: 8 helpers share 2 cores) of decode (+ guard) + attribution over `dgs`, for `ms`. */
function round(dgs: RawDatagram[], withGuard: boolean, ms: number): number {
  const state = createDecoderState();
  const table = new ExporterStatsTable();
  const guard = new FlowGuard({ corePorts: '192.0.2.1:4000,10.255.0.1:4000' }, table);
  const attr = new Attributor(assignments());
  const s = table.recordDatagram(dgs[0]!.exporter, null, 0, 0);
  let flows = 0,
    i = 0,
    now = 1_700_000_000_000;
  const step = (): void => {
    const d = dgs[i++ & 63]!;
    d.receivedAtMs = now += 0.05;
    const res = decodeDatagram(d, state, NO_SAMPLING_POLICY);
    if (withGuard) guard.apply(res.flows, s, d.receivedAtMs);
    for (const f of res.flows) attr.attribute(f);
    flows += res.flows.length;
  };
  for (let k = 0; k < 3000; k++) step(); // warm-up (JIT)
  flows = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < ms) for (let k = 0; k < 200; k++) step();
  const c = process.cpuUsage(c0);
  return (flows * 1e6) / (c.user + c.system);
}

export async function benchFlowGuard(): Promise<BenchResult[]> {
  const ms = Number(process.env.BENCH_GUARD_MS ?? 1000);
  const sets: Record<string, RawDatagram[]> = {
    ipfix: ipfixDatagrams(),
    sflow: Array.from({ length: 64 }, (_, k) => ({
      receivedAtMs: 0,
      exporter: '10.255.0.1',
      exporterPort: 6343,
      payload: typicalSwitchDatagram(k + 1),
    })),
  };
  const out: BenchResult[] = [];
  for (const [name, dgs] of Object.entries(sets)) {
    let without = 0,
      withG = 0;
    for (let r = 0; r < 6; r++) {
      without = Math.max(without, round(dgs, false, ms));
      withG = Math.max(withG, round(dgs, true, ms));
    }
    out.push({ name: `${name}.decode_attribute.flows_per_sec`, value: Math.round(without), unit: 'flows/s' });
    out.push({ name: `${name}.decode_attribute_guard.flows_per_sec`, value: Math.round(withG), unit: 'flows/s' });
    // CPU per flow with the guard relative to without (1.00 = free; goal ≤ 1.05).
    out.push({
      name: `${name}.flow_guard.cpu_per_flow_ratio`,
      value: Math.round((without / withG) * 1000) / 1000,
      unit: 'ratio',
    });
    // At 500k flows/s: the share of one core the guard adds.
    out.push({
      name: `${name}.flow_guard.cores_at_500k`,
      value: Math.round((500_000 / withG - 500_000 / without) * 1000) / 1000,
      unit: 'cores',
    });
  }
  return out;
}
