/**
 * Read-path benchmark on embedded ClickHouse (chDB): `traffic.memberTraffic` and `traffic.matrix` over a
 * month of member × member 5-minute rollup (issue targets: member traffic < 50 ms, full matrix < 500 ms,
 * 30 days, 500 members).
 *
 * Data: `member_traffic_5m` filled inside ClickHouse (`INSERT … SELECT … FROM numbers_mt(…)`, no JS row
 * loop; `member_io_5m`, which memberTraffic reads, and `member_traffic_1h`, which the matrix reads, follow
 * through their views). Member m (0 … N−1, ASN 4200000000+m) talks to 10–20 peers in every bucket; peers are
 * skewed towards low member numbers (a few "content" members most others talk to); the member's rate is Pareto
 * (α 1.2, ≥ 20 Mbit/s, ≤ 200 Gbit/s), split Zipf-like over its peers (peer k gets 1/(k+1)); diurnal curve
 * peaking 21:00 UTC+8, ±15 % noise; a third of the pairs IPv6. packets = bytes/900, l3 = bytes − 18·packets,
 * samples ≈ packets/2000. Deterministic (hashes, no rand()).
 *
 * Timed: the domain services (SQL + JSON + series filling, what the API handler awaits), median and p95
 * after a warm-up, once as inserted (background merges settled) and once after OPTIMIZE TABLE … FINAL.
 *
 * chDB allows one data directory per process, so run.ts starts this file as a child:
 *   node dist/tests/bench/queries.js OUT.json
 * Environment: BENCH_QUICK=1 (100 members, 7 days, 10 runs), BENCH_QUERIES_MEMBERS=500, BENCH_QUERIES_DAYS=30,
 *   BENCH_QUERIES_RUNS=20, BENCH_QUERIES_OPTIMIZE=0 (skip the OPTIMIZE FINAL pass), BENCH_KEEP=1.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';
import { createDomainServices } from '../../src/runtime/domain-services.js';
import { openMigratedStorage } from '../../src/runtime/storage-setup.js';
import { silentLog, tempDir, testConfig } from '../helpers/env.js';
import { prng } from '../../src/shared/prng.js';

// ---------------------------------------------------------------- shared with statements.ts

export type Log = (m: string) => void;

export interface Timing {
  runs: number;
  medianMs: number;
  p95Ms: number;
  minMs: number;
  maxMs: number;
  meanMs: number;
}

export function timing(samples: number[]): Timing {
  const s = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
  const r = (x: number) => Math.round(x * 10) / 10;
  return {
    runs: s.length,
    medianMs: r(rank(50)),
    p95Ms: r(rank(95)),
    minMs: r(s[0]!),
    maxMs: r(s[s.length - 1]!),
    meanMs: r(s.reduce((a, b) => a + b, 0) / s.length),
  };
}

export const envInt = (name: string, fallback: number): number => {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
  return n;
};

export async function rowsOf<T>(client: ClickHouseClient, query: string): Promise<T[]> {
  return (await client.query({ query, format: 'JSONEachRow' })).json<T>();
}

export interface DiskUsage {
  table: string;
  parts: number;
  rows: number;
  bytesOnDisk: number;
  compressedBytes: number;
  uncompressedBytes: number;
  bytesPerRow: number;
}

export async function diskUsage(client: ClickHouseClient, table: string): Promise<DiskUsage> {
  const [r] = await rowsOf<Record<string, string>>(
    client,
    `SELECT toString(count()) AS parts, toString(sum(rows)) AS rows, toString(sum(bytes_on_disk)) AS disk,
            toString(sum(data_compressed_bytes)) AS comp, toString(sum(data_uncompressed_bytes)) AS uncomp
     FROM system.parts WHERE active AND database = currentDatabase() AND table = '${table}'`,
  );
  const rows = Number(r!.rows);
  const bytesOnDisk = Number(r!.disk);
  return {
    table,
    parts: Number(r!.parts),
    rows,
    bytesOnDisk,
    compressedBytes: Number(r!.comp),
    uncompressedBytes: Number(r!.uncomp),
    bytesPerRow: rows ? Math.round((bytesOnDisk / rows) * 100) / 100 : 0,
  };
}

/** Wait until no merge runs on the tables (at most `maxMs`); returns the ms waited. */
export async function settleMerges(
  client: ClickHouseClient,
  tables: string | string[],
  maxMs: number,
): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < maxMs) {
    const rs = await client.query({
      query:
        'SELECT toString(count()) AS n FROM system.merges WHERE database = currentDatabase() AND has({tables:Array(String)}, table)',
      query_params: { tables: typeof tables === 'string' ? [tables] : tables },
      format: 'JSONEachRow',
    });
    const [r] = await rs.json<{ n: string }>();
    if (Number(r!.n) === 0) break;
    await new Promise((res) => setTimeout(res, 500));
  }
  return Math.round(performance.now() - t0);
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

export { prng };

/** 1-minute load average now (the machine is shared: read the times with it). */
export const load1 = (): number => Math.round(loadavg()[0]! * 100) / 100;

export const mib = (b: number) => `${(b / 2 ** 20).toLocaleString('en-US', { maximumFractionDigits: 1 })} MiB`;
export const int = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
export const ms1 = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: n < 100 ? 1 : 0 });

export function isMain(metaUrl: string): boolean {
  return !!process.argv[1] && resolve(process.argv[1]) === fileURLToPath(metaUrl);
}

/** Run a bench script in its own process (own chDB); its stdout and stderr go to our stderr. */
export async function runBenchChild<T>(script: string, name: string, log: Log, timeoutMs: number): Promise<T> {
  const out = join(tmpdir(), `ixmeter-bench-${name}-${process.pid}-${Date.now().toString(36)}.json`);
  log(`${name} benchmark (child process: node ${script}) …`);
  const child = spawn(process.execPath, [script, out], { stdio: ['ignore', 2, 2], env: process.env });
  const timer = setTimeout(() => {
    log(`${name} benchmark: timeout after ${timeoutMs / 1000} s, killing ${child.pid}`);
    child.kill('SIGKILL');
  }, timeoutMs);
  try {
    const code = await new Promise<number | string>((res, rej) => {
      child.once('error', rej);
      child.once('exit', (c, sig) => res(c ?? sig ?? 'unknown'));
    });
    if (code !== 0) throw new Error(`${name} benchmark exited with ${String(code)}`);
    return JSON.parse(readFileSync(out, 'utf8')) as T;
  } finally {
    clearTimeout(timer);
    rmSync(out, { force: true });
  }
}

/** Child-process entry: run `bench`, write its JSON to argv[2], exit (chDB keeps the loop alive otherwise). */
export function childMain(name: string, bench: (log: Log) => Promise<unknown>): void {
  const log: Log = (m) => process.stderr.write(`[${name}] ${m}\n`);
  const out = process.argv[2];
  bench(log).then(
    (r) => {
      if (out) writeFileSync(out, `${JSON.stringify(r, null, 2)}\n`);
      else process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      process.exit(0);
    },
    (e: unknown) => {
      log(`failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      process.exit(1);
    },
  );
}

// ---------------------------------------------------------------- queries

const ASN_BASE = 4_200_000_000;
const DAY_MS = 86_400_000;

export interface QueryTiming extends Timing {
  name: string;
  targetMs: number | null;
  resultRows: number;
}

export interface QueriesState {
  state: 'as inserted' | 'after OPTIMIZE FINAL';
  prepareSeconds: number;
  mergeWaitMs: number;
  disk: DiskUsage;
  /** member_io_5m, the per-member rollup memberTraffic reads (kept from member_traffic_5m by a view). */
  ioDisk: DiskUsage;
  /** member_traffic_1h, the hourly rollup the matrix reads (whole hours; the edges of a range from member_traffic_5m). */
  hourDisk: DiskUsage;
  queries: QueryTiming[];
}

export interface QueriesReport {
  clickhouse: string;
  members: number;
  days: number;
  runs: number;
  warmup: number;
  from: string;
  to: string;
  pairs: number;
  generatedRows: number;
  fillSeconds: number;
  states: QueriesState[];
  /** 1-minute load average at the start and at the end. */
  load: [number, number];
}

/** The rollup for [fromS, fromS + days) as one INSERT … SELECT (see the module note for the model). */
export function memberTrafficFillSql(o: { members: number; fromS: number; buckets: number; asnBase: number }): string {
  const { members: n, fromS, buckets: b } = o;
  return `INSERT INTO member_traffic_5m (bucket, src_asn, dst_asn, ip_version, bytes, l3_bytes, packets, samples)
SELECT bucket, src_asn, dst_asn, ip_version, bytes, l3_bytes, packets, samples FROM (
  SELECT
    intDiv(number, ${20 * b}) AS m,
    intDiv(number, ${b}) % 20 AS k,
    number % ${b} AS t,
    10 + cityHash64(m, 'npeers') % 11 AS npeers,
    (cityHash64(m, k, 'peer') % 1000000) / 1e6 AS u,
    toUInt32(floor(${n} * u * u)) AS p0,
    if(p0 = m, (m + 1) % ${n}, p0) AS p,
    least(2e11, 2e7 * pow(1 - (cityHash64(m, 'rate') % 1000000) / 1e6, -1 / 1.2)) AS rate_bps,
    rate_bps / (k + 1) / (log(npeers) + 0.5772 + 1 / (2 * npeers)) AS pair_bps,
    ${fromS} + t * 300 AS ts,
    0.6 + 0.4 * cos(2 * pi() * (((ts + 8 * 3600) % 86400) / 3600 - 21) / 24) AS diurnal,
    0.85 + 0.3 * (cityHash64(number, 'noise') % 1000000) / 1e6 AS noise,
    toDateTime(ts, 'UTC') AS bucket,
    toUInt32(${o.asnBase} + m) AS src_asn,
    toUInt32(${o.asnBase} + p) AS dst_asn,
    toUInt8(if(cityHash64(m, k, 'v6') % 3 = 0, 6, 4)) AS ip_version,
    toUInt64(pair_bps * 300 / 8 * diurnal * noise) AS bytes,
    intDiv(bytes, 900) + 1 AS packets,
    toUInt64(greatest(0, toInt64(bytes) - 18 * toInt64(packets))) AS l3_bytes,
    intDiv(packets, 2000) + 1 AS samples
  FROM numbers_mt(${n * 20 * b})
  WHERE k < npeers
)`;
}

export async function benchQueries(log: Log): Promise<QueriesReport> {
  const quick = process.env.BENCH_QUICK === '1';
  const members = envInt('BENCH_QUERIES_MEMBERS', quick ? 100 : 500);
  const days = envInt('BENCH_QUERIES_DAYS', quick ? 7 : 30);
  const runs = envInt('BENCH_QUERIES_RUNS', quick ? 10 : 20);
  const warmup = 3;
  const optimize = process.env.BENCH_QUERIES_OPTIMIZE !== '0';
  const toMs = Math.floor(Date.now() / DAY_MS) * DAY_MS; // last UTC midnight: whole days of data
  const fromMs = toMs - days * DAY_MS;
  const buckets = days * 288;
  const from = new Date(fromMs).toISOString();
  const to = new Date(toMs).toISOString();

  const loadStart = load1();
  const dir = tempDir('ixmeter-bench-queries-');
  const config = testConfig(dir.path);
  const { storage } = await openMigratedStorage(config, silentLog);
  try {
    const c = storage.client;
    const svc = createDomainServices(storage, config, silentLog);
    log(
      `chDB ${storage.serverVersion}, data in ${dir.path}; filling ${members} members × ${days} days (${from} … ${to}) …`,
    );
    const fill = await timed(() =>
      c.command({
        query: memberTrafficFillSql({ members, fromS: fromMs / 1000, buckets, asnBase: ASN_BASE }),
        clickhouse_settings: { max_insert_threads: '2' },
      }),
    );
    const [gen] = await rowsOf<{ rows: string; pairs: string }>(
      c,
      'SELECT toString(count()) AS rows, toString(uniqExact(src_asn, dst_asn)) AS pairs FROM member_traffic_5m',
    );
    log(
      `filled in ${(fill.ms / 1000).toFixed(1)} s: ${gen!.rows} rows (after insert-time summing), ${gen!.pairs} member pairs`,
    );

    const rnd = prng(42);
    const member = () => ASN_BASE + Math.floor(rnd() * members);
    const dayFrom = new Date(toMs - DAY_MS).toISOString();
    const cases: Array<{ name: string; targetMs: number | null; run: () => Promise<number> }> = [
      {
        name: `memberTraffic, ${days} d, auto step`,
        targetMs: 50,
        run: async () => (await svc.traffic.memberTraffic(member(), { from, to })).series.length,
      },
      {
        name: 'memberTraffic, 1 d, step 300 s',
        targetMs: 50,
        run: async () => (await svc.traffic.memberTraffic(member(), { from: dayFrom, to, step: 300 })).series.length,
      },
      {
        name: `matrix, ${days} d`,
        targetMs: 500,
        run: async () => (await svc.traffic.matrix({ from, to }, null)).rows.length,
      },
      {
        name: `matrix, ${days} d, unaligned (edge hours from member_io_5m)`,
        targetMs: 500,
        run: async () =>
          (
            await svc.traffic.matrix(
              { from: new Date(fromMs + 1_040_000).toISOString(), to: new Date(toMs - 2_530_000).toISOString() },
              null,
            )
          ).rows.length,
      },
      {
        name: 'matrix, 1 d',
        targetMs: 500,
        run: async () => (await svc.traffic.matrix({ from: dayFrom, to }, null)).rows.length,
      },
      // The exchange overview (issue 17): fabric series from fabric_traffic_5m, members and pairs from the day/hour rollups.
      {
        name: `overview, ${days} d, auto step`,
        targetMs: 200,
        run: async () => (await svc.overview.overview({ from, to })).series.length,
      },
      {
        name: `overview, ${days} d, unaligned`,
        targetMs: 200,
        run: async () =>
          (
            await svc.overview.overview({
              from: new Date(fromMs + 1_040_000).toISOString(),
              to: new Date(toMs - 2_530_000).toISOString(),
            })
          ).series.length,
      },
      {
        name: 'overview, 1 d, step 300 s',
        targetMs: 200,
        run: async () => (await svc.overview.overview({ from: dayFrom, to, step: 300 })).series.length,
      },
      {
        name: 'matrix, 2-year range (daily rollup)',
        targetMs: null,
        run: async () =>
          (await svc.traffic.matrix({ from: new Date(toMs - 730 * DAY_MS).toISOString(), to }, null)).rows.length,
      },
    ];

    const measure = async (state: QueriesState['state'], prepareSeconds: number): Promise<QueriesState> => {
      const mergeWaitMs = await settleMerges(
        c,
        ['member_traffic_5m', 'member_io_5m', 'member_traffic_1h', 'member_traffic_1d', 'fabric_traffic_5m'],
        90_000,
      );
      const disk = await diskUsage(c, 'member_traffic_5m');
      const ioDisk = await diskUsage(c, 'member_io_5m');
      const hourDisk = await diskUsage(c, 'member_traffic_1h');
      log(
        `${state}: ${disk.parts} parts, ${disk.rows} rows, ${mib(disk.bytesOnDisk)} on disk; member_io_5m ${ioDisk.parts} parts, ${ioDisk.rows} rows, ${mib(ioDisk.bytesOnDisk)}; ` +
          `member_traffic_1h ${hourDisk.parts} parts, ${hourDisk.rows} rows, ${mib(hourDisk.bytesOnDisk)} (merges settled after ${mergeWaitMs} ms)`,
      );
      const queries: QueryTiming[] = [];
      for (const q of cases) {
        let resultRows = 0;
        for (let i = 0; i < warmup; i++) resultRows = await q.run();
        const samples: number[] = [];
        for (let i = 0; i < runs; i++) samples.push((await timed(q.run)).ms);
        const t = { name: q.name, targetMs: q.targetMs, resultRows, ...timing(samples) };
        log(`  ${q.name}: median ${t.medianMs} ms, p95 ${t.p95Ms} ms (${resultRows} rows/points)`);
        queries.push(t);
      }
      return { state, prepareSeconds, mergeWaitMs, disk, ioDisk, hourDisk, queries };
    };

    const states: QueriesState[] = [await measure('as inserted', 0)];
    if (optimize) {
      log('OPTIMIZE TABLE member_traffic_5m, member_io_5m, member_traffic_1h FINAL …');
      const opt = await timed(async () => {
        for (const t of [
          'member_traffic_5m',
          'member_io_5m',
          'member_traffic_1h',
          'member_traffic_1d',
          'fabric_traffic_5m',
        ])
          await c.command({ query: `OPTIMIZE TABLE ${t} FINAL` });
      });
      states.push(await measure('after OPTIMIZE FINAL', Math.round(opt.ms / 100) / 10));
    }
    return {
      clickhouse: storage.serverVersion,
      members,
      days,
      runs,
      warmup,
      from,
      to,
      pairs: Number(gen!.pairs),
      generatedRows: Number(gen!.rows),
      fillSeconds: Math.round(fill.ms / 100) / 10,
      states,
      load: [loadStart, load1()],
    };
  } finally {
    await storage.close();
    if (process.env.BENCH_KEEP === '1') log(`kept ${dir.path}`);
    else dir.cleanup();
  }
}

export function queriesMarkdown(r: QueriesReport): string {
  const md: string[] = [];
  md.push(
    `Embedded ClickHouse (chDB ${r.clickhouse}); \`member_traffic_5m\` with ${r.members} members × ${r.days} days (${r.from.slice(0, 10)} … ${r.to.slice(0, 10)}), ` +
      `${int(r.pairs)} member pairs (10–20 peers per member, every bucket), ${int(r.generatedRows)} rows generated in ${r.fillSeconds} s by one \`INSERT … SELECT\`. ` +
      `Times are the domain service calls (SQL + JSON + series), ${r.runs} runs after ${r.warmup} warm-up runs, a random member per run. Load average ${r.load[0]} at start, ${r.load[1]} at end (${cpus().length} vCPU).`,
    '',
  );
  md.push(
    '| query | data | median ms | p95 ms | min ms | max ms | target | rows/points |',
    '|---|---|---:|---:|---:|---:|---|---:|',
  );
  for (const s of r.states) {
    for (const q of s.queries) {
      const ok =
        q.targetMs === null
          ? ''
          : `< ${q.targetMs} ms ${q.p95Ms < q.targetMs ? '✓' : q.medianMs < q.targetMs ? '(median ✓, p95 ✗)' : '✗'}`;
      md.push(
        `| ${q.name} | ${s.state} | ${ms1(q.medianMs)} | ${ms1(q.p95Ms)} | ${ms1(q.minMs)} | ${ms1(q.maxMs)} | ${ok} | ${int(q.resultRows)} |`,
      );
    }
  }
  md.push(
    '',
    '| table | data | parts | rows | on disk | compressed | uncompressed | bytes/row on disk | prepare |',
    '|---|---|---:|---:|---:|---:|---:|---:|---|',
  );
  for (const s of r.states) {
    const prep =
      s.state === 'after OPTIMIZE FINAL'
        ? `OPTIMIZE FINAL ${s.prepareSeconds} s`
        : `merges settled ${(s.mergeWaitMs / 1000).toFixed(1)} s`;
    for (const d of [s.disk, s.ioDisk, s.hourDisk]) {
      md.push(
        `| ${d.table} | ${s.state} | ${d.parts} | ${int(d.rows)} | ${mib(d.bytesOnDisk)} | ${mib(d.compressedBytes)} | ${mib(d.uncompressedBytes)} | ${d.bytesPerRow} | ${prep} |`,
      );
    }
  }
  return md.join('\n');
}

if (isMain(import.meta.url)) childMain('queries', benchQueries);
