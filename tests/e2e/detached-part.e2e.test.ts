/**
 * A corrupt part (issue 18): flows of two days in a stopped data directory, statements computed; one
 * flows_raw part file is truncated; at the next start ClickHouse detaches the part and ixmeter records a
 * data incident naming the table and the day, opens a critical operations alert, and marks every
 * statement of the month as needing review. Rows inserted = rows still queryable + rows of the detached part.
 */
import { readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/env.js';
import { serveEnv } from '../helpers/serve-env.js';
import { dumpDataDir } from '../helpers/dump-data-dir.js';
import { ixfDoc } from '../helpers/ixf.js';
import { runCli, spawnCli, waitForHealth, type Spawned } from '../helpers/service.js';
import { writeFileSync } from 'node:fs';

const dir = tempDir();
let svc: Spawned | undefined;
afterAll(() => {
  if (svc && svc.child.exitCode === null) svc.child.kill('SIGKILL');
  dir.cleanup();
});

describe('detached part at start', () => {
  it("names the table and day, alerts operations and marks the month's statements for review", async () => {
    const data = join(dir.path, 'data');
    const { env, db, port } = await serveEnv('broken', data, { IXMETER_NETFLOW_PORT: '0' });
    const members = join(dir.path, 'members.json');
    writeFileSync(
      members,
      JSON.stringify(
        ixfDoc([
          { asn: 64500, macs: ['02:00:00:00:00:01'], firstProduction: '2026-01-15', enrolled: true },
          { asn: 64501, macs: ['02:00:00:00:00:02'] },
        ]),
      ),
    );
    expect(runCli(['members', 'import', members], env).status).toBe(0);
    const insert = (
      day: string,
      n: number,
    ) => `INSERT INTO flows_raw (received_at, flow_start, flow_end, protocol, exporter, src_mac, dst_mac, packets, frame_octets, sampling_rate, src_asn, dst_asn)
      SELECT toDateTime64('${day} 00:00:00', 3, 'UTC') + number, toDateTime64('${day} 00:00:00', 3, 'UTC') + number, toDateTime64('${day} 00:00:00', 3, 'UTC') + number,
             'netflow-v9', toIPv6('::ffff:192.0.2.1'), 0x020000000001, 0x020000000002, 1, 1000, 1, 64500, 64501 FROM numbers(${n})`;
    const before = dumpDataDir(data, db, {
      '!a': insert('2026-10-15', 5000),
      '!b': insert('2026-10-20', 3000),
      parts:
        "SELECT partition_id, name, rows, path FROM system.parts WHERE database = currentDatabase() AND table = 'flows_raw' AND active ORDER BY partition_id",
    });
    expect(runCli(['statements', 'run', '--month', '2026-10'], env).status).toBe(0);
    const victim = (before.parts as Array<{ partition_id: string; name: string; rows: string; path: string }>).find(
      (p) => p.partition_id === '20261015',
    )!;
    const bin = readdirSync(victim.path)
      .filter((f) => f.endsWith('.bin'))
      .sort((a, b) => statSync(join(victim.path, b)).size - statSync(join(victim.path, a)).size)[0]!;
    truncateSync(join(victim.path, bin), 7); // the stopped data directory's part is damaged

    svc = spawnCli(['serve'], env);
    await waitForHealth(`http://127.0.0.1:${port}`, 60_000);
    const { alerts } = (await (
      await fetch(`http://127.0.0.1:${port}/api/v1/alerts`, {
        headers: { authorization: `Bearer ${env.IXMETER_ADMIN_TOKEN}` },
      })
    ).json()) as { alerts: Array<{ type: string; severity: string; target: string; evidence: { months: string[] } }> };
    const a = alerts.find((x) => x.type === 'DATA_PARTS_DETACHED');
    expect(a).toMatchObject({
      severity: 'critical',
      target: 'clickhouse:flows_raw',
      evidence: { months: ['2026-10'] },
    });
    svc.child.kill('SIGTERM');
    expect(await svc.exited).toBe(0);
    expect(svc.stdout() + svc.stderr()).toMatch(
      /DATA INCIDENT: table flows_raw: part broken-on-start_\S+ was detached by ClickHouse \(broken-on-start\); rows of day 2026-10-15 \(UTC\)/,
    );

    const after = dumpDataDir(data, db, {
      flows: 'SELECT count() AS n FROM flows_raw',
      incidents: 'SELECT table_name, partition_id, reason, months FROM data_incidents',
      events: "SELECT asn, month, version, note FROM statement_events WHERE action = 'data_incident' ORDER BY asn",
    });
    const inserted = 8000,
      lostRows = Number(victim.rows);
    console.log(
      `detached: inserted ${inserted} rows; queryable ${after.flows![0]!.n}; in the detached part ${lostRows} (reported as incident)`,
    );
    expect(Number(after.flows![0]!.n) + lostRows).toBe(inserted);
    expect(after.incidents).toEqual([
      { table_name: 'flows_raw', partition_id: '20261015', reason: 'broken-on-start', months: ['2026-10'] },
    ]);
    expect((after.events as Array<{ asn: number; note: string }>).map((e) => e.asn)).toEqual([64500, 64501]);
    expect(String(after.events![0]!.note)).toMatch(/^needs review: di_[0-9a-f]{16} flows_raw\/broken-on-start_/);
    // A statement run of that month carries the incident in its event note; a second start reports nothing new.
    const rerun = runCli(['statements', 'run', '--month', '2026-10'], env);
    expect(rerun.status).toBe(0);
    const notes = dumpDataDir(data, db, {
      n: "SELECT count() AS n FROM statement_events WHERE note LIKE '%needs-review data-incidents:di_%'",
      i: 'SELECT count() AS n FROM data_incidents',
    });
    expect(Number(notes.n![0]!.n)).toBe(2);
    expect(Number(notes.i![0]!.n)).toBe(1);
  }, 240_000);
});
