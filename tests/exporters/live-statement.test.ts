/**
 * Real exporters → the RUNNING service → 5-minute member rollup → monthly statement → HTTP API, checked
 * exactly against the ground truth of the generated fabric pcap (the fabric of live-members.test.ts:
 * 11 members over 14 MACs, one MAC owned by nobody, trailer sentinel frames owned by nobody).
 *
 * pmacct sfprobe 1:1 (contract units 'sflow': frame_length, the wire frame incl. FCS and padding) and
 * softflowd -T ether IPFIX ('wire': the same per packet) replay the pcap one after the other. Flows are
 * attributed at receive time (now), so the statement of the current billing month — in
 * IXMETER_TIMEZONE, Asia/Shanghai by default — holds both runs. Its in_bytes (the member sends) and
 * out_bytes (it receives) must equal Σ over the two exporters of that member's ground truth, its daily
 * series must add up to them, and the traffic of the unowned MAC must not be billed to anyone: it only
 * shows up as the `unknown` (ASN 0) peer of the members it talked to, with exactly its bytes.
 *
 * sfprobe may lose its last, partly filled datagram at EOF; only sentinel samples (unknown → unknown)
 * are in it, so the statements are exact for both exporters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { haveBinary, killAllExporters, makeTempDir, runPmacctd, runSoftflowd } from '../helpers/exporters.js';
import { expectedMatrix, memberTotalsOf, type ContractUnits, type PairTotals } from '../helpers/ground-truth.js';
import { startTestService, type TestService } from '../helpers/in-process.js';
import { ixfDoc } from '../helpers/ixf.js';
import { UNOWNED_MAC, apiOf, byMac, fabric, settle, storedPackets, type Api } from '../helpers/live-fabric.js';
import { memberMac, writeTrafficPcap, type GeneratedTraffic, type PacketTruth } from '../helpers/traffic-pcap.js';
import { zonedDate, zonedParts } from '../../src/statements/time.js';

const ok = haveBinary('softflowd') && haveBinary('pmacctd');
const { asns: ASNS, owner: OWNER, members: MEMBERS } = fabric(false);
const UNOWNED = memberMac(UNOWNED_MAC);

/** Billing month (YYYY-MM) of an instant in a time zone. */
function monthOf(ms: number, tz: string): string {
  const p = zonedParts(ms, tz);
  return `${p.year}-${String(p.month).padStart(2, '0')}`;
}

/** Contract bytes a member sends (in) / receives (out) for `packets` in `units`, by MAC owner. */
function memberBytes(packets: PacketTruth[], units: ContractUnits, asn: number): { in: bigint; out: bigint } {
  const t = memberTotalsOf(expectedMatrix(packets, units, byMac(OWNER)), asn);
  return { in: BigInt(t.in.bytes), out: BigInt(t.out.bytes) };
}

const sumBytes = (m: Map<string, PairTotals>): bigint => [...m.values()].reduce((a, v) => a + BigInt(v.bytes), 0n);

interface DailyRow {
  date: string;
  in_bytes: string;
  out_bytes: string;
}
interface PeerRow {
  asn: number;
  in_bytes: string;
  out_bytes: string;
}
interface StatementBody {
  asn: number;
  month: string;
  in_bytes: string;
  out_bytes: string;
  coverage: number;
  status: string;
  statement: { daily: DailyRow[]; top_peers: PeerRow[]; time_zone: string; days_in_period: number };
}

describe.skipIf(!ok)('real exporters → running service → monthly statements (exact)', () => {
  const tmp = makeTempDir('ixmeter-live-statement-');
  let t: TestService;
  let api: Api;
  let traffic: GeneratedTraffic;
  let pcap: string;

  beforeAll(async () => {
    pcap = join(tmp.dir, 'fabric.pcap');
    traffic = writeTrafficPcap(pcap, {
      seed: 90210,
      members: 14,
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
    expect(imp.body).toMatchObject({ members: 11 });
    await new Promise((r) => setTimeout(r, 1000)); // the collector reloads its keys
  });
  afterAll(async () => {
    killAllExporters();
    await t?.svc.stop();
    tmp.cleanup();
  });

  it('flows from real exporters → statement totals equal ground truth', async () => {
    const tz = t.config.IXMETER_TIMEZONE;
    expect(tz).toBe('Asia/Shanghai');
    const t0 = Date.now();

    // The fabric has what the unknown-traffic check needs: the unowned MAC talks to members both ways.
    const unownedPackets = traffic.packets.filter((p) => p.srcMac === UNOWNED || p.dstMac === UNOWNED);
    expect(unownedPackets.some((p) => p.srcMac === UNOWNED && OWNER.has(p.dstMac))).toBe(true);
    expect(unownedPackets.some((p) => p.dstMac === UNOWNED && OWNER.has(p.srcMac))).toBe(true);

    const runs: Array<{
      name: string;
      units: ContractUnits;
      minPackets: number;
      run: () => Promise<{ exitCode: number | null; stderr: string; log: string }>;
    }> = [
      // sfprobe: up to 8 of the 40 sentinel samples may go with the last datagram (live-members).
      {
        name: 'pmacctd sfprobe 1:1',
        units: 'sflow',
        minPackets: traffic.totals.packets + 32,
        run: () => runPmacctd({ pcap, port: t.port, plugin: 'sfprobe', samplingRate: 1, workDir: tmp.dir }),
      },
      {
        name: 'softflowd IPFIX -T ether',
        units: 'wire',
        minPackets: traffic.totals.packets + traffic.sentinels.length,
        run: () => runSoftflowd({ pcap, port: t.port, version: 10, workDir: tmp.dir, adjustTime: true }),
      },
    ];
    for (const r of runs) {
      const base = await storedPackets(t);
      const run = await r.run();
      expect(run.exitCode, `${r.name}\n${run.stderr}\n${run.log}`).toBe(0);
      await settle(t, base, r.minPackets);
      const landed = (await storedPackets(t)) - base;
      expect(landed, `${r.name}: packets stored`).toBeGreaterThanOrEqual(r.minPackets);
      expect(landed, `${r.name}: packets stored`).toBeLessThanOrEqual(
        traffic.totals.packets + traffic.sentinels.length,
      );
    }
    const t1 = Date.now();

    // Flows are attributed at receive time: the month(s) and day(s) of [t0, t1] in the billing zone.
    const months = [...new Set([monthOf(t0, tz), monthOf(t1, tz)])];
    const days = new Set([zonedDate(t0, tz), zonedDate(t1, tz)]);

    // Ground truth per member: Σ over the two exporters, each in its own units.
    const want = new Map(
      ASNS.map((asn) => {
        const a = memberBytes(traffic.packets, 'sflow', asn);
        const b = memberBytes(traffic.packets, 'wire', asn);
        return [asn, { in: a.in + b.in, out: a.out + b.out }] as const;
      }),
    );
    // Unknown truth: a member's bytes to / from the unowned MAC (its ASN 0 peer), per exporter summed.
    const unknownPeer = new Map(
      ASNS.map((asn) => {
        let i = 0n,
          o = 0n;
        for (const units of ['sflow', 'wire'] as const) {
          const m = memberTotalsOf(expectedMatrix(unownedPackets, units, byMac(OWNER)), asn);
          i += BigInt(m.in.bytes);
          o += BigInt(m.out.bytes);
        }
        return [asn, { in: i, out: o }] as const;
      }),
    );

    const runId = `live-statement-${t0}`;
    for (const month of months) {
      for (const asn of ASNS) await t.svc.domain.statements.compute(asn, month, 'live-statement-test', runId);
    }

    const got = new Map<number, { in: bigint; out: bigint }>();
    const peerUnknown = new Map<number, { in: bigint; out: bigint }>();
    for (const asn of ASNS) {
      const g = { in: 0n, out: 0n };
      const u = { in: 0n, out: 0n };
      for (const month of months) {
        const r = await api('GET', `/members/${asn}/statements/${month}`);
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        const s = r.body as unknown as StatementBody;
        expect(s).toMatchObject({ asn, month, status: 'draft' });
        expect(s.statement.time_zone).toBe(tz);
        expect(s.coverage).toBeGreaterThan(0);
        expect(s.coverage).toBeLessThanOrEqual(1);
        // The daily series covers the whole month and adds up to the month totals.
        const daily = s.statement.daily;
        expect(daily.length).toBe(s.statement.days_in_period);
        expect(daily.reduce((a, d) => a + BigInt(d.in_bytes), 0n).toString(), `AS${asn} ${month} Σ daily in`).toBe(
          s.in_bytes,
        );
        expect(daily.reduce((a, d) => a + BigInt(d.out_bytes), 0n).toString(), `AS${asn} ${month} Σ daily out`).toBe(
          s.out_bytes,
        );
        // …and all of it lies on the day(s) the flows were received.
        for (const d of daily)
          if (!days.has(d.date))
            expect({ asn, date: d.date, in: d.in_bytes, out: d.out_bytes }).toEqual({
              asn,
              date: d.date,
              in: '0',
              out: '0',
            });
        g.in += BigInt(s.in_bytes);
        g.out += BigInt(s.out_bytes);
        // Peers are members or unknown (0), never the unowned MAC as anything else.
        for (const p of s.statement.top_peers) {
          expect(p.asn === 0 || ASNS.includes(p.asn), `AS${asn} peer AS${p.asn}`).toBe(true);
          if (p.asn === 0) {
            u.in += BigInt(p.in_bytes);
            u.out += BigInt(p.out_bytes);
          }
        }
        // top_peers keeps 10 of up to 12 peers: the unknown peer is exact when listed, else it is small.
        if (!s.statement.top_peers.some((p) => p.asn === 0) && s.statement.top_peers.length < 10) {
          const w = unknownPeer.get(asn)!;
          expect({ asn, in: w.in, out: w.out }).toEqual({ asn, in: 0n, out: 0n });
        }
      }
      got.set(asn, g);
      if (u.in || u.out) peerUnknown.set(asn, u);
    }

    // Every member's statement equals its ground truth exactly.
    const show = (m: Map<number, { in: bigint; out: bigint }>) =>
      Object.fromEntries([...m].map(([a, v]) => [`AS${a}`, { in: v.in.toString(), out: v.out.toString() }]));
    expect(show(got)).toEqual(show(want));
    for (const asn of ASNS) expect(want.get(asn)!.in + want.get(asn)!.out, `AS${asn} has traffic`).toBeGreaterThan(0n);

    // The unowned MAC's traffic is billed to no one: Σ members' in = all fabric bytes less what the
    // unowned MAC sent (and the same for out / received); it appears only as the unknown peer, exactly.
    const all =
      sumBytes(expectedMatrix(traffic.packets, 'sflow', byMac(OWNER))) +
      sumBytes(expectedMatrix(traffic.packets, 'wire', byMac(OWNER)));
    const unownedSent =
      sumBytes(
        expectedMatrix(
          traffic.packets.filter((p) => p.srcMac === UNOWNED),
          'sflow',
          byMac(OWNER),
        ),
      ) +
      sumBytes(
        expectedMatrix(
          traffic.packets.filter((p) => p.srcMac === UNOWNED),
          'wire',
          byMac(OWNER),
        ),
      );
    const unownedRecv =
      sumBytes(
        expectedMatrix(
          traffic.packets.filter((p) => p.dstMac === UNOWNED),
          'sflow',
          byMac(OWNER),
        ),
      ) +
      sumBytes(
        expectedMatrix(
          traffic.packets.filter((p) => p.dstMac === UNOWNED),
          'wire',
          byMac(OWNER),
        ),
      );
    expect(unownedSent).toBeGreaterThan(0n);
    expect(unownedRecv).toBeGreaterThan(0n);
    // (Σ in counts each packet with an owned sender once; self traffic of a two-MAC member is in and out.)
    const sumIn = [...got.values()].reduce((a, v) => a + v.in, 0n);
    const sumOut = [...got.values()].reduce((a, v) => a + v.out, 0n);
    expect({ in: sumIn.toString(), out: sumOut.toString() }).toEqual({
      in: (all - unownedSent).toString(),
      out: (all - unownedRecv).toString(),
    });
    const listedUnknown = new Map([...unknownPeer].filter(([a]) => peerUnknown.has(a)));
    expect(show(peerUnknown)).toEqual(show(listedUnknown));
    expect(peerUnknown.size).toBeGreaterThan(0);

    // No statement for the unknown side: the period view lists exactly the members.
    for (const month of months) {
      const p = await api('GET', `/statements/${month}`);
      expect(p.status).toBe(200);
      expect((p.body.statements as Array<{ asn: number }>).map((r) => Number(r.asn)).sort((a, b) => a - b)).toEqual(
        [...ASNS].sort((a, b) => a - b),
      );
    }
  }, 85_000);
});
