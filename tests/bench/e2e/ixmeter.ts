/**
 * End-to-end benchmark adapter for ixmeter (`node bin/ixmeter.js serve`, embedded ClickHouse): polls
 * /metrics until `flows_raw` rows are stable with no queued/spooled rows, and counts the rows in chDB
 * after SIGTERM (falling back to `ixmeter_writer_rows_total{table="flows_raw"}`).
 */
import { join } from 'node:path';
import { deadline, freeTcpPort, killGroup, sleep, start, stopChild, udpSockets, waitFor } from './processes.js';
import type { RunCtx, Running } from './types.js';

const ADMIN_TOKEN = 'ixmeter-bench-admin-token-0001';

function parseMetrics(text: string): { rows: number | null; collector: Record<string, number> } {
  let rows: number | null = null;
  const collector: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const v = Number(m[3]);
    if (!Number.isFinite(v)) continue;
    if (m[1] === 'ixmeter_writer_rows_total' && /table="flows_raw"/.test(m[2] ?? '')) rows = (rows ?? 0) + v;
    if (m[1]!.startsWith('ixmeter_collector_') || m[1]!.startsWith('ixmeter_writer_')) {
      // Summed over exporters/ports; writer metrics and decode errors keep their table/reason label.
      const lbl = /(table|reason)="[^"]*"/.exec(m[2] ?? '');
      const key = lbl ? `${m[1]!}{${lbl[0]}}` : m[1]!;
      collector[key] = (collector[key] ?? 0) + v;
    }
  }
  return { rows, collector };
}

async function countInChdb(repoRoot: string, dataDir: string): Promise<number> {
  const db = 'ixmeter';
  const script = `
    import { createClient } from '@clickhouse/client';
    import { createChdbConnection } from 'chdb/connection';
    const client = createClient({ connection: createChdbConnection({ path: process.argv[1] }) });
    const r = await client.query({ query: 'SELECT count() AS n FROM ${db}.flows_raw', format: 'JSONEachRow' });
    const rows = await r.json();
    process.stdout.write('ROWS=' + String(rows[0].n) + '\\n');
    await client.close();
    process.exit(0);`;
  const p = start(process.execPath, ['--input-type=module', '-e', script, join(dataDir, 'clickhouse')], {
    cwd: repoRoot,
  });
  const code = await Promise.race([p.exited, deadline(120_000).then(() => 'timeout' as const)]);
  if (code === 'timeout') {
    killGroup(p.child, 'SIGKILL');
    throw new Error('chDB count timed out');
  }
  const m = /ROWS=(\d+)/.exec(p.out());
  if (!m) throw new Error(`chDB count failed (exit ${String(code)}): ${p.out().slice(-600)}`);
  return Number(m[1]);
}

export async function startIxmeter(ctx: RunCtx): Promise<Running> {
  if (!ctx.redisUrl) throw new Error('no Redis for ixmeter');
  const http = await freeTcpPort();
  const ports = { netflow: 0, ipfix: 0, sflow: 0 };
  if (ctx.protocol === 'netflow-v9') ports.netflow = ctx.port;
  else if (ctx.protocol === 'ipfix') ports.ipfix = ctx.port;
  else ports.sflow = ctx.port;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    IXMETER_DATA_DIR: join(ctx.dir, 'data'),
    IXMETER_HTTP_HOST: '127.0.0.1',
    IXMETER_HTTP_PORT: String(http),
    IXMETER_UDP_HOST: '127.0.0.1',
    IXMETER_NETFLOW_PORT: String(ports.netflow),
    IXMETER_IPFIX_PORT: String(ports.ipfix),
    IXMETER_SFLOW_PORT: String(ports.sflow),
    IXMETER_UDP_RECV_BUFFER_BYTES: String(ctx.opts.recvBufferBytes),
    IXMETER_REDIS_URL: ctx.redisUrl,
    IXMETER_REDIS_AUTOSTART: 'false',
    IXMETER_REDIS_PREFIX: `ixbench${process.pid}r${ctx.runId}`,
    IXMETER_ADMIN_TOKEN: ADMIN_TOKEN,
    IXMETER_LOG_LEVEL: 'warn',
    IXMETER_RATE_LIMIT_PER_MINUTE: '100000',
    // A configured deployment: rate 1 known for the exporter (sFlow carries its own).
    IXMETER_SAMPLING_DEFAULTS: '127.0.0.0/8=1',
  };
  // BENCH_IXMETER_NODE_ARGS, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof': where the collector's time goes (every thread).
  const nodeArgs = (process.env.BENCH_IXMETER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const p = start(process.execPath, [...nodeArgs, 'bin/ixmeter.js', 'serve'], { cwd: ctx.opts.repoRoot, env });
  const url = `http://127.0.0.1:${http}`;
  const metrics = async () => {
    const atMs = Date.now();
    const r = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) });
    return { ...parseMetrics(await r.text()), atMs };
  };
  const exporters = async (): Promise<unknown> => {
    try {
      const r = await fetch(`${url}/api/v1/exporters`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        signal: AbortSignal.timeout(5_000),
      });
      return r.status === 200 ? await r.json() : { status: r.status, body: (await r.text()).slice(0, 500) };
    } catch (e) {
      return { error: String(e) };
    }
  };
  const failed = () =>
    p.child.exitCode !== null || p.child.signalCode !== null
      ? Promise.reject(new Error(`ixmeter exited (${p.child.exitCode ?? p.child.signalCode}): ${p.out().slice(-1500)}`))
      : null;
  await waitFor(
    'ixmeter HTTP',
    120_000,
    async () => {
      try {
        const r = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(2_000) });
        if (r.status === 200) return true;
      } catch {
        /* not yet */
      }
      return failed();
    },
    300,
  );
  await waitFor(`ixmeter UDP socket on ${ctx.port}`, 30_000, () => (udpSockets(ctx.port).length > 0 ? true : failed()));
  let lastRows: number | null = null;
  let lastMetrics: Record<string, number> = {};
  const samples: Array<{ atMs: number; rows: number | null }> = [];
  let tracking = false;
  let trackingDone: Promise<void> = Promise.resolve();
  return {
    daemon: 'ixmeter serve',
    pid: p.child.pid,
    trackRows: () => {
      tracking = true;
      trackingDone = (async () => {
        while (tracking) {
          try {
            const m = await metrics();
            samples.push({ atMs: m.atMs, rows: m.rows });
          } catch {
            /* busy */
          }
          await sleep(250);
        }
      })();
    },
    /** Rows in flows_raw stable for 3 s (flush interval 1 s). */
    settle: async (deadlineMs) => {
      let stableSince = Date.now();
      let prev: number | null = null;
      while (Date.now() < deadlineMs) {
        try {
          const m = await metrics();
          lastMetrics = m.collector;
          const backlog =
            (m.collector['ixmeter_writer_queued_rows'] ?? 0) + (m.collector['ixmeter_writer_spool_rows'] ?? 0);
          if (m.rows !== prev) {
            prev = m.rows;
            stableSince = Date.now();
          } else if (Date.now() - stableSince >= 3_000 && backlog === 0) break;
        } catch {
          /* busy: retry */
        }
        await sleep(250);
      }
      lastRows = prev;
      tracking = false;
      await trackingDone;
      // The first poll that saw the final count (the tracker polls from the end of the blast on).
      const lastRowsAtMs = samples.find((x) => x.rows === prev)?.atMs ?? Date.now();
      const g = (k: string) => lastMetrics[k] ?? null;
      return {
        metricRowsAtSettle: lastRows,
        lastRowsAtMs,
        receivedDatagrams: g('ixmeter_collector_datagrams_total'),
        decodedFlows: g('ixmeter_collector_flows_total'),
        lostDatagramsBySequence: g('ixmeter_collector_lost_datagrams_total'),
        lostSamplesBySequence: g('ixmeter_collector_lost_samples_total'),
        spooledRows: g('ixmeter_writer_spooled_rows_total'),
        spoolRowsLeft: g('ixmeter_writer_spool_rows'),
        queuedRowsLeft: g('ixmeter_writer_queued_rows'),
        exporters: await exporters(),
        metrics: lastMetrics,
      };
    },
    stop: async () => ({ ...(await stopChild(p.child, p.exited, 'SIGTERM', 60_000)) }),
    count: async () => {
      if (ctx.opts.verifyDb) {
        try {
          const n = await countInChdb(ctx.opts.repoRoot, join(ctx.dir, 'data'));
          return { stored: n, countedBy: 'SELECT count() FROM flows_raw (chDB, after SIGTERM)' };
        } catch (e) {
          if (lastRows === null) throw e;
          return {
            stored: lastRows,
            countedBy: 'ixmeter_writer_rows_total{table="flows_raw"}',
            extra: { chdbCountError: String(e) },
          };
        }
      }
      if (lastRows === null) throw new Error('no ixmeter_writer_rows_total{table="flows_raw"} in /metrics');
      return { stored: lastRows, countedBy: 'ixmeter_writer_rows_total{table="flows_raw"}' };
    },
    logTail: () => p.out().slice(-2000),
  };
}
