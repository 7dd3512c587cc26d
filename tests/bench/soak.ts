/**
 * Soak (issue 18): `ixmeter serve` (real process, embedded chDB) under NetFlow v9 at BENCH_SOAK_RATE
 * (default 100k) flows/s for BENCH_SOAK_SECONDS (default 1800), with the minute jobs running, a statements
 * run of the current month every BENCH_SOAK_RUN_EVERY_S (default 300) s, and API load of 50 requests/s
 * (member traffic, statements, health). The service's RSS is sampled every 10 s and plotted
 * (soak-rss.png in BENCH_SOAK_OUT: x = seconds, grid every 256 MiB, red line = the bound, default the system temp dir, with soak.json). Checks: RSS after the first
 * minute stays below BENCH_SOAK_RSS_MIB (default 2048) — the documented bound; sent = stored + counted
 * drops (no lost flows); every statements run completed (no stuck job).
 * Run: BENCH_SOAK_SECONDS=150 npx tsx tests/bench/soak.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { tempDir } from '../helpers/env.js';
import { serveEnv } from '../helpers/serve-env.js';
import { dumpDataDir } from '../helpers/dump-data-dir.js';
import { ixfDoc } from '../helpers/ixf.js';
import { runCli, spawnCli, waitForHealth } from '../helpers/service.js';
import { linePng } from './png-plot.js';
import { blast } from './udp-blaster.js';

const env = (k: string, d: number) => Number(process.env[k] ?? d);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rssMib = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

export async function benchSoak() {
  const seconds = env('BENCH_SOAK_SECONDS', 1800),
    rate = env('BENCH_SOAK_RATE', 100_000),
    apiRate = env('BENCH_SOAK_API_RATE', 50);
  const runEvery = env('BENCH_SOAK_RUN_EVERY_S', 300),
    boundMib = env('BENCH_SOAK_RSS_MIB', 2048);
  const out = process.env.BENCH_SOAK_OUT ?? tmpdir();
  const dir = tempDir('ixmeter-soak-');
  const {
    env: e,
    db,
    netflow: nf,
    url,
  } = await serveEnv('soak', join(dir.path, 'data'), { IXMETER_RATE_LIMIT_PER_MINUTE: '1000000' });
  const members = join(dir.path, 'members.json');
  writeFileSync(
    members,
    JSON.stringify(
      ixfDoc(
        Array.from({ length: 20 }, (_, i) => ({
          asn: 64500 + i,
          macs: [`02:00:00:00:00:${(i + 1).toString(16).padStart(2, '0')}`],
          firstProduction: '2026-01-15',
          enrolled: true,
        })),
      ),
    ),
  );
  if (runCli(['members', 'import', members], e).status !== 0) throw new Error('members import failed');
  const svc = spawnCli(['serve'], e);
  const auth = { authorization: `Bearer ${e.IXMETER_ADMIN_TOKEN}` };
  try {
    await waitForHealth(url, 60_000);
    const pid = svc.child.pid!;
    const t0 = Date.now();
    const rss: Array<[number, number]> = [[0, rssMib(pid)]];
    const rssTimer = setInterval(() => rss.push([(Date.now() - t0) / 1000, rssMib(pid)]), 10_000);
    const month = new Date().toISOString().slice(0, 7);
    const jobs: string[] = [];
    const runStatements = async () => {
      const r = await fetch(`${url}/api/v1/statements/${month}/run`, { method: 'POST', headers: auth });
      if (r.ok) jobs.push(((await r.json()) as { job_id: string }).job_id);
    };
    await runStatements();
    const runTimer = setInterval(() => void runStatements().catch(() => undefined), runEvery * 1000);
    const api = { requests: 0, errors: 0 };
    const paths = [
      '/api/v1/health',
      `/api/v1/members/64500/statements/${month}`,
      `/api/v1/members/64501/traffic?from=${encodeURIComponent(`${month}-01T00:00:00Z`)}&to=${encodeURIComponent(new Date().toISOString())}`,
      '/api/v1/exporters',
    ];
    const apiTimer = setInterval(() => {
      const p = paths[api.requests++ % paths.length]!;
      void fetch(`${url}${p}`, { headers: auth })
        .then((r) => {
          if (r.status >= 500) api.errors++;
          return r.arrayBuffer();
        })
        .catch(() => void api.errors++);
    }, 1000 / apiRate);
    const sent = await blast({ protocol: 'netflow-v9', port: nf, flowsPerSecond: rate, durationMs: seconds * 1000 });
    clearInterval(apiTimer);
    clearInterval(runTimer);
    let h:
      | {
          collectors: {
            writer: { queued_rows: number; spooled_rows: number; dropped_rows?: { disk_full: number } };
            kernel_drops: Record<string, number>;
            decode_queue: { drops: number };
          };
        }
      | undefined;
    for (let i = 0; i < 240; i++) {
      h = (await (await fetch(`${url}/api/v1/health`)).json()) as typeof h;
      if (h!.collectors.writer.queued_rows === 0 && h!.collectors.writer.spooled_rows === 0) break;
      await sleep(500);
    }
    clearInterval(rssTimer);
    rss.push([(Date.now() - t0) / 1000, rssMib(pid)]);
    const stuck: string[] = [];
    for (const id of jobs) {
      let state = 'active';
      for (let i = 0; i < 120 && state !== 'completed'; i++) {
        state = ((await (await fetch(`${url}/api/v1/jobs/${id}`, { headers: auth })).json()) as { state: string })
          .state;
        if (state !== 'completed') await sleep(1000);
      }
      if (state !== 'completed') stuck.push(id);
    }
    const droppedDatagrams =
      Object.values(h!.collectors.kernel_drops).reduce((a, b) => a + b, 0) + h!.collectors.decode_queue.drops;
    svc.child.kill('SIGTERM');
    await svc.exited;
    const stored = Number(dumpDataDir(e.IXMETER_DATA_DIR, db, { n: 'SELECT count() AS n FROM flows_raw' }).n![0]!.n);
    const perDatagram = sent.flows / Math.max(1, sent.dataDatagrams);
    const afterWarmup = rss.filter(([t]) => t >= 60).map(([, m]) => m);
    const report = {
      seconds,
      rate,
      offered: Math.round(sent.offeredFlowsPerSecond),
      sent: sent.flows,
      stored,
      droppedDatagrams,
      droppedFlows: Math.round(droppedDatagrams * perDatagram),
      droppedDiskFull: h!.collectors.writer.dropped_rows?.disk_full ?? 0,
      lost: sent.flows - stored - Math.round(droppedDatagrams * perDatagram),
      api: { ...api, rate: apiRate },
      statementRuns: jobs.length,
      stuckJobs: stuck,
      rssMib: {
        first: Math.round(rss[0]![1]),
        max: Math.round(Math.max(...rss.map((r) => r[1]))),
        last: Math.round(rss.at(-1)![1]),
        bound: boundMib,
        maxAfterFirstMinute: afterWarmup.length ? Math.round(Math.max(...afterWarmup)) : null,
      },
      load1: loadavg()[0],
      png: join(out, 'soak-rss.png'),
    };
    writeFileSync(report.png, linePng(rss, { yStep: 256, bound: boundMib }));
    writeFileSync(join(out, 'soak.json'), JSON.stringify({ ...report, samples: rss }, null, 1));
    return {
      ...report, // Counted drops are datagrams; their flows are estimated at the mean records per datagram (16–22 in the pool).
      ok:
        stuck.length === 0 &&
        Math.abs(report.lost) <= 3 * droppedDatagrams + Math.ceil(perDatagram) &&
        (report.rssMib.maxAfterFirstMinute ?? 0) < boundMib,
    };
  } finally {
    if (svc.child.exitCode === null) svc.child.kill('SIGKILL');
    dir.cleanup();
  }
}

if (process.argv[1]?.endsWith('soak.ts') || process.argv[1]?.endsWith('soak.js')) {
  process.stdout.write(`${JSON.stringify(await benchSoak(), null, 1)}\n`);
}
