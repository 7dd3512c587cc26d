/**
 * Per-member coverage with real exporters (issue 13): two pmacct sfprobe exporters, each from its own
 * source address (= its sFlow agent address, the exporter's identity), members split between them by
 * registered port. In one 5-minute bucket both replay the fabric pcap; in the next only the second one
 * does (the first is silent for the whole bucket). The first exporter's members then have that bucket
 * missing — not zero, and not partly counted from the second exporter's samples — while the second's
 * members have both buckets valid; each total and P95 equals the ground truth over the valid buckets
 * (nearest rank, computed here independently), and coverage this low puts the subsidy to needs_review.
 *
 * The test waits for a bucket boundary (up to 5 minutes): liveness is by arrival time.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveBinary, killAllExporters, makeTempDir, runPmacctd } from '../helpers/exporters.js';
import { expectedMatrix, memberTotalsOf } from '../helpers/ground-truth.js';
import { startTestService, type TestService } from '../helpers/in-process.js';
import { ixfDoc } from '../helpers/ixf.js';
import { apiOf, byMac, macText, settle, storedPackets, type Api } from '../helpers/live-fabric.js';
import { memberMac, writeTrafficPcap, type GeneratedTraffic } from '../helpers/traffic-pcap.js';
import { zonedParts } from '../../src/statements/time.js';

const ok = haveBinary('pmacctd');
const E1 = '127.0.0.31';
const E2 = '127.0.0.32';
/** MAC i (1..4) → member; AS65101/2 sit on E1, AS65103/4 on E2. */
const SPEC = [
  { asn: 65101, mac: 1, exporter: E1 },
  { asn: 65102, mac: 2, exporter: E1 },
  { asn: 65103, mac: 3, exporter: E2 },
  { asn: 65104, mac: 4, exporter: E2 },
];
const OWNER = new Map(SPEC.map((s) => [memberMac(s.mac), s.asn]));
const BUCKET = 300_000;

function monthOf(ms: number): string {
  const p = zonedParts(ms, 'Asia/Shanghai');
  return `${p.year}-${String(p.month).padStart(2, '0')}`;
}

/** Nearest rank: the ⌈0.95·n⌉-th smallest. */
function nearestRank(values: bigint[]): bigint {
  const s = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return s[Math.ceil(0.95 * s.length) - 1]!;
}

async function untilNextBucket(minLeftMs = 0): Promise<void> {
  const left = BUCKET - (Date.now() % BUCKET);
  if (left < minLeftMs || minLeftMs === 0) await new Promise((r) => setTimeout(r, left + 1500));
}

describe.skipIf(!ok)('per-member coverage with two real exporters, one silent for a whole bucket', () => {
  const tmp = makeTempDir('ixmeter-live-coverage-');
  let t: TestService;
  let api: Api;
  let traffic: GeneratedTraffic;
  let pcap: string;

  beforeAll(async () => {
    pcap = join(tmp.dir, 'fabric.pcap');
    traffic = writeTrafficPcap(pcap, {
      seed: 1313,
      members: 4,
      conversations: 40,
      minPackets: 5,
      maxPackets: 60,
      trailerFrames: 40,
    });
    t = await startTestService(join(tmp.dir, 'svc'));
    api = apiOf(t);
    const members = ixfDoc(
      SPEC.map((s) => ({
        asn: s.asn,
        macs: [macText(s.mac)],
        ports: [{ exporter: s.exporter, if_index: 10 + s.mac }],
        firstProduction: '2024-01-01',
        enrolled: true,
      })),
    );
    const imp = await api('POST', '/members/import', members);
    expect(imp.status, JSON.stringify(imp.body)).toBe(200);
    const policy = readFileSync('policies/example-policy.yaml', 'utf8')
      .replace('policy_id: EXAMPLE-ZW-TRAFFIC-2022', 'policy_id: TEST-LIVE-COVERAGE')
      .replace('effective_from: "2022-07-01"', 'effective_from: "2024-01-01"')
      .replace('effective_to: "2025-12-31"', 'effective_to: null');
    const added = await fetch(`${t.svc.url}/api/v1/policies`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.admin}`, 'content-type': 'application/yaml' },
      body: policy,
    });
    expect(added.status).toBe(200);
    await new Promise((r) => setTimeout(r, 1000)); // the collector reloads its keys
  }, 60_000);
  afterAll(async () => {
    killAllExporters();
    await t?.svc.stop();
    tmp.cleanup();
  });

  const replay = async (source: string) => {
    const base = await storedPackets(t);
    const run = await runPmacctd({
      pcap,
      port: t.port,
      plugin: 'sfprobe',
      samplingRate: 1,
      workDir: tmp.dir,
      extra: { sfprobe_source_ip: source },
    });
    expect(run.exitCode, `${source}\n${run.stderr}\n${run.log}`).toBe(0);
    await settle(t, base, traffic.totals.packets);
  };

  it("the silent exporter's members get the bucket missing; the others keep it; totals and P95 over valid buckets", async () => {
    await untilNextBucket(90_000); // phase 1 must fit in one bucket
    const b0 = Math.floor(Date.now() / BUCKET) * BUCKET;
    await replay(E1);
    await replay(E2);
    expect(Math.floor(Date.now() / BUCKET) * BUCKET, 'phase 1 within one bucket').toBe(b0);
    await untilNextBucket();
    const b1 = Math.floor(Date.now() / BUCKET) * BUCKET;
    await replay(E2);
    await new Promise((r) => setTimeout(r, 6000)); // liveness rows flush within 5 s
    expect(Math.floor(Date.now() / BUCKET) * BUCKET, 'phase 2 within one bucket').toBe(b1);
    const month = monthOf(b1);
    expect(monthOf(b0), 'both buckets in one billing month').toBe(month);

    // Both exporters are known by their agent (= source) address, alive in the buckets they sent in.
    const rs = await t.svc.storage.client.query({
      query:
        'SELECT IPv6NumToString(exporter) AS e, groupArray(toUnixTimestamp(bucket) * 1000) AS b FROM (SELECT exporter, bucket FROM exporter_activity_5m GROUP BY exporter, bucket ORDER BY bucket) GROUP BY e ORDER BY e',
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([
      { e: `::ffff:${E1}`, b: [b0] },
      { e: `::ffff:${E2}`, b: [b0, b1] },
    ]);

    for (const s of SPEC)
      await t.svc.domain.statements.compute(s.asn, month, 'live-coverage-test', `live-coverage-${b1}`);
    // Ground truth of one replay (sFlow units: the frame length), per member.
    const truth = (asn: number) => memberTotalsOf(expectedMatrix(traffic.packets, 'sflow', byMac(OWNER)), asn);
    for (const s of SPEC) {
      const r = await api('GET', `/members/${s.asn}/statements/${month}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      const d = r.body as Record<string, unknown> & {
        expected_buckets: number;
        valid_buckets: number;
        missing_buckets: number;
        in_bytes: string;
        out_bytes: string;
        subsidy: { status: string };
        statement: { p95_in_bucket_bytes: string | null; p95_out_bucket_bytes: string | null };
      };
      const valid = s.exporter === E1 ? [b0] : [b0, b1];
      const tr = truth(s.asn);
      // each replay sends the whole pcap (every member's frames): b0 holds two replays, b1 one
      const replays = (b: number) => (b === b0 ? 2n : 1n);
      const perBucketIn = valid.map((b) => replays(b) * BigInt(tr.in.bytes));
      const perBucketOut = valid.map((b) => replays(b) * BigInt(tr.out.bytes));
      expect({ asn: s.asn, valid: d.valid_buckets, missing: d.missing_buckets }).toEqual({
        asn: s.asn,
        valid: valid.length,
        missing: d.expected_buckets - valid.length,
      });
      expect({ asn: s.asn, in: d.in_bytes, out: d.out_bytes }).toEqual({
        asn: s.asn,
        in: String(perBucketIn.reduce((a, b) => a + b, 0n)),
        out: String(perBucketOut.reduce((a, b) => a + b, 0n)),
      });
      expect(d.statement.p95_in_bucket_bytes).toBe(String(nearestRank(perBucketIn)));
      expect(d.statement.p95_out_bucket_bytes).toBe(String(nearestRank(perBucketOut)));
      expect(d.subsidy.status, `AS${s.asn}`).toBe('needs_review');
      expect(d.coverage_basis).toBe('registered_ports');
      const silent = d.silent_exporters as Array<{ exporter: string; intervals: Array<{ from: string; to: string }> }>;
      expect(silent.map((x) => x.exporter)).toEqual(s.exporter === E1 ? [E1] : [E2]);
      // E1's members: b1 lies in a silent interval of E1; E2's members: b1 is not silent
      const inSilent = silent.some((x) => x.intervals.some((i) => Date.parse(i.from) <= b1 && b1 < Date.parse(i.to)));
      expect(inSilent, `AS${s.asn} b1 silent`).toBe(s.exporter === E1);
    }
  }, 720_000);
});
