/**
 * softflowd (1.1.0) reads a synthetic IXP pcap and exports NetFlow v5 / v9 / IPFIX to a local UDP
 * sink; our NetFlow decoder must reproduce the pcap's ground truth exactly, in contract units.
 *
 * What softflowd exports (measured here, see tests/fixtures/README.md):
 * - Octet counter = pcap length − Ethernet header (14, or 18 with one 802.1Q tag), i.e. the IP total
 *   length PLUS Ethernet padding of frames shorter than 64 octets (softflowd counts the captured
 *   bytes after the L2 header, not ip_len). So exported "l3" = IP octets + padding, and
 *   l3 + 18/22 per packet = the true wire size incl. FCS.
 * - v9 / IPFIX (-T ether): templates carry SRC_MAC (56), DST_MAC (57), SRC_VLAN (58), DST_VLAN (59),
 *   4-octet BYTES/PKTS, FIRST/LAST_SWITCHED (21/22, uptime-relative) and an options template
 *   (sampling interval). The decoder sees the VLAN, so it adds 22 per packet on tagged flows.
 * - v5: IPv4 only (IPv6 flows are tracked with -6 but not exported), no MACs, no VLAN → +18 per packet.
 * - -s N (periodic 1-in-N sampling): rate signalled in the v9/IPFIX options data and the v5 header.
 *   Without -6, softflowd gives the sampling slot of each ignored IPv6 packet to the next IPv4
 *   packet (IPv4 over-sampled by all/IPv4 packets while N is signalled): we always pass -6.
 * - IPFIX sequence numbers are post-incremented (the first message already carries the number of
 *   records it contains; RFC 7011 wants the count *before* it), so a conforming collector reports
 *   phantom losses (lostSamples) for softflowd's IPFIX. Not a decoder bug; not asserted.
 * - v9 header `count` = number of DATA records only (RFC 3954: templates + options + data). Our
 *   decoder walks all FlowSets regardless; tshark stops after `count` records, so in datagrams that
 *   also carry templates (first one, and periodic template refreshes) tshark can miss trailing data
 *   records. With the traffic used here the template refresh never coincides with extra data
 *   records, so the counts still agree; the -s runs below do hit it, and are not compared with tshark.
 * - -r mode: `-c none` is required (with a control socket softflowd blocks in accept() forever).
 *   Flow times are unusable in -r mode without -a (uptime base is the wall clock); not asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import {
  captureExport,
  haveBinary,
  recordTuple,
  killAllExporters,
  makeTempDir,
  parseSoftflowdStats,
  runSoftflowd,
  tsharkSummary,
  writeDatagramPcap,
} from '../helpers/exporters.js';
import {
  compareExact,
  decodeAll,
  flowMacPairVlanKey,
  netflowContractFrameOctets,
  samplingBound,
  sumFlows,
  sumFlowsBy,
  withinBound,
} from '../helpers/ground-truth.js';
import { macPairVlanKey, summarize, total, writeTrafficPcap, type GeneratedTraffic } from '../helpers/traffic-pcap.js';

const ok = haveBinary('softflowd') && haveBinary('tshark');

describe.skipIf(!ok)('softflowd → decodeNetflow', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let traffic: GeneratedTraffic;
  let pcap: string;

  beforeAll(() => {
    tmp = makeTempDir('ixmeter-softflowd-');
    pcap = join(tmp.dir, 'traffic.pcap');
    traffic = writeTrafficPcap(pcap, {
      seed: 20260115,
      members: 8,
      conversations: 60,
      vlan: 100,
      vlanFraction: 0.3,
      ipv6Fraction: 0.3,
    });
  });
  afterAll(() => {
    killAllExporters();
    tmp?.cleanup();
  });

  for (const version of [9, 10] as const) {
    it(`v${version === 10 ? 'IPFIX' : '9'}: per MAC pair and VLAN, packets / bytes / l3_bytes equal the pcap exactly`, async () => {
      const { run, datagrams } = await captureExport((port) =>
        runSoftflowd({ pcap, port, version, workDir: tmp.dir, adjustTime: true }),
      );
      expect(run.exitCode, run.stderr).toBe(0);
      const stats = parseSoftflowdStats(run.stdout);
      expect(stats.packets).toBe(traffic.totals.packets);
      expect(datagrams.length).toBe(stats.datagrams);

      const decoded = decodeAll(datagrams, 'netflow');
      expect(decoded.errors).toEqual({});
      expect(decoded.stats.pendingHeld).toBe(0);
      expect(decoded.flows.length).toBe(stats.records);
      for (const f of decoded.flows) {
        expect(f.protocol).toBe(version === 9 ? 'netflow-v9' : 'ipfix');
        expect(f.samplingRate).toBe(1);
      }
      if (version === 9) expect(decoded.stats.lostDatagrams).toBe(0);
      // With -a the flow times come from the pcap. IPFIX (absolute ms) is exact to the ms; v9 times are
      // uptime-relative and the v9 header has whole unix seconds only, so they may be early by < 1 s.
      const spanStart = traffic.packets[0]!.tsUs / 1000;
      const spanEnd = traffic.packets[traffic.packets.length - 1]!.tsUs / 1000;
      const slack = version === 9 ? 1000 : 1;
      for (const f of decoded.flows) {
        expect(f.flowStartMs).toBeGreaterThanOrEqual(spanStart - slack);
        expect(f.flowEndMs).toBeLessThanOrEqual(spanEnd + 1);
        expect(f.flowEndMs).toBeGreaterThanOrEqual(f.flowStartMs);
      }

      // Expected, in contract units, for an exporter whose octets = IP octets + Ethernet padding
      // and which reports the VLAN: l3_bytes = l3 + pad; bytes = l3 + pad + 18/22 per packet = wire size.
      const expected = new Map<string, { packets: number; frameOctets: number; l3Octets: number }>();
      for (const [k, t] of traffic.byMacPairVlan) {
        expected.set(k, { packets: t.packets, frameOctets: t.frameOctets, l3Octets: t.l3Octets + t.padOctets });
        expect(t.frameOctets).toBe(netflowContractFrameOctets({ ...t, l3Octets: t.l3Octets + t.padOctets }, true));
      }
      const got = sumFlowsBy(decoded.flows, flowMacPairVlanKey);
      expect(compareExact(got, expected)).toEqual([]);

      const all = sumFlows(decoded.flows);
      expect(all.packets).toBe(traffic.totals.packets);
      expect(all.frameOctets).toBe(traffic.totals.frameOctets);
      expect(all.l3Octets).toBe(traffic.totals.l3Octets + traffic.totals.padOctets);
      // Cross-check with softflowd's own per-protocol octet totals.
      expect(Object.values(stats.octetsByProto).reduce((a, b) => a + b, 0)).toBe(all.l3Octets);

      // tshark decodes the same datagrams: same record count, same packet and octet sums.
      const dump = join(tmp.dir, `softflowd-v${version}.pcap`);
      const port = version === 9 ? 2055 : 4739;
      writeDatagramPcap(dump, datagrams, port);
      const ts = await tsharkSummary(dump, port, 'cflow');
      expect(ts.records).toBe(decoded.flows.length);
      expect(ts.packets).toBe(all.rawPackets);
      expect(ts.octets).toBe(all.l3Octets);
      // Record by record: ports, protocol, packets and octets agree (as multisets).
      expect([...ts.tuples].sort()).toEqual(decoded.flows.map(recordTuple).sort());
      // ...and the same MACs/VLAN per record (tshark's key built like ours).
      const tsKeys = summarize(
        ts.perRecord.map((r) => ({
          ...traffic.packets[0]!,
          srcMac: parseInt(r.srcMac.replace(/:/g, ''), 16),
          dstMac: parseInt(r.dstMac.replace(/:/g, ''), 16),
          vlan: r.vlan,
        })),
        (p) => macPairVlanKey(p.srcMac, p.dstMac, p.vlan),
      );
      expect(new Set(tsKeys.keys())).toEqual(new Set(got.keys()));
    });
  }

  it('v5: IPv4 only, no MAC/VLAN; totals equal the IPv4 part of the pcap exactly', async () => {
    const { run, datagrams } = await captureExport((port) =>
      runSoftflowd({ pcap, port, version: 5, workDir: tmp.dir, adjustTime: true }),
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const decoded = decodeAll(datagrams, 'netflow');
    expect(decoded.errors).toEqual({});
    expect(decoded.stats.lostSamples).toBe(0);
    const v4packets = traffic.packets.filter((p) => p.ipVersion === 4);
    const v4 = total(v4packets);
    // v5 header has unix_secs + unix_nsecs: flow times exact to the ms (pcap µs truncated vs rounded).
    for (const f of decoded.flows) {
      expect(f.flowStartMs).toBeGreaterThanOrEqual(Math.floor(v4packets[0]!.tsUs / 1000));
      expect(f.flowEndMs).toBeLessThanOrEqual(Math.ceil(v4packets[v4packets.length - 1]!.tsUs / 1000));
    }
    const all = sumFlows(decoded.flows);
    for (const f of decoded.flows) {
      expect(f.protocol).toBe('netflow-v5');
      expect(f.srcMac).toBe(0);
      expect(f.vlan).toBe(0);
      expect(f.ipVersion).toBe(4);
    }
    expect(all.packets).toBe(v4.packets);
    expect(all.l3Octets).toBe(v4.l3Octets + v4.padOctets);
    // v5 cannot say "tagged": the decoder adds 18 per packet, so tagged packets lose their 4 tag octets.
    expect(all.frameOctets).toBe(netflowContractFrameOctets({ ...v4, l3Octets: v4.l3Octets + v4.padOctets }, false));
    expect(all.frameOctets).toBe(v4.frameOctets - 4 * v4.taggedPackets);

    const dump = join(tmp.dir, 'softflowd-v5.pcap');
    writeDatagramPcap(dump, datagrams, 2055);
    const ts = await tsharkSummary(dump, 2055, 'cflow');
    expect(ts.records).toBe(decoded.flows.length);
    expect(ts.packets).toBe(all.packets);
    expect(ts.octets).toBe(all.l3Octets);
  });

  // softflowd -s N: periodic 1-in-N packet sampling. The rate is signalled in the v9/IPFIX options
  // data (sampling interval) and in the v5 header sampling field; the decoder must scale by it.
  for (const version of [5, 9, 10] as const) {
    it(`-s 8, v${version === 10 ? 'IPFIX' : version}: sampling rate taken from the export, totals within the 5-sigma bound`, async () => {
      const R = 8;
      const { run, datagrams } = await captureExport((port) =>
        runSoftflowd({ pcap, port, version, workDir: tmp.dir, samplingRate: R, adjustTime: true }),
      );
      expect(run.exitCode, run.stderr).toBe(0);
      const stats = parseSoftflowdStats(run.stdout);
      const decoded = decodeAll(datagrams, 'netflow');
      expect(decoded.errors).toEqual({});
      expect(decoded.flows.length).toBe(stats.records);
      for (const f of decoded.flows) {
        expect(f.samplingRate).toBe(R);
        expect(f.samplingSource).toBe(version === 5 ? 'header' : 'options');
      }
      const all = sumFlows(decoded.flows);
      // Exact: the unscaled packet count is what softflowd says it sampled ("Packets processed");
      // for v5 that count includes the sampled IPv6 packets it cannot export.
      if (version !== 5) expect(all.rawPackets).toBe(stats.packets);
      else expect(all.rawPackets).toBeLessThan(stats.packets);
      const population = version === 5 ? total(traffic.packets.filter((p) => p.ipVersion === 4)) : traffic.totals;
      const b = samplingBound({ ...population, l3Octets: population.l3Octets + population.padOctets }, R, 5);
      const ctx = JSON.stringify({ all, population, b });
      expect(withinBound(all.packets, b.packets), ctx).toBe(true);
      expect(withinBound(all.l3Octets, b.l3Octets), ctx).toBe(true);
    });
  }
});
