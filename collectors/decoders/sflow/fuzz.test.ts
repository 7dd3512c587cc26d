/**
 * Mutation fuzz: corpus datagrams and encoder-built datagrams, mutated by bit flips, byte
 * overwrites, truncation, length/count-field corruption, splicing, and pure random bytes.
 * Asserts: no exception (the strict entry point has no safety-net catch), every call < 50 ms,
 * and output invariants (no NaN, no negative sizes). Deterministic (seeded PRNG).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusAvailable, corpusPath } from '../../../tests/helpers/corpus.js';
import { readPcapUdp } from '../../../tests/helpers/pcap.js';
import type { SamplingPolicy } from '../types.js';
import { decodeSflowStrict } from './decode.js';
import { createSflowState, describeSflowState, restoreSflowState, serializeSflowState } from './index.js';
import {
  arp,
  counterSample,
  datagram,
  discardedSample,
  ETH_ARP,
  ETH_IPV4,
  ETH_IPV6,
  ETH_MPLS,
  ethernet,
  ethernetCounters,
  ethernetFrameData,
  expandedCounterSample,
  expandedFlowSample,
  extendedGateway,
  extendedRouter,
  extendedSwitch,
  flowSample,
  genericCounters,
  icmp,
  ipv4,
  ipv4Data,
  ipv6,
  ipv6Data,
  mpls,
  rawHeader,
  tcp,
  udp,
} from './testing/encode.js';

const DIR = corpusPath('sflow5');
const ITERATIONS = 100_000;

function seeds(): Uint8Array[] {
  const out: Uint8Array[] = [];
  const corpus = corpusAvailable() ? readdirSync(DIR) : []; // without it: the generated datagrams below
  for (const f of corpus.filter((x) => x.endsWith('.pcap')))
    for (const u of readPcapUdp(join(DIR, f))) out.push(new Uint8Array(u.payload));
  const v4 = ethernet({
    dst: 2,
    src: 1,
    vlans: [{ id: 5, tpid: 0x88a8 }, 6],
    etherType: ETH_IPV4,
    payload: ipv4({
      src: '1.2.3.4',
      dst: '5.6.7.8',
      proto: 6,
      payload: tcp({ srcPort: 1, dstPort: 2, payloadLength: 200 }),
    }),
  });
  const v6 = ethernet({
    dst: 2,
    src: 1,
    etherType: ETH_IPV6,
    payload: ipv6({
      src: '2001:db8::1',
      dst: 'ff02::1',
      next: 58,
      ext: [{ type: 0 }, { type: 44, moreFragments: true }],
      payload: icmp({ type: 135 }),
    }),
  });
  const m = ethernet({
    dst: 2,
    src: 1,
    etherType: ETH_MPLS,
    payload: mpls(
      [1, 2, 3],
      ipv4({ src: '1.1.1.1', dst: '2.2.2.2', proto: 17, payload: udp({ srcPort: 53, dstPort: 53 }) }),
    ),
  });
  const a = ethernet({
    dst: 0xffffffffffff,
    src: 1,
    etherType: ETH_ARP,
    payload: arp({ op: 1, senderMac: 1, senderIp: '10.0.0.1', targetIp: '10.0.0.2' }),
  });
  out.push(
    datagram({
      agent: '10.0.0.1',
      sequence: 1,
      samples: [
        flowSample({
          sequence: 1,
          sourceIndex: 1,
          samplingRate: 100,
          drops: 3,
          input: 1,
          output: 2,
          records: [
            rawHeader(v4),
            extendedSwitch({ srcVlan: 5 }),
            extendedRouter({ nextHop: '2001:db8::1' }),
            extendedGateway({ nextHop: '10.0.0.1', asPath: [{ type: 2, asns: [1, 2] }], communities: [7] }),
          ],
        }),
        expandedFlowSample({
          sequence: 2,
          sourceIndex: 1,
          samplingRate: 100,
          input: 1,
          output: 2,
          records: [rawHeader(v6), rawHeader(m)],
        }),
        flowSample({
          sequence: 3,
          sourceIndex: 1,
          samplingRate: 100,
          input: 1,
          output: 2,
          records: [
            rawHeader(a),
            ethernetFrameData({ length: 64, src: 1, dst: 2, type: 0x806 }),
            ipv4Data({ length: 40, protocol: 6, src: '1.1.1.1', dst: '2.2.2.2' }),
            ipv6Data({ length: 40, protocol: 6, src: '::1', dst: '::2' }),
          ],
        }),
        counterSample({
          sequence: 1,
          sourceIndex: 1,
          records: [genericCounters({ ifIndex: 1, ifInOctets: 2 ** 45 }), ethernetCounters()],
        }),
        expandedCounterSample({ sequence: 2, sourceIndex: 2, records: [genericCounters({ ifIndex: 2 })] }),
        discardedSample({ sequence: 1, sourceIndex: 1, reason: 3, records: [rawHeader(v4)] }),
      ],
    }),
  );
  out.push(
    datagram({
      agent: '2001:db8::5',
      subAgentId: 9,
      sequence: 77,
      samples: [rawHeader(v4, { protocol: 11 })].map((r) =>
        flowSample({ sequence: 1, sourceIndex: 3, samplingRate: 0, input: 1, output: 0x80000002, records: [r] }),
      ),
    }),
  );
  return out;
}

describe('sFlow decoder fuzz', () => {
  it(`${ITERATIONS} mutated datagrams: no throw, < 50 ms each, sane output`, () => {
    let s = 0x2545f491;
    const rnd = (n: number) => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return (s >>> 0) % n;
    };
    const pool = seeds();
    const policies: SamplingPolicy[] = [
      { override: () => undefined, fallback: () => undefined },
      { override: () => undefined, fallback: () => 1000 },
      { override: () => 0, fallback: () => Number.NaN },
    ];
    let state = createSflowState({ maxAgents: 256 });
    let worst = 0;
    let flows = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const base = pool[rnd(pool.length)]!;
      let b: Uint8Array;
      const kind = rnd(10);
      if (kind === 0) {
        b = new Uint8Array(rnd(600));
        for (let j = 0; j < b.length; j++) b[j] = rnd(256);
        if (b.length >= 4 && rnd(2)) {
          b[0] = 0;
          b[1] = 0;
          b[2] = 0;
          b[3] = 5;
        }
      } else {
        b = base.slice();
        const n = 1 + rnd(4);
        for (let k = 0; k < n && b.length > 0; k++) {
          const m = kind === 1 ? 1 : rnd(6);
          if (m === 0)
            b = b.subarray(0, rnd(b.length + 1)); // truncate
          else if (m === 1) {
            const o = rnd(b.length);
            b[o]! ^= 1 << rnd(8);
          } // bit flip
          else if (m === 2)
            b[rnd(b.length)] = rnd(256); // byte
          else if (m === 3 && b.length >= 8) {
            // length / count field corruption on a 4-aligned word
            const o = rnd(b.length >> 2) * 4;
            const v = [0, 1, 3, 4, 0xffffffff, 0x7fffffff, 0x80000000, rnd(2000), rnd(65536) * 4][rnd(9)]!;
            if (o + 4 <= b.length) {
              b[o] = v >>> 24;
              b[o + 1] = v >>> 16;
              b[o + 2] = v >>> 8;
              b[o + 3] = v;
            }
          } else if (m === 4) {
            const o = rnd(b.length);
            const t = b.subarray(o, o + rnd(64));
            const c = new Uint8Array(b.length + t.length);
            c.set(b.subarray(0, o));
            c.set(t, o);
            c.set(b.subarray(o), o + t.length);
            b = c;
          } // splice
          else if (m === 5 && b.length >= 8) {
            const o = rnd(b.length - 4);
            b[o] = 0;
            b[o + 1] = 0;
            b[o + 2] = 0;
            b[o + 3] = rnd(6);
          } // small type/format value
        }
      }
      const d = { receivedAtMs: i, exporter: `192.0.2.${i & 7}`, exporterPort: 6343, payload: b };
      const t0 = performance.now();
      const r = decodeSflowStrict(d, state, policies[i % 3]!);
      let dt = performance.now() - t0;
      if (dt > 50) {
        // A loaded 2-core machine preempts or collects garbage now and then: a slow call must stay slow when
        // decoded again (on a copy of the state) to count as a real slow path.
        const t1 = performance.now();
        decodeSflowStrict(d, restoreSflowState(serializeSflowState(state)), policies[i % 3]!);
        dt = performance.now() - t1;
      }
      if (dt > worst) worst = dt;
      flows += r.flows.length;
      for (const f of r.flows) {
        if (!(
          f.l3Octets >= 0 &&
          f.frameOctets >= 0 &&
          f.samplingRate >= 1 &&
          Number.isFinite(f.samplingRate) &&
          Number.isInteger(f.srcMac) &&
          f.vlan >= 0 &&
          f.vlan < 4096
        )) {
          throw new Error(`bad flow from iteration ${i}: ${JSON.stringify(f)}`);
        }
      }
      for (const c of r.counters)
        if (!Number.isFinite(c.ifInOctets) || !Number.isFinite(c.ifOutOctets)) throw new Error(`bad counters at ${i}`);
      if (i % 20_000 === 19_999) {
        state = restoreSflowState(serializeSflowState(state));
        expect(describeSflowState(state).length).toBeLessThanOrEqual(256);
      }
    }
    expect(worst).toBeLessThan(50);
    expect(flows).toBeGreaterThan(ITERATIONS / 10); // mutations still reach the flow path
  }, 60_000);
});
