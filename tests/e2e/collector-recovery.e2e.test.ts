/**
 * Recovery paths of the live collector: templates persist across a restart (data sent right after the
 * restart decodes), and when ClickHouse refuses inserts (TOO_MANY_PARTS, forced with the table setting
 * parts_to_throw_insert) batches go to the disk spool and are replayed afterwards — counted exactly.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  dataSet,
  record,
  templateSet,
  v9Packet,
  type FieldSpec,
} from '../../collectors/decoders/netflow/testing/encode.js';
import { tempDir } from '../helpers/env.js';
import { queryOne, sendDatagrams, startTestService, waitFor, type TestService } from '../helpers/in-process.js';

const dir = tempDir();
let t: TestService | undefined;
afterAll(async () => {
  await t?.svc.stop();
  dir.cleanup();
});

const FIELDS: FieldSpec[] = [
  { id: 8, len: 4 },
  { id: 12, len: 4 },
  { id: 2, len: 4 },
  { id: 1, len: 4 },
  { id: 56, len: 6 },
  { id: 80, len: 6 },
  { id: 58, len: 2 },
  { id: 34, len: 4 },
];
const template = () => v9Packet({ sourceId: 7, seq: 0 }, [templateSet(9, [{ id: 300, fields: FIELDS }])]);
let seq = 1;
/** n records of 1 packet / 100 octets each, VLAN 10, sampled 1:1 (rate in the record). */
function data(n: number): Uint8Array {
  const recs = Array.from({ length: n }, (_, i) =>
    record(FIELDS, [`10.0.0.${i % 250}`, '10.0.1.1', 1, 100, '02:00:00:00:00:01', '02:00:00:00:00:02', 10, 1]),
  );
  return v9Packet({ sourceId: 7, seq: seq++ }, [dataSet(300, recs)]);
}

async function flows(): Promise<number> {
  return Number(
    (
      await queryOne<{ n: string }>(
        t!.svc,
        "SELECT toString(count()) AS n FROM flows_raw WHERE exporter = toIPv6('::ffff:127.0.0.5')",
      )
    ).n,
  );
}

describe('live collector recovery', () => {
  it('decodes data sent right after a restart with the template learned before it', async () => {
    t = await startTestService(dir.path);
    const port = t.port;
    await sendDatagrams(port, [template()], { from: '127.0.0.5' });
    await new Promise((r) => setTimeout(r, 300));
    await t.svc.stop();
    t = await startTestService(dir.path, { IXMETER_NETFLOW_PORT: String(port) });
    await sendDatagrams(port, [data(5)], { from: '127.0.0.5' });
    await waitFor(async () => (await flows()) === 5, 10_000, '5 flows after restart');
    const row = await queryOne<{ frame: string; vlan: number; src: string }>(
      t.svc,
      "SELECT toString(sum(frame_octets)) AS frame, any(vlan) AS vlan, any(src_mac) = 0x020000000001 AS src FROM flows_raw WHERE exporter = toIPv6('::ffff:127.0.0.5')",
    );
    expect(row.frame).toBe(String(5 * (100 + 22))); // 802.1Q-tagged: 22 octets of Ethernet header, tag and FCS per packet
    expect(Number(row.vlan)).toBe(10);
  });

  it('spools while ClickHouse refuses inserts and replays everything after, exactly once', async () => {
    const svc = t!.svc;
    const before = await flows();
    await svc.storage.client.command({ query: 'ALTER TABLE flows_raw MODIFY SETTING parts_to_throw_insert = 1' });
    const batches = Array.from({ length: 50 }, () => data(20));
    await sendDatagrams(t!.port, batches, { from: '127.0.0.5', perSecond: 100 });
    await waitFor(
      async () => {
        const h = (await (await fetch(`${svc.url}/api/v1/health`)).json()) as {
          collectors: { writer: { spooled_rows: number; degraded: boolean } };
        };
        return h.collectors.writer.degraded && h.collectors.writer.spooled_rows > 0;
      },
      20_000,
      'the writer to spool',
    );
    expect(await flows()).toBeLessThan(before + 1000);
    await svc.storage.client.command({ query: 'ALTER TABLE flows_raw MODIFY SETTING parts_to_throw_insert = 3000' });
    await waitFor(async () => (await flows()) === before + 1000, 30_000, 'spooled rows replayed');
    const h = (await (await fetch(`${svc.url}/api/v1/health`)).json()) as {
      collectors: { status: string; writer: { spooled_rows: number; degraded: boolean } };
    };
    expect(h.collectors.writer).toMatchObject({ spooled_rows: 0, degraded: false });
    await new Promise((r) => setTimeout(r, 1000));
    expect(await flows()).toBe(before + 1000);
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metrics).toMatch(/ixmeter_writer_spooled_rows_total [1-9]/);
    expect(metrics).toMatch(/ixmeter_writer_replayed_rows_total [1-9]/);
  }, 90_000);
});
