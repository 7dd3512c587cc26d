/**
 * Real exporters → the RUNNING service (in-process all-in-one: UDP collector, chDB, Redis, HTTP API) → the
 * exchange overview and port utilisation.
 *
 * - After each run (softflowd IPFIX, pmacct sfprobe sFlow 1:1) of the generated fabric pcap (30 % IPv6): the
 *   overview's total equals the sum of the matrix over the same range, IPv4 + IPv6 = total at every point
 *   and in total, and both families are present.
 * - Port utilisation: AS65101 and AS65103 declare a 1 Mbit/s port (IX-F if_speed 1). softflowd exports a
 *   capture in which AS65101 sends ≈ 32 MB (≈ 85 % of 1 Mbit/s over one 5-minute bucket) and AS65103 ≈ 15 MB
 *   (≈ 40 %). With IXMETER_UTILIZATION_BUCKETS=1 the minute job's scan opens PORT_UTILIZATION for AS65101
 *   and not for AS65103. Rollup buckets are by receive time: the run starts well inside a bucket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { haveBinary, killAllExporters, makeTempDir, runPmacctd, runSoftflowd } from '../helpers/exporters.js';
import { startTestService, type TestService } from '../helpers/in-process.js';
import { ixfDoc } from '../helpers/ixf.js';
import { apiOf, fabric, settle, storedPackets, type Api } from '../helpers/live-fabric.js';
import { udpDatagramsToPcap, writeMac, writeTrafficPcap } from '../helpers/traffic-pcap.js';

const ok = haveBinary('softflowd') && haveBinary('pmacctd');
const MAC = { a: 0x020000001001, b: 0x020000001002, c: 0x020000001003, d: 0x020000001004 };
const macText = (m: number) =>
  m
    .toString(16)
    .padStart(12, '0')
    .replace(/(..)(?=.)/g, '$1:');

/** A capture of `count` UDP datagrams of 1400 octets from MAC src to MAC dst (one flow). */
function bulk(src: number, dst: number, count: number, port: number): Buffer {
  const t0 = Date.now() - 60_000;
  const pcap = udpDatagramsToPcap(
    Array.from({ length: count }, (_, i) => ({
      tsMs: t0 + Math.floor(i / 50),
      srcAddr: '192.0.2.1',
      srcPort: port,
      dstAddr: '192.0.2.2',
      dstPort: 9000,
      payload: new Uint8Array(1400),
    })),
  );
  // Set the MACs of every record (the writer uses fixed ones).
  for (let off = 24; off < pcap.length;) {
    const len = pcap.readUInt32LE(off + 8);
    writeMac(pcap, off + 16, dst);
    writeMac(pcap, off + 22, src);
    off += 16 + len;
  }
  return pcap;
}

describe.skipIf(!ok)('real exporters → running service → overview and port utilisation', () => {
  const tmp = makeTempDir('ixmeter-live-overview-');
  let t: TestService;
  let api: Api;
  const from = new Date(Date.now() - 3600_000).toISOString();
  const to = new Date(Date.now() + 3600_000).toISOString();

  beforeAll(async () => {
    t = await startTestService(join(tmp.dir, 'svc'), { IXMETER_UTILIZATION_BUCKETS: '1' });
    api = apiOf(t);
    const doc = ixfDoc([
      ...fabric(false).members,
      { asn: 65101, macs: [macText(MAC.a)] },
      { asn: 65102, macs: [macText(MAC.b)] },
      { asn: 65103, macs: [macText(MAC.c)] },
      { asn: 65104, macs: [macText(MAC.d)] },
    ]);
    for (const m of doc.member_list as Array<{
      asnum: number;
      connection_list: Array<{ if_list: Array<{ if_speed: number }> }>;
    }>) {
      if (m.asnum === 65101 || m.asnum === 65103) m.connection_list[0]!.if_list[0]!.if_speed = 1;
    }
    const imp = await api('POST', '/members/import', doc);
    expect(imp.status, JSON.stringify(imp.body)).toBe(200);
    await new Promise((r) => setTimeout(r, 1000)); // the collector reloads its keys
  });
  afterAll(async () => {
    killAllExporters();
    await t?.svc.stop();
    tmp.cleanup();
  });

  async function expectOverviewEqualsMatrix(): Promise<void> {
    const q = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&step=300`;
    const o = (await api('GET', `/overview?${q}`)).body as {
      total_bytes: string;
      ipv4_bytes: string;
      ipv6_bytes: string;
      series: Array<{ bps: number; ipv4_bps: number; ipv6_bps: number }>;
    };
    const m = (await api('GET', `/traffic/matrix?${q.replace('&step=300', '')}`)).body as {
      rows: Array<{ bytes: string }>;
    };
    const sum = m.rows.reduce((s, r) => s + BigInt(r.bytes), 0n);
    expect(sum).toBeGreaterThan(0n);
    expect(BigInt(o.total_bytes)).toBe(sum);
    expect(BigInt(o.ipv4_bytes) + BigInt(o.ipv6_bytes)).toBe(sum);
    expect(BigInt(o.ipv4_bytes)).toBeGreaterThan(0n);
    expect(BigInt(o.ipv6_bytes)).toBeGreaterThan(0n);
    for (const p of o.series) expect(p.ipv4_bps + p.ipv6_bps).toBeCloseTo(p.bps, 3);
    expect(o.series.reduce((s, p) => s + (p.bps * 300) / 8, 0)).toBeCloseTo(Number(sum), -2);
  }

  const pcap = join(tmp.dir, 'fabric.pcap');
  const runs: Array<{
    name: string;
    run: (port: number) => Promise<{ exitCode: number | null; stderr: string; log: string }>;
    sentinels: number;
  }> = [
    {
      name: 'softflowd IPFIX',
      run: (port) => runSoftflowd({ pcap, port, version: 10, workDir: tmp.dir, adjustTime: true }),
      sentinels: 40,
    },
    {
      name: 'pmacctd sfprobe sFlow 1:1',
      run: (port) => runPmacctd({ pcap, port, plugin: 'sfprobe', samplingRate: 1, workDir: tmp.dir }),
      sentinels: 32,
    },
  ];
  for (const r of runs) {
    it(`${r.name}: overview total = sum of the matrix; IPv4 + IPv6 = total at every point`, async () => {
      const traffic = writeTrafficPcap(pcap, {
        seed: 4242,
        members: 14,
        conversations: 100,
        minPackets: 5,
        maxPackets: 60,
        ipv6Fraction: 0.3,
        trailerFrames: 40,
      });
      const base = await storedPackets(t);
      const run = await r.run(t.port);
      expect(run.exitCode, `${run.stderr}\n${run.log}`).toBe(0);
      await settle(t, base, traffic.totals.packets + r.sentinels);
      await expectOverviewEqualsMatrix();
    }, 60_000);
  }

  it('PORT_UTILIZATION opens for a 1 Mbit/s port driven over 80 % and stays closed for one at 40 %', async () => {
    const file = join(tmp.dir, 'bulk.pcap');
    writeFileSync(
      file,
      Buffer.concat([bulk(MAC.a, MAC.b, 22_000, 5001), bulk(MAC.c, MAC.d, 10_300, 5002).subarray(24)]),
    );
    // Start well inside a 5-minute bucket, so that the whole export lands in one.
    const into = Date.now() % 300_000;
    if (into > 240_000) await new Promise((r) => setTimeout(r, 300_000 - into + 2000));
    const bucket = Math.floor(Date.now() / 300_000) * 300_000;
    const base = await storedPackets(t);
    const run = await runSoftflowd({ pcap: file, port: t.port, version: 10, workDir: tmp.dir, adjustTime: true });
    expect(run.exitCode, run.stderr).toBe(0);
    await settle(t, base, 32_300);
    const u = (
      await api(
        'GET',
        `/utilization?from=${encodeURIComponent(new Date(bucket).toISOString())}&to=${encodeURIComponent(new Date(bucket + 300_000).toISOString())}`,
      )
    ).body as {
      members: Array<{ asn: number; peak_pct: number | null; over_threshold: boolean }>;
    };
    const a = u.members.find((m) => m.asn === 65101)!;
    const c = u.members.find((m) => m.asn === 65103)!;
    expect(a.peak_pct!).toBeGreaterThan(80);
    expect(a.over_threshold).toBe(true);
    expect(c.peak_pct!).toBeGreaterThan(30);
    expect(c.peak_pct!).toBeLessThan(80);
    expect(c.over_threshold).toBe(false);
    // The minute job's scan, once that bucket is complete.
    await t.svc.domain.utilization.scan(t.svc.domain.alerts, bucket + 300_000 + 5000);
    const alerts = (await api('GET', '/alerts?type=PORT_UTILIZATION')).body as {
      alerts: Array<{ target: string; severity: string; victim_asn: number }>;
    };
    expect(alerts.alerts.map((x) => x.target)).toEqual(['AS65101 port']);
    expect(alerts.alerts[0]).toMatchObject({ severity: 'warning', victim_asn: 65101 });
  }, 400_000);
});
