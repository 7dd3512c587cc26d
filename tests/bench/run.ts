/**
 * `npm run bench`: decoder micro-benchmarks, then the end-to-end collector comparison (ixmeter vs
 * nfcapd vs nfacctd/sfacctd over loopback UDP), then the read-path (queries.ts) and monthly statement
 * (statements.ts) benchmarks on embedded ClickHouse, each in its own child process (one chDB per process).
 * Prints a Markdown section for tests/bench/README.md and writes bench-results.json in the repository root.
 *
 * Environment:
 *   BENCH_QUICK=1            smoke run: 2 s steps, rates 20k and max
 *   BENCH_ONLY=decode|e2e|queries|statements|api|programme|detect   only these parts (comma-separated)
 *   BENCH_DURATION_S=10      seconds per e2e step (default 10; quick 2)
 *   BENCH_RATES=20000,50000,100000,250000,max   target offered flows/s per step ("max" = blaster's best)
 *   BENCH_PROTOCOLS=netflow-v9,ipfix,sflow
 *   BENCH_COLLECTORS=ixmeter,nfcapd,nfacctd
 *   BENCH_VERIFY_DB=0        count ixmeter rows from /metrics instead of chDB after exit
 *   BENCH_KEEP=1             keep the temp data dirs (path printed)
 *   BENCH_OUT=path           results JSON (default <repo>/bench-results.json)
 *   BENCH_QUERIES_* / BENCH_STATEMENTS_*   see queries.ts and statements.ts
 *   BENCH_DETECT_*           see detection-latency.ts (alert latency side by side with FastNetMon)
 */
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDecodeNetflow } from './decode-netflow.js';
import { benchDecodeSflow } from './decode-sflow.js';
import { benchFlowGuard } from './flow-guard.js';
import {
  COLLECTORS,
  e2eMarkdown,
  killAllChildren,
  runE2e,
  type CollectorName,
  type E2eReport,
} from './e2e-collectors.js';
import { queriesMarkdown, runBenchChild, type QueriesReport } from './queries.js';
import { apiLoadMarkdown, type ApiLoadReport } from './api-load.js';
import { statementsMarkdown, type StatementsReport } from './statements.js';
import { programmeMarkdown, type ProgrammeReport } from './programme.js';
import { detectMarkdown, type DetectReport } from './detection-latency.js';
import { BLAST_PROTOCOLS, type BlastProtocol } from './udp-blaster.js';

interface BenchResult {
  name: string;
  value: number;
  unit: string;
}

function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(d, 'package.json')) && existsSync(join(d, 'bin'))) return d;
    d = dirname(d);
  }
  return process.cwd();
}

function machine(): Record<string, string | number> {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) model = m[1]!.trim();
  } catch {
    /* not Linux */
  }
  let nproc = cpus().length;
  try {
    nproc = Number(execSync('nproc', { encoding: 'utf8', timeout: 2_000 }).trim()) || nproc;
  } catch {
    /* keep */
  }
  let kernel = '';
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    /* not Linux */
  }
  return {
    nproc,
    cpu: model,
    memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel,
    node: process.version,
    loadavg: loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
  };
}

const BENCH_PARTS = ['decode', 'e2e', 'queries', 'statements', 'api', 'programme', 'detect'] as const;

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });

function list<T extends string>(env: string | undefined, all: readonly T[], fallback: readonly T[]): T[] {
  if (!env) return [...fallback];
  const want = env
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = want.filter((w) => !all.includes(w as T));
  if (bad.length) throw new Error(`unknown value(s) ${bad.join(', ')}; expected ${all.join(', ')}`);
  return want as T[];
}

async function main(): Promise<void> {
  const root = repoRoot();
  const quick = process.env.BENCH_QUICK === '1';
  const parts = list(process.env.BENCH_ONLY, BENCH_PARTS, BENCH_PARTS);
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const mach = machine();
  log(`machine: ${JSON.stringify(mach)}`);

  let decode: BenchResult[] = [];
  if (parts.includes('decode')) {
    log('decode benchmarks …');
    decode = [...(await benchDecodeNetflow()), ...(await benchDecodeSflow()), ...(await benchFlowGuard())];
  }

  let e2e: E2eReport | null = null;
  if (parts.includes('e2e')) {
    const rates = (process.env.BENCH_RATES ?? (quick ? '20000,max' : '20000,50000,100000,250000,max'))
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => (s === 'max' ? 0 : Number(s)));
    if (rates.some((r) => !Number.isFinite(r) || r < 0))
      throw new Error('BENCH_RATES: comma-separated flows/s or "max"');
    const durationMs = Math.round(Number(process.env.BENCH_DURATION_S ?? (quick ? 2 : 10)) * 1000);
    if (!(durationMs > 0 && durationMs <= 120_000)) throw new Error('BENCH_DURATION_S must be in (0, 120]');
    e2e = await runE2e({
      repoRoot: root,
      protocols: list<BlastProtocol>(process.env.BENCH_PROTOCOLS, BLAST_PROTOCOLS, BLAST_PROTOCOLS),
      collectors: list<CollectorName>(process.env.BENCH_COLLECTORS, COLLECTORS, COLLECTORS),
      rates,
      durationMs,
      verifyDb: process.env.BENCH_VERIFY_DB !== '0',
      keepDirs: process.env.BENCH_KEEP === '1',
      recvBufferBytes: 32 * 1024 * 1024,
      log,
    });
  }
  const benchDir = dirname(fileURLToPath(import.meta.url));
  const queries = parts.includes('queries')
    ? await runBenchChild<QueriesReport>(join(benchDir, 'queries.js'), 'queries', log, 20 * 60_000)
    : null;
  const statements = parts.includes('statements')
    ? await runBenchChild<StatementsReport>(join(benchDir, 'statements.js'), 'statements', log, 30 * 60_000)
    : null;
  const programme = parts.includes('programme')
    ? await runBenchChild<ProgrammeReport>(join(benchDir, 'programme.js'), 'programme', log, 30 * 60_000)
    : null;
  const api = parts.includes('api')
    ? await runBenchChild<ApiLoadReport>(join(benchDir, 'api-load.js'), 'api-load', log, 10 * 60_000)
    : null;
  const detect = parts.includes('detect')
    ? await runBenchChild<DetectReport>(join(benchDir, 'detection-latency.js'), 'detect', log, 20 * 60_000)
    : null;
  mach.loadavgAfter = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

  const md: string[] = ['## Benchmarks', ''];
  md.push(
    `Machine: ${mach.nproc} vCPU (${mach.cpu}), ${mach.memGiB} GiB RAM, Linux ${mach.kernel}, Node ${mach.node}; load average ${mach.loadavg} at start, ${mach.loadavgAfter} at end.`,
  );
  if (decode.length) {
    md.push('', '### Decoders (ixmeter, one core, in process)', '', '| benchmark | value | unit |', '|---|---:|---|');
    for (const d of decode) md.push(`| ${d.name} | ${fmt(d.value)} | ${d.unit} |`);
  }
  if (e2e) {
    md.push('', '### End to end: ixmeter vs nfcapd (nfdump) vs nfacctd/sfacctd (pmacct)', '');
    md.push(
      `Versions: ${Object.entries(e2e.versions)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}.`,
      '',
    );
    md.push(e2eMarkdown(e2e));
  }
  if (queries)
    md.push('', '### Queries: member traffic and matrix (embedded ClickHouse)', '', queriesMarkdown(queries));
  if (statements) md.push('', '### Monthly statements (embedded ClickHouse)', '', statementsMarkdown(statements));
  if (programme)
    md.push(
      '',
      '### Subsidy programme: budgeted month and policy what-if (embedded ClickHouse)',
      '',
      programmeMarkdown(programme),
    );
  if (api) md.push('', '### API under load (member traffic and statements)', '', apiLoadMarkdown(api));
  if (detect)
    md.push(
      '',
      '### Detection latency: first attack datagram → alert (ixmeter API) / ban (FastNetMon), same datagrams',
      '',
      detectMarkdown(detect),
    );
  const text = md.join('\n');
  process.stdout.write(`${text}\n`);
  const out = process.env.BENCH_OUT ? resolve(process.env.BENCH_OUT) : join(root, 'bench-results.json');
  writeFileSync(
    out,
    `${JSON.stringify({ generatedAt: new Date().toISOString(), quick, machine: mach, decode, e2e, queries, statements, programme, api, detect, markdown: text }, null, 2)}\n`,
  );
  log(`results written to ${out}`);
  process.exitCode = 0;
}

main().catch((e: unknown) => {
  killAllChildren();
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
