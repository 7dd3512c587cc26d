/**
 * Programme benchmark on embedded ClickHouse (chDB): (1) a budgeted month's statements for every member
 * (the per-member computes with 8 in flight, as the statement worker runs them, then the budget phase over
 * the whole month; target < 30 s for 1,000 members), (2) the policy what-if over a year of months for every
 * member (`programme.simulate`, nothing stored; target < 60 s for 12 months × 1,000 members).
 * Data as in statements.ts (the same fill); the policy is the shipped example with its effective dates
 * opened over the year and a budget small enough that every month is scaled pro rata.
 *   node dist/tests/bench/programme.js OUT.json
 * Environment: BENCH_QUICK=1 (100 members, 62 days, 2 simulated months), BENCH_PROGRAMME_MEMBERS=1000,
 *   BENCH_PROGRAMME_DAYS=365, BENCH_PROGRAMME_MONTHS=12 (months simulated, ending with the month), BENCH_KEEP=1.
 */
import { cpus } from 'node:os';
import { STATEMENT_JOB_CONCURRENCY } from '../../src/jobs/worker.js';
import { createDomainServices } from '../../src/runtime/domain-services.js';
import { openMigratedStorage } from '../../src/runtime/storage-setup.js';
import { monthBounds } from '../../src/statements/time.js';
import { monthsBetween } from '../../src/programme/simulate.js';
import { readFileSync } from 'node:fs';
import { examplePolicyPath } from '../../src/subsidies/policy.loader.js';
import { silentLog, tempDir, testConfig } from '../helpers/env.js';
import { ixfDoc, type TestMember } from '../helpers/ixf.js';
import { childMain, envInt, int, isMain, load1, settleMerges, timed, type Log } from './queries.js';
import { statementTrafficFillSql } from './statements.js';

const ASN_BASE = 4_220_000_000;
const DAY_MS = 86_400_000;

export interface ProgrammeReport {
  members: number;
  month: string;
  days: number;
  /** The same month without a budget (same computes, 8 in flight), wall seconds. */
  plainMonthSeconds: number;
  /** Budgeted month: per-member computes (8 in flight) + the budget phase, wall seconds. */
  budgetMonthSeconds: number;
  budgetFactor: string;
  budgetMonthTotalCny: string;
  simulatedMonths: number;
  simulationSeconds: number;
  simulationMemberMonths: number;
  simulationTotalCny: string;
  /** A doubled-rate candidate over the same months right after (statements reused). */
  candidateSeconds: number;
  load: [number, number];
}

export async function benchProgramme(log: Log): Promise<ProgrammeReport> {
  const quick = process.env.BENCH_QUICK === '1';
  const n = envInt('BENCH_PROGRAMME_MEMBERS', quick ? 100 : 1000);
  const days = envInt('BENCH_PROGRAMME_DAYS', quick ? 62 : 365);
  const simMonths = envInt('BENCH_PROGRAMME_MONTHS', quick ? 2 : 12);
  const loadStart = load1();
  const dir = tempDir('ixmeter-bench-programme-');
  const config = testConfig(dir.path);
  const { storage } = await openMigratedStorage(config, silentLog);
  const svc = createDomainServices(storage, config, silentLog);
  const month = process.env.BENCH_PROGRAMME_MONTH ?? '2025-12';
  const toMs = monthBounds(month, config.IXMETER_TIMEZONE).end;
  const fromMs = toMs - days * DAY_MS;
  try {
    const list: TestMember[] = Array.from({ length: n }, (_, i) => ({
      asn: ASN_BASE + i,
      name: `Bench member ${i}`,
      type: 'cdn',
      enrolled: true,
      firstProduction: new Date(toMs - DAY_MS - Math.floor(((i + 0.5) / n) * 730) * DAY_MS).toISOString().slice(0, 10),
    }));
    await svc.members.importRegistry(JSON.stringify(ixfDoc(list)), { source: 'bench', actor: 'bench' });
    log(`filling ${n} members × ${days} days …`);
    await storage.client.command({
      query: statementTrafficFillSql({
        members: n,
        peers: 1,
        fromS: fromMs / 1000,
        buckets: days * 288,
        asnBase: ASN_BASE,
      }),
      clickhouse_settings: { max_insert_threads: '2' },
    });
    await storage.client.command({
      query: `INSERT INTO collector_activity_5m (bucket, exporter, flows) SELECT toDateTime(${fromMs / 1000} + number * 300, 'UTC'), toIPv6('::ffff:10.255.0.1'), 1000 FROM numbers(${days * 288})`,
    });
    await settleMerges(storage.client, ['member_traffic_5m', 'member_io_5m', 'member_traffic_1h'], 60_000);
    const policy = readFileSync(examplePolicyPath(), 'utf8')
      .replace('policy_id: EXAMPLE-ZW-TRAFFIC-2022', 'policy_id: BENCH-BUDGET')
      .replace(/effective_from: "[^"]+"/, `effective_from: "${month.slice(0, 4)}-01-01"`)
      .replace(/effective_to: "[^"]+"/, 'effective_to: null');
    await svc.policies.add(policy, 'bench');
    const asns = list.map((m) => m.asn);
    const runMonth = async (tag: string) => {
      const runId = `bench-${tag}-${Date.now().toString(36)}`;
      return timed(async () => {
        await svc.statementsRepo.insertRun({
          run_id: runId,
          month,
          asns,
          requested_at: Date.now(),
          requested_by: 'bench',
        });
        let next = 0;
        await Promise.all(
          Array.from({ length: STATEMENT_JOB_CONCURRENCY }, async () => {
            while (next < asns.length) await svc.statements.compute(asns[next++]!, month, 'bench', runId);
          }),
        );
      });
    };
    log(`month ${month} without a budget: ${n} computes, ${STATEMENT_JOB_CONCURRENCY} in flight …`);
    const t0 = await runMonth('plain');
    log(`  ${(t0.ms / 1000).toFixed(1)} s`);
    const plainTotal = (await svc.programme.budgetView(month)).committed_month_cny;
    await storage.client.command({ query: 'TRUNCATE TABLE statements' });
    await storage.client.command({ query: 'TRUNCATE TABLE statement_events' });
    // version 2: the same with a budget of a tenth of the month's total, so the month is scaled pro rata
    await svc.policies.add(
      policy.replace('version: 1', 'version: 2') +
        `\nbudget: { annual_cny: "${(Number(plainTotal) / 10 || 1000).toFixed(2)}", on_exceed: pro_rata }\n`,
      'bench',
    );
    log(`budgeted month ${month}: ${n} computes, ${STATEMENT_JOB_CONCURRENCY} in flight, then the budget phase …`);
    const t1 = await runMonth('budget');
    const view = await svc.programme.budgetView(month);
    log(`  ${(t1.ms / 1000).toFixed(1)} s; factor ${view.budget?.factor}, month ${view.committed_month_cny} CNY`);

    const months = monthsBetween(`${month.slice(0, 4)}-01`, month).slice(-simMonths);
    log(`simulation: ${months.length} months × ${n} members …`);
    const t2 = await timed(() => svc.programme.simulate({ from: months[0]!, to: months[months.length - 1]! }));
    log(`  ${(t2.ms / 1000).toFixed(1)} s, total ${t2.value.total_cny} CNY`);
    // a candidate right after (what the console does): the traffic statements are reused, only the money rules run
    const candidate = await svc.policies.forMonth(month);
    const doubled = {
      ...candidate,
      policy_id: 'BENCH-CANDIDATE',
      tiers: candidate.tiers.map((t) => ({ ...t, rate: (Number(t.rate) * 2).toFixed(2) })),
    };
    const t3 = await timed(() =>
      svc.programme.simulate({ policy: doubled, from: months[0]!, to: months[months.length - 1]! }),
    );
    log(`  candidate after it: ${(t3.ms / 1000).toFixed(1)} s, total ${t3.value.total_cny} CNY`);
    return {
      members: n,
      month,
      days,
      plainMonthSeconds: Math.round(t0.ms / 100) / 10,
      budgetMonthSeconds: Math.round(t1.ms / 100) / 10,
      budgetFactor: view.budget?.factor ?? '—',
      budgetMonthTotalCny: view.committed_month_cny,
      simulatedMonths: months.length,
      simulationSeconds: Math.round(t2.ms / 100) / 10,
      simulationMemberMonths: months.length * n,
      simulationTotalCny: t2.value.total_cny,
      candidateSeconds: Math.round(t3.ms / 100) / 10,
      load: [loadStart, load1()],
    };
  } finally {
    await storage.close();
    if (process.env.BENCH_KEEP !== '1') dir.cleanup();
  }
}

export function programmeMarkdown(r: ProgrammeReport): string {
  const perYear = (r.simulationSeconds * 12 * 1000) / (r.simulatedMonths * r.members);
  return [
    `Embedded ClickHouse; ${int(r.members)} members, ${r.days} days of traffic; load average ${r.load[0]} at start, ${r.load[1]} at end (${cpus().length} vCPU).`,
    '',
    '| what | members | months | wall s | target |',
    '|---|---:|---:|---:|---|',
    `| month ${r.month} without a budget (for comparison) | ${int(r.members)} | 1 | ${r.plainMonthSeconds} | |`,
    `| budgeted month ${r.month} (computes + budget phase; factor ${r.budgetFactor}) | ${int(r.members)} | 1 | ${r.budgetMonthSeconds} | < 30 s ${r.budgetMonthSeconds < 30 ? '✓' : '✗'} |`,
    `| policy what-if, first run (nothing stored) | ${int(r.members)} | ${r.simulatedMonths} | ${r.simulationSeconds} | year × 1,000 < 60 s (scaled: ${perYear.toFixed(1)} s) ${perYear < 60 ? '✓' : '✗'} |`,
    `| a candidate right after (traffic statements reused) | ${int(r.members)} | ${r.simulatedMonths} | ${r.candidateSeconds} | scaled: ${((r.candidateSeconds * 12 * 1000) / (r.simulatedMonths * r.members)).toFixed(1)} s |`,
  ].join('\n');
}

if (isMain(import.meta.url)) childMain('programme', benchProgramme);
