/**
 * pmacctd (1.7.7) reads a synthetic IXP pcap (pcap_savefile) and its sfprobe plugin exports sFlow v5
 * to a local UDP sink; our sFlow decoder must reproduce the ground truth exactly when unsampled and
 * within the statistical bound at 1:64.
 *
 * What sfprobe exports (measured here, see tests/fixtures/README.md):
 * - One flow sample per sampled packet: a raw packet header record (header protocol 1 = Ethernet,
 *   frame_length = captured length + 4, i.e. the wire size INCLUDING FCS and Ethernet padding;
 *   stripped = 4; header = the first ≤128 octets incl. the 802.1Q tag) and an extended switch
 *   record (in/out VLAN = the tag's VLAN id, 0 when untagged). sub_agent_id = sfprobe_agentsubid,
 *   source id 0:1, input/output ifIndex 0x3fffffff (unknown).
 * - Sampling: pmacctd `sampling_rate: N` → each flow sample carries sampling_rate = N and a
 *   sample_pool counting every packet observed; packets are picked at random (gaps between
 *   successive sample_pool values vary, mean N), so the 1-in-N Bernoulli bound applies.
 *   With sampling_rate absent the rate is 1 and every packet is a sample.
 * - pmacctd exits by itself at pcap EOF, but the sfprobe plugin does NOT send its last, partly
 *   filled datagram (up to 6 samples are lost). With pcap_savefile_wait + SIGINT instead, it
 *   re-sends samples of the last packets again at shutdown (duplicates). We therefore append
 *   sentinel frames (their own MAC pair, not in the truth) after the traffic: only sentinels are lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import {
  captureExport,
  haveBinary,
  killAllExporters,
  makeTempDir,
  runPmacctd,
  tsharkSummary,
  writeDatagramPcap,
} from '../helpers/exporters.js';
import {
  compareExact,
  decodeAll,
  describeKey,
  flowMacPairKey,
  flowMacPairVlanKey,
  samplingBound,
  sumFlows,
  sumFlowsBy,
  withinBound,
} from '../helpers/ground-truth.js';
import { SENTINEL_SRC_MAC, writeTrafficPcap, type GeneratedTraffic } from '../helpers/traffic-pcap.js';

const ok = haveBinary('pmacctd') && haveBinary('tshark');

describe.skipIf(!ok)('pmacctd sfprobe → decodeSflow', () => {
  let tmp: ReturnType<typeof makeTempDir>;

  beforeAll(() => {
    tmp = makeTempDir('ixmeter-sfprobe-');
  });
  afterAll(() => {
    killAllExporters();
    tmp?.cleanup();
  });

  it('unsampled (1:1): per MAC pair and VLAN, packets / bytes (wire, incl. FCS) / l3_bytes equal the pcap exactly', async () => {
    const pcap = join(tmp.dir, 'traffic-1.pcap');
    const traffic: GeneratedTraffic = writeTrafficPcap(pcap, {
      seed: 777,
      members: 8,
      conversations: 50,
      vlan: 300,
      vlanFraction: 0.35,
      ipv6Fraction: 0.3,
      trailerFrames: 40,
    });
    const { run, datagrams } = await captureExport((port) =>
      runPmacctd({ pcap, port, plugin: 'sfprobe', samplingRate: 1, workDir: tmp.dir }),
    );
    expect(run.exitCode, `${run.stderr}\n${run.log}`).toBe(0);

    const decoded = decodeAll(datagrams, 'sflow');
    expect(decoded.errors).toEqual({});
    // sFlow sequence / sample_pool tracking: nothing lost in transport.
    expect(decoded.stats.lostDatagrams).toBe(0);
    expect(decoded.stats.lostSamples).toBe(0);
    const sentinels = decoded.flows.filter((f) => f.srcMac === SENTINEL_SRC_MAC);
    const flows = decoded.flows.filter((f) => f.srcMac !== SENTINEL_SRC_MAC);
    // sfprobe fills input AND output with 0x3FFFFFFF, which sFlow v5 (format 0) defines as "no
    // input/output interface" (the device itself) — 0 would be "not known". Passed through as is.
    for (const f of flows) {
      expect(f.inIf).toBe(0x3fffffff);
      expect(f.outIf).toBe(0x3fffffff);
    }
    // Only (some of the) sentinels may be missing — never real traffic.
    expect(sentinels.length).toBeGreaterThan(40 - 8);
    for (const f of flows) {
      expect(f.protocol).toBe('sflow-v5');
      expect(f.samplingRate).toBe(1);
      expect(f.samplingSource).toBe('sflow');
      expect(f.packets).toBe(1);
      expect(f.observationDomain).toBe(7);
    }

    const expected = new Map<string, { packets: number; frameOctets: number; l3Octets: number }>();
    for (const [k, t] of traffic.byMacPairVlan)
      expected.set(k, { packets: t.packets, frameOctets: t.frameOctets, l3Octets: t.l3Octets });
    const got = sumFlowsBy(flows, flowMacPairVlanKey);
    expect(compareExact(got, expected)).toEqual([]);

    const all = sumFlows(flows);
    expect(all.packets).toBe(traffic.totals.packets);
    expect(all.frameOctets).toBe(traffic.totals.frameOctets);
    expect(all.l3Octets).toBe(traffic.totals.l3Octets);
    expect(all.vlanRecords).toBe(traffic.totals.taggedPackets);
    // Padded runts: frame_length is the wire size (64), l3 the IP length (40 for a v4 ACK).
    const runts = flows.filter((f) => f.frameOctets === 64 && f.ipVersion === 4 && f.l3Octets === 40);
    expect(runts.length).toBeGreaterThan(0);

    // tshark on the same datagrams: same number of flow samples, same frame_length sum, same MAC pairs.
    const dump = join(tmp.dir, 'sfprobe-1.pcap');
    writeDatagramPcap(dump, datagrams, 6343);
    const ts = await tsharkSummary(dump, 6343, 'sflow');
    expect(ts.records).toBe(decoded.flows.length);
    expect(ts.frameLength).toBe(sumFlows(decoded.flows).frameOctets);
    expect(new Set(ts.samplingRates)).toEqual(new Set([1]));
    const tsPairs = new Set(ts.perRecord.map((r) => `${r.srcMac.replace(/:/g, '')}>${r.dstMac.replace(/:/g, '')}`));
    expect(tsPairs).toEqual(new Set(decoded.flows.map(flowMacPairKey)));
  });

  it('sampled 1:64: totals and per MAC pair within the 5-sigma bound; rate 64 signalled per sample', async () => {
    const R = 64;
    const pcap = join(tmp.dir, 'traffic-64.pcap');
    // ~40k packets → ~620 samples. 2560 trailing sentinels (≈ 40 sentinel samples) make sure the
    // unsent last datagram holds sentinels only.
    const traffic: GeneratedTraffic = writeTrafficPcap(pcap, {
      seed: 6464,
      members: 12,
      conversations: 600,
      vlan: 300,
      vlanFraction: 0.3,
      ipv6Fraction: 0.3,
      trailerFrames: 40 * R,
    });
    const { run, datagrams } = await captureExport((port) =>
      runPmacctd({ pcap, port, plugin: 'sfprobe', samplingRate: R, workDir: tmp.dir }),
    );
    expect(run.exitCode, `${run.stderr}\n${run.log}`).toBe(0);

    const decoded = decodeAll(datagrams, 'sflow');
    expect(decoded.errors).toEqual({});
    expect(decoded.stats.lostDatagrams).toBe(0);
    expect(decoded.stats.lostSamples).toBe(0);
    const sentinelSamples = decoded.flows.filter((f) => f.srcMac === SENTINEL_SRC_MAC).length;
    expect(sentinelSamples).toBeGreaterThan(0);
    const flows = decoded.flows.filter((f) => f.srcMac !== SENTINEL_SRC_MAC);
    for (const f of flows) {
      expect(f.samplingRate).toBe(R);
      expect(f.samplingSource).toBe('sflow');
    }

    const all = sumFlows(flows);
    const b = samplingBound(traffic.totals, R, 5);
    const ctx = JSON.stringify({ samples: all.rawPackets, all, truth: traffic.totals, bound: b });
    expect(withinBound(all.packets, b.packets), ctx).toBe(true);
    expect(withinBound(all.frameOctets, b.frameOctets), ctx).toBe(true);
    expect(withinBound(all.l3Octets, b.l3Octets), ctx).toBe(true);
    // The bound is meaningful: ~N/R samples, relative 5σ packet bound ≈ 5·sqrt(R/N) < 25 %.
    expect(all.rawPackets).toBeGreaterThan(traffic.totals.packets / R / 2);
    expect(b.packets.bound / traffic.totals.packets).toBeLessThan(0.25);

    // Per MAC pair (VLAN folded in: each pair here is either tagged or not per conversation).
    const got = sumFlowsBy(flows, flowMacPairKey);
    const failures: string[] = [];
    for (const [k, t] of traffic.byMacPair) {
      const s = got.get(k);
      const pb = samplingBound(t, R, 5);
      for (const field of ['packets', 'frameOctets', 'l3Octets'] as const) {
        const v = s ? s[field] : 0;
        if (!withinBound(v, pb[field]))
          failures.push(`${describeKey(k)} ${field}: ${v} vs ${pb[field].expected} ± ${pb[field].bound.toFixed(0)}`);
      }
    }
    for (const k of got.keys()) if (!traffic.byMacPair.has(k)) failures.push(`unexpected pair ${describeKey(k)}`);
    expect(failures).toEqual([]);

    // tshark: same number of samples, every sample says 1 in 64.
    const dump = join(tmp.dir, 'sfprobe-64.pcap');
    writeDatagramPcap(dump, datagrams, 6343);
    const ts = await tsharkSummary(dump, 6343, 'sflow');
    expect(ts.records).toBe(decoded.flows.length);
    expect(new Set(ts.samplingRates)).toEqual(new Set([R]));
    expect(ts.frameLength).toBe(sumFlows(decoded.flows).frameOctets / R);
  });
});
