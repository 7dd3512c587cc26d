/**
 * Monthly statement benchmark on embedded ClickHouse (chDB): `statements.compute` for every member of a
 * month, from a year of 5-minute rollup (issue target: 1,000 members, one month, < 30 s).
 *
 * Data: members imported with `members.importRegistry` (IX-F JSON, all subsidy-enrolled, first production
 * dates spread evenly over the two years before the month's end, eligible member types, 1/10/100 G ports);
 * `member_traffic_5m` filled inside ClickHouse (`INSERT … SELECT … FROM numbers_mt(…)`; `member_io_5m`, which
 * statements read, follows through its materialized view): every member
 * sends to BENCH_STATEMENTS_PEERS other members in every bucket of the year (member m to m + offset_k, so each
 * also receives from exactly as many), its rate Pareto (α 1.1, ≥ 30 Mbit/s, ≤ 100 Gbit/s) split 1/(k+1) over its peers, diurnal
 * curve peaking 21:00 UTC+8, ±15 % noise; `collector_activity_5m` has every bucket active (two exporters).
 * Per-member coverage (issue 13): each member has a registered port on one of BENCH_EXPORTERS exporters
 * (member i on exporter i mod 20), `exporter_activity_5m` has every exporter alive in every bucket except the
 * first exporter, silent for 2 hours of the month (its members' statements have 24 missing buckets).
 * The month is the last complete month in IXMETER_TIMEZONE (Asia/Shanghai); the year ends with it.
 *
 * Timed: all members sequentially (see BENCH_STATEMENTS_BUDGET_S), then (statements and events truncated, so every compute is a full one
 * again, not "unchanged") with a pool of BENCH_STATEMENTS_CONCURRENCY (default: the statement worker's job concurrency, 8) computes in flight.
 *
 * chDB allows one data directory per process, so run.ts starts this file as a child:
 *   node dist/tests/bench/statements.js OUT.json
 * Environment: BENCH_QUICK=1 (100 members, 62 days), BENCH_STATEMENTS_MEMBERS=1000, BENCH_STATEMENTS_DAYS=365,
 *   BENCH_STATEMENTS_PEERS=1, BENCH_STATEMENTS_CONCURRENCY=8, BENCH_STATEMENTS_MONTH=YYYY-MM,
 *   BENCH_STATEMENTS_BUDGET_S=90 (a pass starts no new compute after this; the wall time for all members is
 *   then extrapolated and marked so; 0 = always all members), BENCH_KEEP=1.
 */
import { cpus } from 'node:os';
import { STATEMENT_JOB_CONCURRENCY } from '../../src/jobs/worker.js';
import { createDomainServices } from '../../src/runtime/domain-services.js';
import { openMigratedStorage } from '../../src/runtime/storage-setup.js';
import { isoInZone } from '../../src/shared/time.js';
import { monthBounds } from '../../src/statements/time.js';
import { loadMonthSources } from '../../src/statements/statement-sources.js';
import { createCoverageRepository } from '../../src/statements/coverage.repository.js';
import { createExclusionsRepository } from '../../src/exclusions/exclusions.repository.js';
import { createDisputesRepository } from '../../src/disputes/disputes.repository.js';
import { silentLog, tempDir, testConfig } from '../helpers/env.js';
import { ixfDoc, type TestMember } from '../helpers/ixf.js';
import {
  childMain,
  diskUsage,
  load1,
  envInt,
  int,
  isMain,
  mib,
  ms1,
  prng,
  rowsOf,
  settleMerges,
  timed,
  timing,
  type DiskUsage,
  type Log,
  type Timing,
} from './queries.js';

const ASN_BASE = 4_210_000_000;
const DAY_MS = 86_400_000;
const TYPES = ['internet_enterprise', 'cloud', 'cdn', 'idc', 'broadcast', 'basic_telecom'] as const;

export interface StatementsPass {
  concurrency: number;
  /** Members computed: all of them, or fewer when the pass hit BENCH_STATEMENTS_BUDGET_S. */
  done: number;
  wallSeconds: number;
  /** wallSeconds scaled to all members when the budget stopped the pass early (else equal). */
  wallAllSeconds: number;
  perMemberMs: number;
  /** CPU time of this process (JavaScript and chDB's threads) per member: less sensitive to other load than wall time. */
  cpuPerMemberMs: number;
  computeMs: Timing;
  changed: number;
}

export interface StatementsReport {
  clickhouse: string;
  members: number;
  month: string;
  timezone: string;
  dataFrom: string;
  dataTo: string;
  days: number;
  peersPerMember: number;
  importSeconds: number;
  fillSeconds: number;
  mergeWaitSeconds: number;
  traffic: DiskUsage;
  activity: DiskUsage;
  /** Per-pass time budget (0: none). */
  budgetSeconds: number;
  passes: StatementsPass[];
  /** Each read of a compute alone, sequential, for up to 20 members. */
  breakdown: Array<{ step: string; cpuMeanMs: number } & Timing>;
  first: {
    asn: number;
    first_production_date: string | null;
    billable_bps: number | null;
    p95_in_bps: number | null;
    p95_out_bps: number | null;
    coverage: number;
    subsidy_status: string;
    subsidy_cny: string;
  };
  /** Over the members computed in either pass (all of them unless a budget stopped both early). */
  subsidised: number;
  computedMembers: number;
  totalSubsidyCny: string;
  /** 1-minute load average at the start and at the end. */
  load: [number, number];
}

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

function previousMonth(nowMs: number, tz: string): string {
  const [y, m] = isoInZone(nowMs, tz).slice(0, 7).split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

export function statementTrafficFillSql(o: {
  members: number;
  peers: number;
  fromS: number;
  buckets: number;
  asnBase: number;
}): string {
  const { members: n, peers: p, buckets: b } = o;
  let h = 0;
  for (let k = 1; k <= p; k++) h += 1 / k;
  return `INSERT INTO member_traffic_5m (bucket, src_asn, dst_asn, ip_version, bytes, l3_bytes, packets, samples)
SELECT bucket, src_asn, dst_asn, ip_version, bytes, l3_bytes, packets, samples FROM (
  SELECT
    intDiv(number, ${p * b}) AS m,
    intDiv(number, ${b}) % ${p} AS k,
    number % ${b} AS t,
    (m + 1 + cityHash64(k, 'offset') % ${n - 1}) % ${n} AS peer, -- the same offset for every member: each receives from exactly ${p}
    least(1e11, 3e7 * pow(1 - (cityHash64(m, 'rate') % 1000000) / 1e6, -1 / 1.1)) AS rate_bps,
    rate_bps / (k + 1) / ${h} AS pair_bps,
    ${o.fromS} + t * 300 AS ts,
    0.6 + 0.4 * cos(2 * pi() * (((ts + 8 * 3600) % 86400) / 3600 - 21) / 24) AS diurnal,
    0.85 + 0.3 * (cityHash64(number, 'noise') % 1000000) / 1e6 AS noise,
    toDateTime(ts, 'UTC') AS bucket,
    toUInt32(${o.asnBase} + m) AS src_asn,
    toUInt32(${o.asnBase} + peer) AS dst_asn,
    toUInt8(4) AS ip_version,
    toUInt64(pair_bps * 300 / 8 * diurnal * noise) AS bytes,
    intDiv(bytes, 900) + 1 AS packets,
    toUInt64(greatest(0, toInt64(bytes) - 18 * toInt64(packets))) AS l3_bytes,
    intDiv(packets, 2000) + 1 AS samples
  FROM numbers_mt(${n * p * b})
)`;
}

/** Run `fn` over `items` with `concurrency` in flight; no new item starts after `budgetMs` (0: no limit). */
async function pool<T>(
  items: T[],
  concurrency: number,
  budgetMs: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < items.length && (budgetMs === 0 || performance.now() - t0 < budgetMs)) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

const computed0 = (order: number[], done: number) => new Set(order.slice(0, done));

export async function benchStatements(log: Log): Promise<StatementsReport> {
  const quick = process.env.BENCH_QUICK === '1';
  const n = envInt('BENCH_STATEMENTS_MEMBERS', quick ? 100 : 1000);
  const days = envInt('BENCH_STATEMENTS_DAYS', quick ? 62 : 365);
  const peers = envInt('BENCH_STATEMENTS_PEERS', 1);
  const concurrency = envInt('BENCH_STATEMENTS_CONCURRENCY', STATEMENT_JOB_CONCURRENCY);
  const budgetS = process.env.BENCH_STATEMENTS_BUDGET_S === '0' ? 0 : envInt('BENCH_STATEMENTS_BUDGET_S', 90);
  if (n < 2) throw new Error('BENCH_STATEMENTS_MEMBERS must be ≥ 2');

  const loadStart = load1();
  const dir = tempDir('ixmeter-bench-statements-');
  const config = testConfig(dir.path);
  const tz = config.IXMETER_TIMEZONE;
  const prev = previousMonth(Date.now(), tz);
  const { storage } = await openMigratedStorage(config, silentLog);
  const svc = createDomainServices(storage, config, silentLog);
  const sources = {
    coverage: createCoverageRepository(storage.client),
    exclusions: createExclusionsRepository(storage.client),
    disputes: createDisputesRepository(storage.client),
  };
  // The last complete month, or the last month the shipped example policy covers (so the subsidy engine
  // runs its tiers, taper and caps instead of stopping at "not eligible: outside the policy's dates").
  const policyEnd = svc.policies.example().effective_to?.slice(0, 7);
  const month = process.env.BENCH_STATEMENTS_MONTH ?? (policyEnd && policyEnd < prev ? policyEnd : prev);
  const bounds = monthBounds(month, tz);
  const toMs = bounds.end;
  const fromMs = toMs - days * DAY_MS;
  const buckets = days * 288;
  try {
    const c = storage.client;
    log(
      `chDB ${storage.serverVersion}, data in ${dir.path}; month ${month} (${tz}), ${n} members, ${days} days of data`,
    );

    const rnd = prng(7);
    const speeds = [1000, 10_000, 10_000, 100_000];
    const list: TestMember[] = Array.from({ length: n }, (_, i) => ({
      asn: ASN_BASE + i,
      name: `Bench member ${i}`,
      type: TYPES[i % TYPES.length],
      enrolled: true,
      // spread evenly over the two years before the month's end (the first few start inside the month)
      firstProduction: new Date(toMs - DAY_MS - Math.floor(((i + 0.5) / n) * 730) * DAY_MS).toISOString().slice(0, 10),
    }));
    const doc = ixfDoc(list) as {
      member_list: Array<{ connection_list: Array<{ if_list: Array<{ if_speed: number }> }> }>;
    };
    for (const m of doc.member_list)
      m.connection_list[0]!.if_list[0]!.if_speed = speeds[Math.floor(rnd() * speeds.length)]!;
    const exporters = envInt('BENCH_EXPORTERS', 20);
    doc.member_list.forEach((m, i) => {
      (m as unknown as { ixmeter: { ports: unknown[] } }).ixmeter.ports = [
        { exporter: `10.254.0.${1 + (i % exporters)}`, if_index: 1 + i },
      ];
    });
    // effective from the start of the data, so the registered ports carry the members in the month
    const imp = await timed(() =>
      svc.members.importRegistry(JSON.stringify(doc), { source: 'bench', actor: 'bench', effectiveAtMs: fromMs }),
    );
    log(`imported ${imp.value.members} members in ${(imp.ms / 1000).toFixed(1)} s`);

    log(
      `filling member_traffic_5m: ${n} members × ${peers} peer(s) × ${int(buckets)} buckets = ${int(n * peers * buckets)} rows …`,
    );
    const fill = await timed(async () => {
      await c.command({
        query: statementTrafficFillSql({ members: n, peers, fromS: fromMs / 1000, buckets, asnBase: ASN_BASE }),
        clickhouse_settings: { max_insert_threads: '2' },
      });
      await c.command({
        query: `INSERT INTO collector_activity_5m (bucket, exporter, flows)
                SELECT toDateTime(${fromMs / 1000} + intDiv(number, 2) * 300, 'UTC'), toIPv6(if(number % 2 = 0, '::ffff:10.255.0.1', '::ffff:10.255.0.2')),
                       1000 + cityHash64(number) % 5000
                FROM numbers(${buckets * 2})`,
      });
      const silentFrom = (bounds.start - fromMs) / 300_000 + 10 * 288 + 96; // the 11th of the month, 08:00–10:00 local
      await c.command({
        query: `INSERT INTO exporter_activity_5m (bucket, exporter, datagrams)
                SELECT toDateTime(${fromMs / 1000} + intDiv(number, ${exporters}) * 300, 'UTC'), toIPv6(concat('::ffff:10.254.0.', toString(1 + number % ${exporters}))), 50
                FROM numbers(${buckets * exporters})
                WHERE NOT (number % ${exporters} = 0 AND intDiv(number, ${exporters}) >= ${silentFrom} AND intDiv(number, ${exporters}) < ${silentFrom + 24})`,
      });
    });
    log(`filled in ${(fill.ms / 1000).toFixed(1)} s; waiting for background merges (≤ 60 s) …`);
    const mergeWaitMs = await settleMerges(c, ['member_traffic_5m', 'member_io_5m', 'member_traffic_1h'], 60_000);
    const traffic = await diskUsage(c, 'member_traffic_5m');
    const activity = await diskUsage(c, 'collector_activity_5m');
    log(
      `member_traffic_5m: ${traffic.parts} parts, ${int(traffic.rows)} rows, ${mib(traffic.bytesOnDisk)} (merges waited ${(mergeWaitMs / 1000).toFixed(1)} s)`,
    );

    const asns = list.map((m) => m.asn);
    // A shuffled order, so a pass the budget stops early still covers a random sample of members.
    const order = [...asns];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const passes: StatementsPass[] = [];
    const amounts = new Map<number, string>();
    for (const conc of [1, concurrency]) {
      if (passes.length) {
        await c.command({ query: 'TRUNCATE TABLE statements' });
        await c.command({ query: 'TRUNCATE TABLE statement_events' });
      }
      const runId = `bench_${conc}_${Date.now().toString(36)}`;
      const perCall: number[] = [];
      let changed = 0;
      log(`computing ${n} statements for ${month}, concurrency ${conc} …`);
      const cpu0 = process.cpuUsage();
      const wall = await timed(() =>
        pool(order, conc, budgetS * 1000, async (asn) => {
          const r = await timed(() => svc.statements.compute(asn, month, 'bench', runId));
          perCall.push(r.ms);
          if (r.value.changed) changed++;
          amounts.set(asn, r.value.amount_cny);
          if (perCall.length % 200 === 0)
            log(
              `  ${perCall.length}/${n} (${(perCall.reduce((a, b) => a + b, 0) / perCall.length).toFixed(0)} ms each)`,
            );
        }),
      );
      const done = perCall.length;
      const p: StatementsPass = {
        concurrency: conc,
        done,
        wallSeconds: Math.round(wall.ms / 100) / 10,
        wallAllSeconds: Math.round((wall.ms * n) / done / 100) / 10,
        perMemberMs: Math.round((wall.ms / done) * 10) / 10,
        computeMs: timing(perCall),
        changed,
        cpuPerMemberMs: Math.round((cpuMs(process.cpuUsage(cpu0)) / done) * 10) / 10,
      };
      log(
        `  concurrency ${conc}: ${done}/${n} members in ${p.wallSeconds} s${done < n ? ` (budget ${budgetS} s; all ≈ ${p.wallAllSeconds} s)` : ''}, ` +
          `${p.perMemberMs} ms per member (call median ${p.computeMs.medianMs} ms, p95 ${p.computeMs.p95Ms} ms; CPU ${p.cpuPerMemberMs} ms per member)`,
      );
      passes.push(p);
    }

    const [chk] = await rowsOf<{ n: string }>(
      c,
      `SELECT toString(uniqExact(asn)) AS n FROM statements WHERE month = '${month}'`,
    );
    const last = passes[passes.length - 1]!;
    if (Number(chk!.n) !== last.done) throw new Error(`expected ${last.done} statements for ${month}, found ${chk!.n}`);
    // Per-member coverage: a member on the silent exporter has its 24 buckets missing, its neighbour on the next exporter none.
    const onSilent = exporters * Math.ceil((0.05 * n + 1) / exporters);
    if (
      onSilent + 1 < n &&
      computed0(order, last.done).has(asns[onSilent]!) &&
      computed0(order, last.done).has(asns[onSilent + 1]!)
    ) {
      const [a, b] = await Promise.all([
        svc.statements.get(asns[onSilent]!, month),
        svc.statements.get(asns[onSilent + 1]!, month),
      ]);
      if (a.document.missing_buckets !== 24 || b.document.missing_buckets !== 0)
        throw new Error(
          `per-member coverage: expected 24 and 0 missing buckets, got ${a.document.missing_buckets} and ${b.document.missing_buckets}`,
        );
      log(
        `per-member coverage checked: AS${asns[onSilent]} (silent exporter) 24 missing buckets, AS${asns[onSilent + 1]} none`,
      );
    }

    // Where a compute's time goes: each of its reads alone, for a sample of the members just computed.
    const computed = order.slice(0, last.done);
    const sample = computed.filter((_, i) => i % Math.max(1, Math.floor(computed.length / 20)) === 0).slice(0, 20);
    const steps: Array<[string, (asn: number) => Promise<unknown>]> = [
      ['repo.memberMonth (buckets, peers)', (a) => svc.statementsRepo.memberMonth(a, bounds.start, bounds.end)],
      ['repo.memberMonthState (year to date, latest version)', (a) => svc.statementsRepo.memberMonthState(a, month)],
      [
        'once per run: coverage inputs (liveness, ports, learned)',
        () => loadMonthSources(sources, month, bounds.start, bounds.end),
      ],
      ['once per run: members.list (all)', () => svc.members.list(true)],
      ['once per run: policies.forMonth', () => svc.policies.forMonth(month)],
      [
        'once per run: repo.exclusionsOverlapping (month)',
        () => svc.statementsRepo.exclusionsOverlapping(bounds.start, bounds.end),
      ],
      [
        'repo.insertEvent (1 row)',
        (a) =>
          svc.statementsRepo.insertEvent({
            asn: a,
            month,
            version: 1,
            at: Date.now(),
            action: 'bench',
            from_status: '',
            to_status: '',
            actor: 'bench',
            role: 'system',
            note: '',
          }),
      ],
      ['compute (unchanged: + 1 event insert)', (a) => svc.statements.compute(a, month, 'bench', 'bench_breakdown')],
    ];
    const breakdown: StatementsReport['breakdown'] = [];
    for (const [step, fn] of steps) {
      const t: number[] = [];
      const c0 = process.cpuUsage();
      for (const a of sample) t.push((await timed(() => fn(a))).ms);
      breakdown.push({ step, ...timing(t), cpuMeanMs: Math.round((cpuMs(process.cpuUsage(c0)) / t.length) * 10) / 10 });
    }
    log(
      `  breakdown (median ms, CPU ms): ${breakdown.map((b) => `${b.step} ${b.medianMs} (${b.cpuMeanMs})`).join(', ')}`,
    );

    const firstDoc = (await svc.statements.get(order[0]!, month)).document;
    let total = 0n;
    let subsidised = 0;
    for (const a of amounts.values()) {
      const fen = BigInt(a.replace('.', ''));
      total += fen;
      if (fen > 0n) subsidised++;
    }
    return {
      clickhouse: storage.serverVersion,
      members: n,
      month,
      timezone: tz,
      dataFrom: new Date(fromMs).toISOString(),
      dataTo: new Date(toMs).toISOString(),
      days,
      peersPerMember: peers,
      importSeconds: Math.round(imp.ms / 100) / 10,
      fillSeconds: Math.round(fill.ms / 100) / 10,
      mergeWaitSeconds: Math.round(mergeWaitMs / 100) / 10,
      traffic,
      activity,
      budgetSeconds: budgetS,
      passes,
      breakdown,
      first: {
        asn: firstDoc.asn,
        first_production_date: firstDoc.member.first_production_date,
        billable_bps: firstDoc.billable_bps,
        p95_in_bps: firstDoc.p95_in_bps,
        p95_out_bps: firstDoc.p95_out_bps,
        coverage: firstDoc.coverage,
        subsidy_status: firstDoc.subsidy.status,
        subsidy_cny: firstDoc.subsidy.amount_cny,
      },
      load: [loadStart, load1()],
      subsidised,
      computedMembers: amounts.size,
      totalSubsidyCny: `${total / 100n}.${String(total % 100n).padStart(2, '0')}`,
    };
  } finally {
    await storage.close();
    if (process.env.BENCH_KEEP === '1') log(`kept ${dir.path}`);
    else dir.cleanup();
  }
}

export function statementsMarkdown(r: StatementsReport): string {
  const gbps = (b: number | null) => (b === null ? '—' : `${(b / 1e9).toFixed(3)} Gbit/s`);
  const md: string[] = [];
  md.push(
    `Embedded ClickHouse (chDB ${r.clickhouse}); ${int(r.members)} subsidy-enrolled members imported by \`importRegistry\` in ${r.importSeconds} s; ` +
      `${r.days} days of \`member_traffic_5m\` (${r.dataFrom.slice(0, 10)} … ${r.dataTo.slice(0, 10)}, every member sending to ${r.peersPerMember} peer(s) in every bucket: ` +
      `${int(r.traffic.rows)} rows, ${mib(r.traffic.bytesOnDisk)}, ${r.traffic.parts} parts) and \`collector_activity_5m\` (every bucket active, ${int(r.activity.rows)} rows), ` +
      `filled in ${r.fillSeconds} s (+ ${r.mergeWaitSeconds} s waiting for merges). Month ${r.month} (${r.timezone}); target < 30 s for all members. ` +
      `Load average ${r.load[0]} at start, ${r.load[1]} at end (${cpus().length} vCPU).`,
    '',
  );
  md.push(
    '| concurrency | members computed | wall s | all members, s | per member ms | CPU per member ms | compute() median ms | p95 ms | max ms | target < 30 s |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  );
  for (const p of r.passes) {
    const all = p.done < r.members ? `≈ ${p.wallAllSeconds} (extrapolated)` : String(p.wallSeconds);
    md.push(
      `| ${p.concurrency} | ${int(p.done)} of ${int(r.members)} | ${p.wallSeconds} | ${all} | ${ms1(p.perMemberMs)} | ${ms1(p.cpuPerMemberMs)} | ${ms1(p.computeMs.medianMs)} | ${ms1(p.computeMs.p95Ms)} | ${ms1(p.computeMs.maxMs)} | ${p.wallAllSeconds < 30 ? '✓' : '✗'} |`,
    );
  }
  if (r.passes.some((p) => p.done < r.members))
    md.push(
      '',
      `A pass stops starting new computes after ${r.budgetSeconds} s (BENCH_STATEMENTS_BUDGET_S; 0 = no limit), members in shuffled order; "all members" is then scaled from the members done.`,
    );
  md.push(
    '',
    `Where a compute's time goes (each call alone, ${r.breakdown[0]?.runs ?? 0} members, median / p95 ms, mean process CPU ms): ` +
      r.breakdown.map((b) => `${b.step} ${ms1(b.medianMs)} / ${ms1(b.p95Ms)} (CPU ${ms1(b.cpuMeanMs)})`).join('; ') +
      '.',
  );
  const f = r.first;
  md.push(
    '',
    `Sanity: AS${f.asn} (first production ${f.first_production_date ?? '—'}): billable ${gbps(f.billable_bps)} (P95 in ${gbps(f.p95_in_bps)}, out ${gbps(f.p95_out_bps)}), ` +
      `coverage ${f.coverage}, subsidy ¥${f.subsidy_cny} (${f.subsidy_status}); ${int(r.subsidised)} of ${int(r.computedMembers)} members computed with a subsidy, ¥${r.totalSubsidyCny} in total (example policy).`,
  );
  return md.join('\n');
}

if (isMain(import.meta.url)) childMain('statements', benchStatements);
