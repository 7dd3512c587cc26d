/**
 * pmacctd (1.7.7) reads a synthetic IXP pcap (pcap_savefile) and its nfprobe plugin exports NetFlow v9
 * and IPFIX to a local UDP sink; our NetFlow decoder must reproduce the ground truth exactly.
 *
 * What nfprobe exports (measured here, see tests/fixtures/README.md):
 * - Octets = IP total length (IPv4 ip_len; IPv6 40 + payload length) — Ethernet padding is NOT
 *   counted (unlike softflowd). 8-octet BYTES/PKTS; flowStart/EndMilliseconds (152/153) taken from
 *   the pcap timestamps.
 * - With `aggregate: src_mac, dst_mac, vlan, …` the template carries SRC_MAC (56),
 *   DESTINATION_MAC (80) and SRC_VLAN (58). The decoder therefore adds 22 per packet on tagged flows
 *   and 18 otherwise: bytes = l3 + 18·packets + 4·tagged = wire size − Ethernet padding.
 * - No sampling information unless pmacctd samples (sampling_rate); samplingSource is 'unknown' → rate 1.
 * - pmacctd exits by itself at pcap EOF after the nfprobe plugin flushed its cache (~4 s).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import {
  captureExport,
  haveBinary,
  recordTuple,
  killAllExporters,
  makeTempDir,
  runPmacctd,
  tsharkSummary,
  writeDatagramPcap,
} from '../helpers/exporters.js';
import {
  compareExact,
  decodeAll,
  flowMacPairKey,
  flowMacPairVlanKey,
  netflowContractFrameOctets,
  samplingBound,
  sumFlows,
  sumFlowsBy,
  withinBound,
} from '../helpers/ground-truth.js';
import { writeTrafficPcap, type GeneratedTraffic } from '../helpers/traffic-pcap.js';

const ok = haveBinary('pmacctd') && haveBinary('tshark');

describe.skipIf(!ok)('pmacctd nfprobe → decodeNetflow', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let traffic: GeneratedTraffic;
  let pcap: string;

  beforeAll(() => {
    tmp = makeTempDir('ixmeter-nfprobe-');
    pcap = join(tmp.dir, 'traffic.pcap');
    traffic = writeTrafficPcap(pcap, {
      seed: 4242,
      members: 10,
      conversations: 80,
      vlan: 200,
      vlanFraction: 0.3,
      ipv6Fraction: 0.35,
    });
  });
  afterAll(() => {
    killAllExporters();
    tmp?.cleanup();
  });

  for (const version of [9, 10] as const) {
    it(`nfprobe v${version === 10 ? 'IPFIX' : '9'}: per MAC pair and VLAN, packets / bytes / l3_bytes equal the pcap exactly`, async () => {
      const { run, datagrams } = await captureExport((port) =>
        runPmacctd({ pcap, port, plugin: 'nfprobe', nfprobeVersion: version, workDir: tmp.dir }),
      );
      expect(run.exitCode, `${run.stderr}\n${run.log}`).toBe(0);
      expect(datagrams.length).toBeGreaterThan(0);

      const decoded = decodeAll(datagrams, 'netflow');
      expect(decoded.errors).toEqual({});
      expect(decoded.stats.pendingHeld).toBe(0);
      expect(decoded.stats.lostDatagrams).toBe(0);
      expect(decoded.stats.lostSamples).toBe(0);
      for (const f of decoded.flows) {
        expect(f.protocol).toBe(version === 9 ? 'netflow-v9' : 'ipfix');
        expect(f.samplingRate).toBe(1);
        expect(f.srcMac).not.toBe(0);
        expect(f.dstMac).not.toBe(0);
      }

      // Contract units for an exporter counting IP octets and reporting the VLAN.
      const expected = new Map<string, { packets: number; frameOctets: number; l3Octets: number }>();
      for (const [k, t] of traffic.byMacPairVlan) {
        expected.set(k, { packets: t.packets, frameOctets: netflowContractFrameOctets(t, true), l3Octets: t.l3Octets });
      }
      const got = sumFlowsBy(decoded.flows, flowMacPairVlanKey);
      expect(compareExact(got, expected)).toEqual([]);

      const all = sumFlows(decoded.flows);
      expect(all.packets).toBe(traffic.totals.packets);
      expect(all.l3Octets).toBe(traffic.totals.l3Octets);
      expect(all.frameOctets).toBe(netflowContractFrameOctets(traffic.totals, true));
      // The only difference to the wire: Ethernet padding, which NetFlow cannot know.
      expect(all.frameOctets).toBe(traffic.totals.frameOctets - traffic.totals.padOctets);

      // Flow times come from the pcap and lie inside its span.
      const t0 = traffic.packets[0]!.tsUs / 1000;
      const t1 = traffic.packets[traffic.packets.length - 1]!.tsUs / 1000;
      for (const f of decoded.flows) {
        expect(f.flowStartMs).toBeGreaterThanOrEqual(Math.floor(t0) - 1);
        expect(f.flowEndMs).toBeLessThanOrEqual(Math.ceil(t1) + 1);
      }

      // tshark on the same datagrams agrees on record count, packets, octets, MACs and VLANs.
      const dump = join(tmp.dir, `nfprobe-v${version}.pcap`);
      const port = version === 9 ? 2055 : 4739;
      writeDatagramPcap(dump, datagrams, port);
      const ts = await tsharkSummary(dump, port, 'cflow');
      expect(ts.records).toBe(decoded.flows.length);
      expect(ts.packets).toBe(all.rawPackets);
      expect(ts.octets).toBe(all.l3Octets);
      // Record by record: ports, protocol, packets and octets agree (as multisets).
      expect([...ts.tuples].sort()).toEqual(decoded.flows.map(recordTuple).sort());
      const tsKeys = new Set(
        ts.perRecord.map((r) => `${r.srcMac.replace(/:/g, '')}>${r.dstMac.replace(/:/g, '')}@${r.vlan}`),
      );
      expect(tsKeys).toEqual(new Set(got.keys()));
    });
  }

  // pmacctd `sampling_rate: N` samples packets at random in the core; nfprobe signals N in options
  // data (sampler table, sampler id 1 in the records). The decoder must scale by it.
  it('nfprobe IPFIX with sampling_rate 8: rate from options data, totals and per MAC pair within the 5-sigma bound', async () => {
    const R = 8;
    const { run, datagrams } = await captureExport((port) =>
      runPmacctd({ pcap, port, plugin: 'nfprobe', nfprobeVersion: 10, samplingRate: R, workDir: tmp.dir }),
    );
    expect(run.exitCode, `${run.stderr}\n${run.log}`).toBe(0);
    const decoded = decodeAll(datagrams, 'netflow');
    expect(decoded.errors).toEqual({});
    expect(decoded.stats.pendingHeld).toBe(0);
    for (const f of decoded.flows) {
      expect(f.samplingRate).toBe(R);
      expect(f.samplingSource).toBe('options');
      expect(f.samplerId).toBe(1);
    }
    const all = sumFlows(decoded.flows);
    const b = samplingBound(traffic.totals, R, 5);
    const ctx = JSON.stringify({ all, truth: traffic.totals, b });
    expect(withinBound(all.packets, b.packets), ctx).toBe(true);
    expect(withinBound(all.l3Octets, b.l3Octets), ctx).toBe(true);
    // bytes: contract l3 + 18/22 per packet; bound it like the l3 total shifted by the header octets.
    const fb = samplingBound(
      { ...traffic.totals, frameOctets: netflowContractFrameOctets(traffic.totals, true) },
      R,
      5,
    ).frameOctets;
    expect(withinBound(all.frameOctets, fb), ctx).toBe(true);
    const got = sumFlowsBy(decoded.flows, flowMacPairKey);
    const failures: string[] = [];
    for (const [k, t] of traffic.byMacPair) {
      const pb = samplingBound(t, R, 5);
      const v = got.get(k)?.packets ?? 0;
      if (!withinBound(v, pb.packets))
        failures.push(`${k} packets ${v} vs ${t.packets} ± ${pb.packets.bound.toFixed(0)}`);
    }
    expect(failures).toEqual([]);

    const dump = join(tmp.dir, 'nfprobe-v10-s8.pcap');
    writeDatagramPcap(dump, datagrams, 4739);
    const ts = await tsharkSummary(dump, 4739, 'cflow');
    expect(ts.records).toBe(decoded.flows.length);
    expect(ts.packets).toBe(all.rawPackets);
  });
});
