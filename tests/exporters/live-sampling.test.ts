/**
 * Real exporters → the RUNNING service, part 3: sampled sFlow from pmacct sfprobe (1:64 and 1:512)
 * attributed by MAC; every member's in/out, the unknown traffic (the unowned MAC) and the total must
 * lie within the 5-sigma bound of the 1-in-R estimator (ground-truth.ts `samplingBound`:
 * σ² = (R − 1)·Σx² over the population's packets, x = 1 / frame octets / IP octets), and every stored
 * value is a multiple of R. Same fabric as live-members (tests/helpers/live-fabric.ts); runs are
 * sequential and judged by the difference of the API answers before/after each run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { haveBinary, killAllExporters, makeTempDir, runPmacctd } from '../helpers/exporters.js';
import { cellKey, expectedMatrix, samplingBound, withinBound } from '../helpers/ground-truth.js';
import { queryOne, startTestService, type TestService } from '../helpers/in-process.js';
import { ixfDoc } from '../helpers/ixf.js';
import {
  FABRIC_MACS,
  UNOWNED_MAC,
  apiOf,
  byMac,
  diff,
  fabric,
  settle,
  snapshot,
  storedPackets,
  type Api,
} from '../helpers/live-fabric.js';
import {
  SENTINEL_SRC_MAC,
  memberMac,
  total,
  writeTrafficPcap,
  type GeneratedTraffic,
  type PacketTruth,
} from '../helpers/traffic-pcap.js';

const ok = haveBinary('pmacctd');
const { asns: ASNS, owner: OWNER, members: MEMBERS } = fabric();

describe.skipIf(!ok)('real exporters → running service: sampled sFlow within the 5-sigma bound', () => {
  const tmp = makeTempDir('ixmeter-live-sampling-');
  let t: TestService;
  let api: Api;
  const from = new Date(Date.now() - 3600_000).toISOString();
  const to = new Date(Date.now() + 3600_000).toISOString();
  const snap = () => snapshot(api, ASNS, from, to);
  let big: GeneratedTraffic;
  let bigPcap: string;

  beforeAll(async () => {
    // ~100k packets: ≈ 1500 samples at 1:64, ≈ 190 at 1:512. 40·512 trailing sentinel frames make
    // sure sfprobe's unsent last datagram holds sentinel samples only (see pmacct-sfprobe.test.ts).
    bigPcap = join(tmp.dir, 'big.pcap');
    big = writeTrafficPcap(bigPcap, {
      seed: 4096,
      members: FABRIC_MACS,
      conversations: 1500,
      minPackets: 5,
      maxPackets: 120,
      vlan: 100,
      vlanFraction: 0.3,
      ipv6Fraction: 0.3,
      trailerFrames: 40 * 512,
    });
    t = await startTestService(join(tmp.dir, 'svc'));
    api = apiOf(t);
    const imp = await api('POST', '/members/import', ixfDoc(MEMBERS));
    expect(imp.status, JSON.stringify(imp.body)).toBe(200);
    await new Promise((r) => setTimeout(r, 1000)); // the collector reloads its keys
  });
  afterAll(async () => {
    killAllExporters();
    await t?.svc.stop();
    tmp.cleanup();
  });

  for (const R of [64, 512]) {
    it(`1:${R}: every member's in/out, the unknown traffic and the total within the 5-sigma bound of its sample count`, async () => {
      const before = await snap();
      const base = await storedPackets(t);
      const t0 = Date.now();
      const run = await runPmacctd({
        pcap: bigPcap,
        port: t.port,
        plugin: 'sfprobe',
        samplingRate: R,
        workDir: tmp.dir,
      });
      expect(run.exitCode, `${run.stderr}\n${run.log}`).toBe(0);
      await settle(t, base, big.totals.packets / 2);
      const d = diff(await snap(), before);
      const samples = await queryOne<{ n: string; rates: number[]; sentinels: string }>(
        t.svc,
        `SELECT toString(countIf(src_mac != {s:UInt64})) AS n, groupUniqArray(sampling_rate) AS rates, toString(countIf(src_mac = {s:UInt64})) AS sentinels
         FROM flows_raw WHERE received_at >= fromUnixTimestamp64Milli({t:Int64})`,
        { t: t0, s: SENTINEL_SRC_MAC },
      );
      expect(samples.rates).toEqual([R]);
      expect(Number(samples.sentinels)).toBeGreaterThan(0);
      // ≈ N/R samples (the bound below is only meaningful with enough of them).
      expect(Number(samples.n)).toBeGreaterThan(big.totals.packets / R / 2);

      const failures: string[] = [];
      const check = (
        what: string,
        got: { bytes: number; l3Bytes: number; packets: number } | undefined,
        ps: PacketTruth[],
      ) => {
        const b = samplingBound(total(ps), R, 5);
        const g = got ?? { bytes: 0, l3Bytes: 0, packets: 0 };
        for (const [f, v, bb] of [
          ['packets', g.packets, b.packets],
          ['bytes', g.bytes, b.frameOctets],
          ['l3_bytes', g.l3Bytes, b.l3Octets],
        ] as const) {
          if (!withinBound(v, bb))
            failures.push(`${what} ${f}: ${v} vs ${bb.expected} ± ${bb.bound.toFixed(0)} (σ ${bb.sigma.toFixed(0)})`);
        }
        // Every stored value is a multiple of R (each sample stands for R packets).
        if (g.packets % R !== 0) failures.push(`${what} packets ${g.packets} not a multiple of ${R}`);
      };
      const own = byMac(OWNER);
      for (const asn of ASNS) {
        const m = d.members.get(asn)!;
        check(
          `AS${asn} in`,
          m.in,
          big.packets.filter((p) => own(p, 'src') === asn),
        );
        check(
          `AS${asn} out`,
          m.out,
          big.packets.filter((p) => own(p, 'dst') === asn),
        );
      }
      const unowned = memberMac(UNOWNED_MAC);
      const unknown = (k: string) => k !== cellKey(0, 0) && (k.startsWith('0>') || k.endsWith('>0'));
      const sum = (cells: Array<{ bytes: number; l3Bytes: number; packets: number }>) =>
        cells.reduce(
          (a, v) => ({ bytes: a.bytes + v.bytes, l3Bytes: a.l3Bytes + v.l3Bytes, packets: a.packets + v.packets }),
          { bytes: 0, l3Bytes: 0, packets: 0 },
        );
      check(
        'unknown',
        sum([...d.matrix].filter(([k]) => unknown(k)).map(([, v]) => v)),
        big.packets.filter((p) => p.srcMac === unowned || p.dstMac === unowned),
      );
      check('total', sum([...d.matrix].filter(([k]) => k !== cellKey(0, 0)).map(([, v]) => v)), big.packets);
      // Nothing but sentinels is unknown on both sides; no cell outside the fabric's pairs.
      const pairs = expectedMatrix(big.packets, 'sflow', own);
      for (const k of d.matrix.keys()) if (k !== cellKey(0, 0) && !pairs.has(k)) failures.push(`unexpected cell ${k}`);
      expect(failures).toEqual([]);
    }, 60_000);
  }
});
