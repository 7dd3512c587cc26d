/**
 * Real exporters → the RUNNING service, part 2: NetFlow v5 (no MACs) attributed through the port
 * mapping. Same fabric as live-members
 * (tests/helpers/live-fabric.ts): every owned MAC i has the port (127.0.0.1, ifIndex 100 + i).
 * Runs are sequential and judged by the difference of the API answers before/after each run.
 *
 * NetFlow v5 and ifIndex — findings (softflowd 1.1.0, pmacct 1.7.7, Debian 12):
 * - softflowd -r FILE exports input/output ifIndex 0 in every v5 record (there is no interface; the
 *   `-i if_ndx:iface` index exists only for live capture). With no MAC in v5 and no peering-LAN IP
 *   for the 10.x host addresses, such traffic is not attributable: it must land in unknown→unknown,
 *   exactly, and never be dropped. Asserted below.
 * - pmacct nfprobe v5 can carry an ifIndex from a pcap: a pre_tag_map tags each packet
 *   (`set_tag=<ifIndex> filter='ether src <MAC>'`), and `nfprobe_ifindex[<plugin>]: tag` with
 *   `nfprobe_direction[<plugin>]: in` writes the tag into the INPUT ifIndex. Both keys must name the
 *   plugin — the unnamed plugin is called `default_nfprobe`; a global `nfprobe_ifindex` is refused
 *   ("cannot be global", silently 0 in the export). pmacct only sets the ifIndex on the configured
 *   direction's side (nfprobe_plugin.c l2_to_flowrec): `in` → input ifIndex = tag, output 0; `out` →
 *   output ifIndex = tag (then tag by `ether dst`), input 0. One run therefore attributes one side
 *   through the port mapping; two runs (in, out) cover both. IPv6 is not exportable in v5.
 * Units: nfprobe counts IP octets (v5: no VLAN → bytes = IP + 18); softflowd counts IP + padding.
 * Runtime: pmacctd needs ~12–15 s per run with a pre_tag_map loaded (~4.5 s without; measured, the
 * pcap is the same), hence this file holds only the v5 runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  NFPROBE_AGGREGATE,
  haveBinary,
  killAllExporters,
  makeTempDir,
  runPmacctd,
  runSoftflowd,
} from '../helpers/exporters.js';
import { expectedMatrix, memberTotalsOf } from '../helpers/ground-truth.js';
import { queryOne, startTestService, type TestService } from '../helpers/in-process.js';
import { ixfDoc } from '../helpers/ixf.js';
import {
  FABRIC_MACS,
  UNOWNED_MAC,
  apiOf,
  byMac,
  diff,
  fabric,
  macText,
  portOf,
  settle,
  snapshot,
  sortedCells,
  storedPackets,
  type Api,
} from '../helpers/live-fabric.js';
import { writeTrafficPcap, type GeneratedTraffic, type PacketTruth } from '../helpers/traffic-pcap.js';

const ok = haveBinary('softflowd') && haveBinary('pmacctd');
const { asns: ASNS, owner: OWNER, members: MEMBERS } = fabric();

describe.skipIf(!ok)('real exporters → running service: NetFlow v5 port attribution (exact)', () => {
  const tmp = makeTempDir('ixmeter-live-ports-');
  let t: TestService;
  let api: Api;
  let traffic: GeneratedTraffic;
  let pcap: string;
  const from = new Date(Date.now() - 3600_000).toISOString();
  const to = new Date(Date.now() + 3600_000).toISOString();
  const snap = () => snapshot(api, ASNS, from, to);
  const v4 = (ps: PacketTruth[]) => ps.filter((p) => p.ipVersion === 4);

  /** Distinct (src_attr, dst_attr, in_if, out_if) combinations stored since t0. */
  async function how(t0: number): Promise<{ s: string[]; d: string[]; i: number[]; o: number[] }> {
    return queryOne(
      t.svc,
      `SELECT groupUniqArray(src_attr) AS s, groupUniqArray(dst_attr) AS d, groupUniqArray(in_if) AS i, groupUniqArray(out_if) AS o
      FROM flows_raw WHERE received_at >= fromUnixTimestamp64Milli({t:Int64})`,
      { t: t0 },
    );
  }

  beforeAll(async () => {
    pcap = join(tmp.dir, 'fabric.pcap');
    traffic = writeTrafficPcap(pcap, {
      seed: 31337,
      members: FABRIC_MACS,
      conversations: 140,
      minPackets: 5,
      maxPackets: 80,
      vlan: 100,
      vlanFraction: 0.3,
      ipv6Fraction: 0.3,
      trailerFrames: 40,
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

  it('softflowd v5 from a pcap: ifIndex 0 everywhere → not attributable, all of it in unknown→unknown exactly', async () => {
    const before = await snap();
    const base = await storedPackets(t);
    const t0 = Date.now();
    const run = await runSoftflowd({ pcap, port: t.port, version: 5, workDir: tmp.dir, adjustTime: true });
    expect(run.exitCode, run.stderr).toBe(0);
    const all = v4([...traffic.packets, ...traffic.sentinels]);
    await settle(t, base, all.length);
    const d = diff(await snap(), before);
    expect(sortedCells(d.matrix)).toEqual(sortedCells(expectedMatrix(all, 'ip+pad', () => 0)));
    expect(await how(t0)).toEqual({ s: ['none'], d: ['none'], i: [0], o: [0] });
    for (const asn of ASNS)
      expect(d.members.get(asn)).toEqual({
        in: { bytes: 0, l3Bytes: 0, packets: 0 },
        out: { bytes: 0, l3Bytes: 0, packets: 0 },
      });
  }, 40_000);

  for (const direction of ['in', 'out'] as const) {
    it(`pmacct nfprobe v5, ifIndex from a pre_tag_map (direction ${direction}): ${direction === 'in' ? 'senders' : 'receivers'} attributed through the port mapping, exactly`, async () => {
      const side = direction === 'in' ? 'src' : 'dst';
      const map = join(tmp.dir, `pretag-${direction}.map`);
      const lines: string[] = [];
      for (let i = 1; i <= FABRIC_MACS; i++)
        if (i !== UNOWNED_MAC) lines.push(`set_tag=${portOf(i)} filter='ether ${side} ${macText(i)}'`);
      writeFileSync(map, lines.join('\n') + '\n');
      const before = await snap();
      const base = await storedPackets(t);
      const t0 = Date.now();
      const run = await runPmacctd({
        pcap,
        port: t.port,
        plugin: 'nfprobe',
        nfprobeVersion: 5,
        workDir: tmp.dir,
        aggregate: [...NFPROBE_AGGREGATE, 'tag'],
        extra: {
          pre_tag_map: map,
          'nfprobe_direction[default_nfprobe]': direction,
          'nfprobe_ifindex[default_nfprobe]': 'tag',
        },
      });
      expect(run.exitCode, `${run.stderr}\n${run.log}`).toBe(0);
      const all = v4([...traffic.packets, ...traffic.sentinels]);
      await settle(t, base, all.length);
      const d = diff(await snap(), before);
      // Only the configured side is known (port), the other is 0 (no MAC, no ifIndex, no LAN IP).
      const owner = (p: PacketTruth, s: 'src' | 'dst') => (s === side ? byMac(OWNER)(p, s) : 0);
      const want = expectedMatrix(all, 'ip', owner);
      expect(sortedCells(d.matrix)).toEqual(sortedCells(want));
      for (const asn of ASNS) {
        const w = memberTotalsOf(want, asn);
        expect({ asn, ...d.members.get(asn)! }).toEqual({ asn, ...w });
        expect(w[direction].packets).toBeGreaterThan(0);
      }
      // How: by port on the tagged side, none on the other; the unowned MAC (untagged) is 'none' too.
      const h = await how(t0);
      const attr = ['none', 'port'];
      if (direction === 'in') {
        expect(h.s.sort()).toEqual(attr);
        expect(h.d).toEqual(['none']);
        expect(h.o).toEqual([0]);
      } else {
        expect(h.d.sort()).toEqual(attr);
        expect(h.s).toEqual(['none']);
        expect(h.i).toEqual([0]);
      }
      const ifs = (direction === 'in' ? h.i : h.o).sort((a, b) => a - b);
      expect(ifs).toEqual([
        0,
        ...[...Array(FABRIC_MACS).keys()]
          .map((i) => i + 1)
          .filter((i) => i !== UNOWNED_MAC)
          .map(portOf),
      ]);
    }, 40_000);
  }
});
