/**
 * sFlow v5 decoder benchmark: a typical switch datagram (8 flow samples, 128-octet raw headers of
 * VLAN-tagged IPv4/IPv6 TCP/UDP frames + extended switch records), a counter datagram, and the
 * header parser alone. Datagrams are built in memory with the test encoder.
 *
 *   npx tsx -e "import('./tests/bench/decode-sflow.ts').then(m=>m.benchDecodeSflow()).then(console.log)"
 */
import {
  parseFrameHeaderInto,
  resetParsedHeader,
  emptyParsedHeader,
} from '../../collectors/decoders/shared/packet-header.js';
import { createSflowState, decodeSflow } from '../../collectors/decoders/sflow/index.js';
import {
  counterSample,
  datagram,
  ETH_IPV4,
  ETH_IPV6,
  ethernet,
  ethernetCounters,
  extendedSwitch,
  flowSample,
  genericCounters,
  ipv4,
  ipv6,
  rawHeader,
  tcp,
  udp,
} from '../../collectors/decoders/sflow/testing/encode.js';
import { NO_SAMPLING_POLICY, type RawDatagram } from '../../collectors/decoders/types.js';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
}

function switchFrames(): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let i = 0; i < 8; i++) {
    const vlan = 100 + (i % 3);
    if (i % 4 === 3) {
      frames.push(
        ethernet({
          dst: 0x020000000100 + i,
          src: 0x020000000200 + i,
          vlans: [vlan],
          etherType: ETH_IPV6,
          payload: ipv6({
            src: `2001:7f8:1::a${i}`,
            dst: `2001:7f8:1::b${i}`,
            next: 6,
            payload: tcp({ srcPort: 443, dstPort: 40000 + i, flags: 0x10, payloadLength: 1400 }),
          }),
        }),
      );
    } else {
      frames.push(
        ethernet({
          dst: 0x020000000100 + i,
          src: 0x020000000200 + i,
          vlans: [vlan],
          etherType: ETH_IPV4,
          payload: ipv4({
            src: `185.1.${i}.10`,
            dst: `185.1.${i}.20`,
            proto: i % 4 === 1 ? 17 : 6,
            payload:
              i % 4 === 1
                ? udp({ srcPort: 53, dstPort: 50000 + i, payloadLength: 1200 })
                : tcp({ srcPort: 50000 + i, dstPort: 443, flags: 0x18, payloadLength: 1400 }),
          }),
        }),
      );
    }
  }
  return frames;
}

/** A typical switch datagram: 8 compact flow samples, raw header (128 octets) + extended switch each. */
export function typicalSwitchDatagram(sequence = 1): Uint8Array {
  const frames = switchFrames();
  return datagram({
    agent: '10.255.0.1',
    subAgentId: 0,
    sequence,
    uptimeMs: 1_000_000 + sequence,
    samples: frames.map((f, i) =>
      flowSample({
        sequence: sequence * 8 + i,
        sourceIndex: 10 + (i % 2),
        samplingRate: 16384,
        samplePool: sequence * 131072,
        drops: 0,
        input: 10 + (i % 2),
        output: 20 + i,
        records: [rawHeader(f, { maxHeader: 128 }), extendedSwitch({ srcVlan: 100, dstVlan: 100 })],
      }),
    ),
  });
}

function measure(fn: (i: number) => number, minMs = 1500): { perSec: number; units: number } {
  for (let i = 0; i < 20_000; i++) fn(i); // warm-up (JIT)
  let units = 0;
  let iters = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs) {
    for (let k = 0; k < 1000; k++) units += fn(iters++);
    t = performance.now();
  }
  return { perSec: (units * 1000) / (t - t0), units };
}

export async function benchDecodeSflow(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];

  // Flow datagrams: rotate a few sequence numbers so loss accounting runs its normal path.
  const dgs: RawDatagram[] = [];
  for (let s = 1; s <= 64; s++)
    dgs.push({ receivedAtMs: 0, exporter: '10.255.0.1', exporterPort: 6343, payload: typicalSwitchDatagram(s) });
  let state = createSflowState();
  const flow = measure((i) => {
    const j = i & 63;
    if (j === 0) state = createSflowState();
    return decodeSflow(dgs[j]!, state, NO_SAMPLING_POLICY).flows.length;
  });
  out.push({ name: 'sflow.decode.flow_samples_per_sec', value: Math.round(flow.perSec), unit: 'samples/s' });
  out.push({ name: 'sflow.decode.datagrams_per_sec', value: Math.round(flow.perSec / 8), unit: 'datagrams/s' });
  out.push({ name: 'sflow.decode.datagram_bytes', value: dgs[0]!.payload.length, unit: 'bytes' });

  // Counter datagrams: 8 counter samples, generic + ethernet each.
  const ctr: RawDatagram = {
    receivedAtMs: 0,
    exporter: '10.255.0.1',
    exporterPort: 6343,
    payload: datagram({
      agent: '10.255.0.1',
      sequence: 1,
      samples: Array.from({ length: 8 }, (_, i) =>
        counterSample({
          sequence: 1,
          sourceIndex: i + 1,
          records: [genericCounters({ ifIndex: i + 1, ifInOctets: 2 ** 40, ifOutOctets: 2 ** 41 }), ethernetCounters()],
        }),
      ),
    }),
  };
  const cstate = createSflowState();
  const c = measure(() => decodeSflow(ctr, cstate, NO_SAMPLING_POLICY).counters.length, 800);
  out.push({ name: 'sflow.decode.counter_samples_per_sec', value: Math.round(c.perSec), unit: 'samples/s' });

  // Header parser alone on the 128-octet headers.
  const frames = switchFrames().map((f) => f.subarray(0, 128));
  const h = emptyParsedHeader();
  const p = measure((i) => {
    const f = frames[i & 7]!;
    resetParsedHeader(h);
    parseFrameHeaderInto(h, f, 0, f.length, 1);
    return 1;
  }, 800);
  out.push({ name: 'packet_header.parse_per_sec', value: Math.round(p.perSec), unit: 'headers/s' });
  return out;
}
