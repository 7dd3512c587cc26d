/**
 * The live collector path, end to end: UDP → worker-thread decode → batches → ClickHouse, checked
 * exactly against decoding the same datagrams in-process (with the same exporter identity — sFlow: the
 * agent address — and the same "nothing counted twice" guard). Also: malformed floods never cost valid
 * data, templates survive a restart, and a ClickHouse refusal spools and replays without loss.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDecoderState, decodeDatagram, sniffProtocol } from '../../collectors/decoders/decode.js';
import { exporterIdentity } from '../../collectors/pipeline/exporter-identity.js';
import { ExporterStatsTable } from '../../collectors/pipeline/exporter-stats.js';
import { FlowGuard } from '../../collectors/pipeline/flow-guard.js';
import { NO_SAMPLING_POLICY } from '../../collectors/decoders/types.js';
import { corpusAvailable, corpusPayloads } from '../helpers/corpus.js';
import { tempDir } from '../helpers/env.js';
import { queryOne, sendDatagrams, startTestService, waitFor, type TestService } from '../helpers/in-process.js';

const dir = tempDir();
let t: TestService;

beforeAll(async () => {
  t = await startTestService(dir.path);
});
afterAll(async () => {
  await t?.svc.stop();
  dir.cleanup();
});

interface Totals {
  n: string;
  packets: string;
  l3: string;
  frame: string;
  scaled: string;
}

async function stored(exporters: string[]): Promise<Totals> {
  // toString: exact 64-bit text whatever the JSON number settings of the engine.
  // Aliases differ from column names: ClickHouse would otherwise resolve the WHERE columns to the aggregates.
  const r = await queryOne<Record<string, string>>(
    t.svc,
    `SELECT toString(count()) AS n_, toString(sum(packets)) AS pk_, toString(sum(l3_octets)) AS l3_,
    toString(sum(frame_octets)) AS fr_, toString(sum(toUInt128(frame_octets) * sampling_rate)) AS sc_
    FROM flows_raw WHERE exporter IN (SELECT toIPv6(arrayJoin({e:Array(String)}))) AND packets < {lim:UInt64} AND frame_octets < {lim:UInt64}`,
    { e: exporters, lim: String(SANE) },
  );
  return { n: r.n_!, packets: r.pk_!, l3: r.l3_!, frame: r.fr_!, scaled: r.sc_! };
}

/**
 * A few corpus records (test captures with garbage counters) carry 64-bit counts above 2^53: beyond a
 * double's exact range and physically absurd for one flow (> 9 PB). Totals are compared exactly over
 * every other record; the absurd ones are counted separately.
 */
const SANE = 2 ** 53;

const add = (a: Totals, b: Totals): Totals => ({
  n: String(BigInt(a.n) + BigInt(b.n)),
  packets: String(BigInt(a.packets) + BigInt(b.packets)),
  l3: String(BigInt(a.l3) + BigInt(b.l3)),
  frame: String(BigInt(a.frame) + BigInt(b.frame)),
  scaled: String(BigInt(a.scaled) + BigInt(b.scaled)),
});

/** What the collector must store for `payloads` sent from `source`: totals, kept and decoded record counts, exporter identities. */
function expected(
  payloads: Uint8Array[],
  source: string,
): { want: Totals; kept: number; decoded: number; exporters: string[] } {
  const state = createDecoderState();
  const table = new ExporterStatsTable();
  const guard = new FlowGuard({}, table);
  const exporters = new Set<string>();
  let n = 0n,
    packets = 0n,
    l3 = 0n,
    frame = 0n,
    scaled = 0n,
    kept = 0,
    decoded = 0;
  for (const p of payloads) {
    const now = Date.now();
    const exporter = exporterIdentity(source, sniffProtocol(p), p);
    exporters.add(exporter);
    const r = decodeDatagram({ receivedAtMs: now, exporter, exporterPort: 1, payload: p }, state, NO_SAMPLING_POLICY);
    decoded += r.flows.length;
    guard.apply(r.flows, table.recordDatagram(exporter, null, 0, now), now);
    kept += r.flows.length;
    for (const f of r.flows) {
      if (f.packets >= SANE || f.frameOctets >= SANE) continue;
      n++;
      packets += BigInt(f.packets);
      l3 += BigInt(f.l3Octets);
      frame += BigInt(f.frameOctets);
      scaled += BigInt(f.frameOctets) * BigInt(Math.max(1, Math.round(f.samplingRate)));
    }
  }
  return {
    want: { n: String(n), packets: String(packets), l3: String(l3), frame: String(frame), scaled: String(scaled) },
    kept,
    decoded,
    exporters: [...exporters],
  };
}

describe.skipIf(!corpusAvailable())('live collector', () => {
  it('stores exactly what the decoders produce for the whole corpus', async () => {
    const payloads = corpusPayloads();
    const { want, kept, decoded, exporters } = expected(payloads, '127.0.0.2');
    expect(Number(want.n)).toBeGreaterThan(3000);
    await sendDatagrams(t.port, payloads, { from: '127.0.0.2', perSecond: 10_000 });
    await waitFor(async () => (await stored(exporters)).n === want.n, 20_000, `${want.n} flows stored`);
    const all = await queryOne<{ n: string }>(
      t.svc,
      'SELECT toString(count()) AS n FROM flows_raw WHERE exporter IN (SELECT toIPv6(arrayJoin({e:Array(String)})))',
      { e: exporters },
    );
    expect(Number(all.n)).toBe(kept);
    expect(Number(all.n) - Number(want.n)).toBeLessThan(100);
    expect(await stored(exporters)).toEqual(want);
    // The exporter view is a snapshot the receiving thread posts every second: wait for the last one.
    // sFlow datagrams are booked under their agents (udp_source 127.0.0.2), the rest under 127.0.0.2.
    type Ex = {
      address: string;
      udp_source: string | null;
      packets: number;
      flows: number;
      status: string;
      problems: Array<{ code: string; message: string }>;
    };
    let mine: Ex[] = [];
    await waitFor(
      async () => {
        const res = await fetch(`${t.svc.url}/api/v1/exporters`, { headers: { authorization: `Bearer ${t.admin}` } });
        mine = ((await res.json()) as { exporters: Ex[] }).exporters.filter((e) => exporters.includes(e.address));
        return mine.reduce((a, e) => a + e.packets, 0) === payloads.length;
      },
      10_000,
      'the exporter snapshot',
    );
    expect(mine.reduce((a, e) => a + e.packets, 0)).toBe(payloads.length);
    expect(mine.reduce((a, e) => a + e.flows, 0)).toBe(decoded);
    const ex = mine.find((e) => e.address === '127.0.0.2')!;
    expect(ex.status).toBe('misconfigured'); // the corpus has flows without any sampling information
    expect(ex.problems.find((p) => p.code === 'SAMPLING_UNKNOWN')?.message).toMatch(/without a sampling rate/);
    expect(mine.filter((e) => e.address !== '127.0.0.2').every((e) => e.udp_source === '127.0.0.2')).toBe(true);
  });

  it('keeps every valid datagram while a flood of malformed ones is counted', async () => {
    const valid = corpusPayloads(['netflow5', 'sflow5']);
    const { want: sent, exporters } = expected(valid, '127.0.0.3');
    // sFlow agents of the corpus were seen in the previous test too: compare what this test adds.
    const want = add(await stored(exporters), sent);
    type Ex = { address: string; packets: number; decode_errors: Record<string, number> };
    const everything = async (): Promise<Ex[]> =>
      (
        (await (
          await fetch(`${t.svc.url}/api/v1/exporters`, { headers: { authorization: `Bearer ${t.admin}` } })
        ).json()) as { exporters: Ex[] }
      ).exporters;
    const counted = (l: Ex[]) => l.reduce((a, e) => a + e.packets + (e.decode_errors.queue_full ?? 0), 0);
    const before = counted(await everything());
    const junk: Buffer[] = [];
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const base = corpusPayloads(['netflow9', 'ipfix', 'sflow5']);
    for (let i = 0; i < 100_000; i++) {
      const src = base[Math.floor(rnd() * base.length)]!;
      const b = Buffer.from(src.subarray(0, Math.max(1, Math.floor(rnd() * src.length * 1.1))));
      // sFlow junk names its own agent (the exporter identity), not the corpus agents the valid datagrams use.
      if (b.length >= 28 && b.readUInt32BE(0) === 5) b.fill(0xc6, 8, b.readUInt32BE(4) === 2 ? 24 : 12);
      for (let k = 0; k < 1 + Math.floor(rnd() * 8); k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      junk.push(
        i % 10 === 0
          ? Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256)))
          : b,
      );
    }
    const flood = sendDatagrams(t.port, junk, { from: '127.0.0.4', perSecond: 25_000 });
    await sendDatagrams(t.port, valid, { from: '127.0.0.3', perSecond: 200 });
    await flood;
    await waitFor(async () => (await stored(exporters)).n === want.n, 20_000, 'valid flows stored');
    expect(await stored(exporters)).toEqual(want);
    // Every datagram is accounted for: counted by the collector (junk with an sFlow header under the agent it
    // names, the rest under 127.0.0.4), dropped because its decode queue was full (queue_full), or dropped by
    // the kernel (a loaded 2-core test machine) and visible in the kernel-drops metric. These views refresh every few seconds.
    let fuzz: Ex | undefined;
    let health:
      | {
          collectors: {
            status: string;
            kernel_drops: Record<string, number>;
            decode_queue: { drops: number; bytes: number; capacity: number };
          };
        }
      | undefined;
    await waitFor(
      async () => {
        health = (await (await fetch(`${t.svc.url}/api/v1/health`)).json()) as typeof health;
        const list = await everything();
        fuzz = list.find((e) => e.address === '127.0.0.4');
        const dropped = Object.values(health!.collectors.kernel_drops).reduce((a, b) => a + b, 0);
        return counted(list) - before + dropped === 100_000 + valid.length;
      },
      60_000,
      'junk datagrams counted, or reported as decode-queue or kernel drops',
    ); // a loaded CI box may still be working off the socket backlog
    expect(health!.collectors.status).toBe('ok');
    expect(health!.collectors.decode_queue.capacity).toBeGreaterThanOrEqual(1 << 20);
    expect(health!.collectors.decode_queue.drops).toBeGreaterThanOrEqual(fuzz!.decode_errors.queue_full ?? 0); // all exporters
    expect(Object.values(fuzz!.decode_errors).reduce((a, b) => a + b, 0)).toBeGreaterThan(fuzz!.packets / 10);
  }, 120_000);
});
