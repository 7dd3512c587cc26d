/**
 * Upgrade from the first landed release's schema (migrations 0001–0012) with data in it: flows (rollups
 * filled by their views), statements of the old release. The current migrations then apply on top; flow
 * counts, every rollup's sums and every statement version are unchanged, new flows still reach every
 * rollup, the statements of the upgraded data compute with the current code, and a second run applies nothing.
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDomainServices } from '../../src/runtime/domain-services.js';
import { openStorage, type Storage } from '../../src/storage/clickhouse/client.js';
import { defaultMigrationsDir, migrate, migrationVars } from '../../src/storage/clickhouse/migrate.js';
import { silentLog, tempDir, testConfig } from '../helpers/env.js';

const dir = tempDir();
let storage: Storage | undefined;
afterAll(async () => {
  await storage?.close();
  dir.cleanup();
});

const flows = (
  day: string,
  n: number,
  asnA: number,
  asnB: number,
) => `INSERT INTO flows_raw (received_at, flow_start, flow_end, protocol, exporter, src_mac, dst_mac, packets, frame_octets, l3_octets, sampling_rate, src_asn, dst_asn, src_attr, dst_attr, ip_version)
  SELECT toDateTime64('${day} 00:00:00', 3, 'UTC') + number * 7, toDateTime64('${day} 00:00:00', 3, 'UTC') + number * 7, toDateTime64('${day} 00:00:00', 3, 'UTC') + number * 7,
         'netflow-v9', toIPv6('::ffff:192.0.2.1'), 1, 2, 1 + number % 3, 1000 + number % 500, 900, 1, if(number % 2 = 0, ${asnA}, ${asnB}), if(number % 2 = 0, ${asnB}, ${asnA}), 'mac', 'mac', 4 FROM numbers(${n})`;

const SNAPSHOT = {
  flows: 'SELECT count() AS n, sum(frame_octets) AS o FROM flows_raw',
  mt5: 'SELECT sum(bytes) AS b, sum(packets) AS p FROM member_traffic_5m',
  io5: 'SELECT sum(in_bytes) AS i, sum(out_bytes) AS o FROM member_io_5m',
  mt1h: 'SELECT sum(bytes) AS b FROM member_traffic_1h',
  act: 'SELECT sum(flows) AS f FROM collector_activity_5m',
  statements:
    'SELECT asn, month, version, inputs_hash, amount_fen, document FROM statements ORDER BY month, asn, version',
};

async function snapshot(s: Storage): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [k, q] of Object.entries(SNAPSHOT))
    out[k] = await (await s.client.query({ query: q, format: 'JSONEachRow' })).json();
  return out;
}

describe('upgrade from the first release', () => {
  it('applies the current migrations on an old data directory without changing its data', async () => {
    const config = testConfig(join(dir.path, 'data'));
    const vars = migrationVars(config);
    const old = join(dir.path, 'migrations-0012');
    mkdirSync(old);
    for (const f of readdirSync(defaultMigrationsDir()).filter((f) => f <= '0012_~'))
      copyFileSync(join(defaultMigrationsDir(), f), join(old, f));
    storage = await openStorage(config, silentLog);
    expect((await migrate(storage, { vars, dir: old })).applied).toHaveLength(12);
    await storage.client.command({ query: flows('2026-09-10', 20_000, 64500, 64501) });
    await storage.client.command({ query: flows('2026-10-05', 30_000, 64500, 64502) });
    await storage.client.insert({
      table: 'statements',
      format: 'JSONEachRow',
      values: [64500, 64501].map((asn) => ({
        asn,
        month: '2026-09',
        version: 1,
        run_id: 'r1',
        inputs_hash: `h${asn}`,
        samples_hash: `s${asn}`,
        policy_id: 'p',
        policy_version: 1,
        amount_fen: 12345 + asn,
        document: JSON.stringify({ v: 1, asn }),
        created_at: Date.now(),
        created_by: 'release-1',
      })),
    });
    const before = await snapshot(storage);

    const up = await migrate(storage, { vars, log: silentLog });
    expect(up.applied.length).toBeGreaterThanOrEqual(2);
    expect(up.alreadyApplied).toBe(12);
    expect(await snapshot(storage)).toEqual(before);
    expect((await migrate(storage, { vars })).applied).toEqual([]);

    // New data after the upgrade still reaches every rollup.
    await storage.client.command({ query: flows('2026-10-06', 1000, 64501, 64502) });
    const after = await snapshot(storage);
    expect(Number((after.flows as Array<{ n: string }>)[0]!.n)).toBe(51_000);
    expect(Number((after.act as Array<{ f: string }>)[0]!.f)).toBe(51_000);
    const sum = (r: unknown, k: string) => Number((r as Array<Record<string, string>>)[0]![k]);
    expect(sum(after.mt5, 'b')).toBe(sum(after.mt1h, 'b'));
    expect(sum(after.io5, 'i')).toBe(sum(after.mt5, 'b'));

    // The current code computes statements on the upgraded schema; the old versions stay as they were.
    const domain = createDomainServices(storage, config, silentLog);
    await domain.members.importRegistry(
      JSON.stringify({
        member_list: [64500, 64501, 64502].map((asnum) => ({ asnum, name: `AS${asnum}`, connection_list: [] })),
      }),
      { source: 'test', actor: 'test' },
    );
    const r = await domain.statements.compute(64500, '2026-09', 'test', 'upgrade');
    expect(r.version).toBe(2);
    const rows = (await (
      await storage.client.query({
        query: "SELECT version, created_by FROM statements WHERE asn = 64500 AND month = '2026-09' ORDER BY version",
        format: 'JSONEachRow',
      })
    ).json()) as Array<{ version: number; created_by: string }>;
    expect(rows).toEqual([
      { version: 1, created_by: 'release-1' },
      { version: 2, created_by: 'test' },
    ]);
  }, 120_000);
});
