/**
 * A backfill killed in the middle resumes (issue 18 §4). A data directory of the release before the rollups
 * (migrations 0001–0010) holds 48 months of member_traffic_5m. `ixmeter migrate` (a real process) copies
 * them month by month into member_io_5m and is killed with SIGKILL once its progress lines show 12 months
 * copied. The state of a kill between a month's INSERT and its ledger row is forced too (the last ledger
 * row deleted: that month is in the table but not recorded). The next `ixmeter migrate` skips the recorded
 * months, deletes and copies again the unrecorded one, copies the rest, and applies every later backfill;
 * every rollup then equals an aggregation of member_traffic_5m written independently (UNION ALL instead of
 * ARRAY JOIN, per month) and the generator's own totals. A third run changes nothing.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir, uniqueName } from '../helpers/env.js';
import { dumpDataDir } from '../helpers/dump-data-dir.js';
import { oldSchemaDataDir } from '../helpers/old-schema-data-dir.js';
import { runCli, spawnCli, type Spawned } from '../helpers/service.js';

const dir = tempDir();
let first: Spawned | undefined;
afterAll(() => {
  if (first && first.child.exitCode === null) first.child.kill('SIGKILL');
  dir.cleanup();
});

const N = 420_000; // 5-minute buckets from 2022-12-01: 48 months
const MONTHS = 48;
const rowsSql = `INSERT INTO member_traffic_5m (bucket, src_asn, dst_asn, ip_version, bytes, l3_bytes, packets, samples)
  SELECT toDateTime('2022-12-01 00:00:00', 'UTC') + number * 300, 64500 + number % 7, 64500 + number % 11, if(number % 3 = 0, 6, 4),
         1000 + number % 997, 900 + number % 997, 1 + number % 5, 1 FROM numbers(${N})`;

const CHECK = {
  io: 'SELECT asn, toYYYYMM(bucket) AS m, sum(in_bytes) AS i, sum(out_bytes) AS o, sum(in_packets) AS ip, sum(out_packets) AS op FROM member_io_5m GROUP BY asn, m ORDER BY asn, m',
  ioExpected: `SELECT asn, m, sum(i) AS i, sum(o) AS o, sum(ip) AS ip, sum(op) AS op FROM (
      SELECT src_asn AS asn, toYYYYMM(bucket) AS m, bytes AS i, 0 AS o, packets AS ip, 0 AS op FROM member_traffic_5m
      UNION ALL SELECT dst_asn, toYYYYMM(bucket), 0, bytes, 0, packets FROM member_traffic_5m) GROUP BY asn, m ORDER BY asn, m`,
  h1: 'SELECT toYYYYMM(bucket) AS m, sum(bytes) AS b, sum(l3_bytes) AS l, sum(packets) AS p, uniqExact(bucket, src_asn, dst_asn, ip_version) AS k FROM member_traffic_1h GROUP BY m ORDER BY m',
  h1Expected:
    'SELECT toYYYYMM(bucket) AS m, sum(bytes) AS b, sum(l3_bytes) AS l, sum(packets) AS p, uniqExact(toStartOfHour(bucket), src_asn, dst_asn, ip_version) AS k FROM member_traffic_5m GROUP BY m ORDER BY m',
  d1: 'SELECT toYYYYMM(bucket) AS m, sum(bytes) AS b, sum(l3_bytes) AS l, sum(packets) AS p, uniqExact(bucket, src_asn, dst_asn, ip_version) AS k FROM member_traffic_1d GROUP BY m ORDER BY m',
  d1Expected:
    'SELECT toYYYYMM(bucket) AS m, sum(bytes) AS b, sum(l3_bytes) AS l, sum(packets) AS p, uniqExact(toStartOfDay(bucket), src_asn, dst_asn, ip_version) AS k FROM member_traffic_5m GROUP BY m ORDER BY m',
  fabric:
    'SELECT toYYYYMM(bucket) AS m, sum(bytes) AS b, sum(l3_bytes) AS l, sum(packets) AS p, uniqExact(bucket, ip_version) AS k FROM fabric_traffic_5m GROUP BY m ORDER BY m',
  fabricExpected:
    'SELECT toYYYYMM(bucket) AS m, sum(bytes) AS b, sum(l3_bytes) AS l, sum(packets) AS p, uniqExact(bucket, ip_version) AS k FROM member_traffic_5m GROUP BY m ORDER BY m',
  totals:
    'SELECT (SELECT sum(in_bytes) FROM member_io_5m) AS io_in, (SELECT sum(out_bytes) FROM member_io_5m) AS io_out, (SELECT sum(bytes) FROM member_traffic_1h) AS h1, (SELECT sum(bytes) FROM member_traffic_1d) AS d1, (SELECT sum(bytes) FROM fabric_traffic_5m) AS fabric',
  ledger:
    'SELECT version, count() AS chunks, sum(rows) AS rows, sum(redone) AS redone FROM schema_backfill_chunks GROUP BY version ORDER BY version',
};

const lines = (text: string, target: string, state: string) =>
  text.split('\n').filter((l) => l.startsWith(`backfill ${target} `) && l.includes(` ${state}, `));

describe('a backfill killed in the middle', () => {
  it('resumes after kill -9: recorded months skipped, the half-copied one redone once, the result exact; a third run changes nothing', async () => {
    const data = join(dir.path, 'data');
    const db = uniqueName('resume');
    const env = { IXMETER_DATA_DIR: data, IXMETER_CLICKHOUSE_DATABASE: db, IXMETER_REDIS_PREFIX: uniqueName('resume') };
    oldSchemaDataDir(data, db, '0010', [rowsSql]);

    // First run: killed once 12 of the 48 months are copied into member_io_5m.
    first = spawnCli(['migrate'], env);
    const killedAt = await new Promise<number>((resolve, reject) => {
      first!.child.stderr!.on('data', () => {
        const done = lines(first!.stderr(), 'member_io_5m', 'copied').length;
        if (done >= 12 && first!.child.exitCode === null) {
          first!.child.kill('SIGKILL');
          resolve(done);
        }
      });
      void first!.exited.then((code) =>
        reject(new Error(`migrate ended before the kill (code ${code}): ${first!.stderr().slice(-2000)}`)),
      );
    });
    expect(await first.exited).toBe(null); // killed by the signal
    expect(first.stderr()).toMatch(
      new RegExp(
        `backfill member_io_5m \\(0011_create_member_io_5m\\.sql\\): chunk 202212 copied, 1/${MONTHS} chunks, \\d+/${N} source rows`,
      ),
    );

    const crashed = dumpDataDir(data, db, {
      ledger: CHECK.ledger,
      applied: 'SELECT max(version) AS v FROM schema_migrations',
    });
    expect(Number(crashed.applied![0]!.v)).toBe(10); // 0011 not recorded as applied
    const recorded = Number(crashed.ledger!.find((r) => Number(r.version) === 11)!.chunks);
    expect(recorded).toBeGreaterThanOrEqual(killedAt);
    expect(recorded).toBeLessThan(MONTHS);
    // The state of a kill between a month's INSERT and its ledger row: the month is in member_io_5m, unrecorded.
    dumpDataDir(data, db, {
      '!forget':
        'ALTER TABLE schema_backfill_chunks DELETE WHERE version = 11 AND chunk = (SELECT max(chunk) FROM schema_backfill_chunks WHERE version = 11) SETTINGS mutations_sync = 2',
    });

    // Second run: resumes.
    const second = runCli(['migrate'], env, 300_000);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toMatch(
      /applied \d+ migration\(s\): 0011_create_member_io_5m\.sql, 0012_create_member_traffic_1h\.sql/,
    );
    const skipped = lines(second.stderr, 'member_io_5m', 'skipped');
    const redone = lines(second.stderr, 'member_io_5m', 'redone');
    const copied = lines(second.stderr, 'member_io_5m', 'copied');
    console.log(
      `backfill resume: killed once ${killedAt} months were reported copied; ledger held ${recorded} (one then forgotten); ` +
        `second run: ${skipped.length} skipped, ${redone.length} deleted and copied again, ${copied.length} copied`,
    );
    expect(skipped).toHaveLength(recorded - 1);
    expect(redone.length).toBeGreaterThanOrEqual(1); // the forced one, and the month the kill interrupted if it had written rows
    expect(redone.length).toBeLessThanOrEqual(2);
    expect(skipped.length + redone.length + copied.length).toBe(MONTHS);
    expect(second.stderr).toContain(`${MONTHS}/${MONTHS} chunks, ${N}/${N} source rows`);
    expect(lines(second.stderr, 'member_traffic_1h', 'copied')).toHaveLength(MONTHS);

    const after = dumpDataDir(data, db, CHECK);
    expect(after.io).toEqual(after.ioExpected);
    expect(after.h1).toEqual(after.h1Expected);
    expect(after.d1).toEqual(after.d1Expected);
    expect(after.fabric).toEqual(after.fabricExpected);
    expect(after.io).toHaveLength(11 * MONTHS); // every ASN 64500–64510 receives in every month
    let bytes = 0;
    for (let i = 0; i < N; i++) bytes += 1000 + (i % 997);
    expect(Object.fromEntries(Object.entries(after.totals![0]!).map(([k, v]) => [k, Number(v)]))).toEqual({
      io_in: bytes,
      io_out: bytes,
      h1: bytes,
      d1: bytes,
      fabric: bytes,
    });
    const ledger = new Map(after.ledger!.map((r) => [Number(r.version), r]));
    for (const v of [11, 12, 40, 41])
      expect([Number(ledger.get(v)?.chunks), Number(ledger.get(v)?.rows)]).toEqual([MONTHS, N]);

    // Third run: nothing to do, nothing changed.
    const third = runCli(['migrate'], env, 120_000);
    expect(third.status, third.stderr).toBe(0);
    expect(third.stdout).toMatch(/schema is up to date/);
    expect(third.stderr).not.toMatch(/^backfill /m);
    expect(dumpDataDir(data, db, CHECK)).toEqual(after);
  }, 600_000);
});
