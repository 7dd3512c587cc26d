/**
 * End-to-end collector comparison: ixmeter (`node bin/ixmeter.js serve`, embedded ClickHouse) vs
 * nfdump's nfcapd and pmacct's nfacctd (sfacctd for sFlow). Each run offers the same datagrams
 * (tests/bench/udp-blaster.ts) at the same target rate to one freshly started collector with its own
 * temp data dir and ports on 127.0.0.1, waits until the collector has drained, stops it gracefully
 * and counts what it stored:
 *
 * - ixmeter: rows in `flows_raw` — counted in chDB after SIGTERM (flushes everything), falling back
 *   to `ixmeter_writer_rows_total{table="flows_raw"}` from /metrics;
 * - nfcapd: `nfdump -R DIR -I` "Flows:" after SIGTERM (the file is closed on exit);
 * - nfacctd/sfacctd: Σ PACKETS in the print plugin's CSV output after SIGINT (the cache is purged on
 *   exit). The blaster's records carry packets = 1 and sFlow samples count one packet each
 *   (no renormalization), so Σ PACKETS = flow records received.
 *
 * Every collector asks for SO_RCVBUF = 32 MiB (nfcapd -B, pmacct *_pipe_size, ixmeter's default
 * IXMETER_UDP_RECV_BUFFER_BYTES); net.core.rmem_max is raised to 64 MiB first when running as root
 * and restored at the end. Per run the kernel's drop counter of the collector's socket
 * (/proc/net/udp "drops") and the collector's CPU time (/proc/PID/stat, process + children) are
 * recorded. Every child process is started by this module, tracked by pid and killed at the end.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blast, type BlastProtocol, type BlastResult } from './udp-blaster.js';

export type CollectorName = 'ixmeter' | 'nfcapd' | 'nfacctd';
export const COLLECTORS: readonly CollectorName[] = ['ixmeter', 'nfcapd', 'nfacctd'];

export interface E2eOptions {
  repoRoot: string;
  protocols: BlastProtocol[];
  /** Target offered rates in flows/s; 0 = as fast as the blaster can. */
  rates: number[];
  durationMs: number;
  collectors: CollectorName[];
  /** Count ixmeter's rows in chDB after it exited (default true). */
  verifyDb: boolean;
  keepDirs: boolean;
  recvBufferBytes: number;
  log: (msg: string) => void;
}

export interface RunResult {
  collector: CollectorName;
  /** Daemon actually run (sfacctd for sFlow under 'nfacctd'). */
  daemon: string;
  protocol: BlastProtocol;
  /** Target flows/s; 0 = max. */
  targetFlowsPerSecond: number;
  sent: Pick<BlastResult, 'datagrams' | 'templateDatagrams' | 'flows' | 'bytes' | 'sendErrors' | 'elapsedMs' | 'offeredFlowsPerSecond'> | null;
  /** Flow records the collector stored (ixmeter rows / nfcapd flows / pmacct Σ packets). */
  stored: number | null;
  /** How `stored` was obtained. */
  countedBy: string;
  lossPct: number | null;
  /** stored / (blast duration + socket drain time). */
  sustainedFlowsPerSecond: number | null;
  /** Seconds after the blast until the socket's receive queue was empty (0 = kept up). */
  socketDrainSeconds: number | null;
  /** /proc/net/udp drops of the collector's socket (read after draining, before stopping). */
  kernelDrops: number | null;
  /** Collector CPU seconds during blast + drain; % of one core during the blast; CPU s per 10^6 stored flows. */
  cpuSeconds: number | null;
  cpuPctOfCore: number | null;
  cpuSecondsPerMillionFlows: number | null;
  /** Seconds from end of blast until the collector had drained (rx queue empty, counts stable). */
  drainSeconds: number | null;
  /** ixmeter: seconds from end of blast until the last row was in ClickHouse (its queue, decoder and writer had caught up). */
  storedSeconds: number | null;
  extra: Record<string, unknown>;
  error?: string;
}

export interface E2eReport {
  startedAt: string;
  rmemMax: { before: number | null; used: number | null; restored: boolean };
  recvBufferBytes: number;
  durationMs: number;
  versions: Record<string, string>;
  runs: RunResult[];
  /** Per protocol: largest target step at which ixmeter lost nothing. */
  ixmeterZeroLoss: Array<{ protocol: BlastProtocol; targetFlowsPerSecond: number | null; sustainedFlowsPerSecond: number | null }>;
  unavailable: Partial<Record<CollectorName, string>>;
}

const ADMIN_TOKEN = 'ixmeter-bench-admin-token-0001';
const RMEM_WANTED = 64 * 1024 * 1024;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** A timeout for Promise.race that does not keep the process alive. */
const deadline = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

// ---------------------------------------------------------------------------------------------
// Child processes: every one is tracked and killed at the end (by pid / its own process group).

const live = new Set<ChildProcess>();

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try { process.kill(pid, 0); return true; } catch { return false; }
}

function start(cmd: string, args: string[], o: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  // detached: the child leads its own process group, so its helpers (pmacct plugins) can be killed with it.
  const child = spawn(cmd, args, { cwd: o.cwd, env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  live.add(child);
  let out = '';
  const keep = (d: Buffer) => { out += d.toString(); if (out.length > 200_000) out = out.slice(-100_000); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, sig) => { live.delete(child); resolve(code ?? (sig ? -1 : null)); });
    child.once('error', (e) => { out += `\nspawn error: ${e.message}`; live.delete(child); resolve(-2); });
  });
  return { child, out: () => out, exited };
}

function killGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (!child.pid) return;
  try { process.kill(-child.pid, sig); } catch { try { process.kill(child.pid, sig); } catch { /* gone */ } }
}

/** Graceful stop with `sig`, then SIGKILL of the group after `graceMs`. */
async function stopChild(child: ChildProcess, exited: Promise<number | null>, sig: NodeJS.Signals, graceMs: number): Promise<{ code: number | null; killed: boolean }> {
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, killed: false };
  try { process.kill(child.pid!, sig); } catch { /* gone */ }
  const r = await Promise.race([exited, deadline(graceMs).then(() => 'timeout' as const)]);
  // Leftover helpers in the group (e.g. pmacct plugin children) go too.
  if (r === 'timeout') {
    killGroup(child, 'SIGKILL');
    return { code: await Promise.race([exited, deadline(5_000).then(() => null)]), killed: true };
  }
  if (child.pid) { try { process.kill(-child.pid, 0); killGroup(child, 'SIGKILL'); } catch { /* group empty */ } }
  return { code: r, killed: false };
}

export function killAllChildren(): void {
  for (const c of live) killGroup(c, 'SIGKILL');
}

// ---------------------------------------------------------------------------------------------
// /proc helpers

interface UdpSock { drops: number; rxQueue: number }

/** Sockets bound to this local UDP port (IPv4 and IPv6 tables). */
export function udpSockets(port: number): UdpSock[] {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const out: UdpSock[] = [];
  for (const f of ['/proc/net/udp', '/proc/net/udp6']) {
    let text = '';
    try { text = readFileSync(f, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const c = line.trim().split(/\s+/);
      if (c.length < 13) continue;
      if (c[1]!.split(':')[1] !== hex) continue;
      const rx = parseInt(c[4]!.split(':')[1] ?? '0', 16);
      out.push({ rxQueue: rx, drops: Number(c[12]) });
    }
  }
  return out;
}

function descendants(pid: number): number[] {
  const kids = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
      const a = kids.get(ppid) ?? [];
      a.push(Number(d));
      kids.set(ppid, a);
    } catch { /* raced */ }
  }
  const out: number[] = [];
  const walk = (p: number) => { for (const k of kids.get(p) ?? []) { out.push(k); walk(k); } };
  walk(pid);
  return out;
}

const TICKS = 100; // USER_HZ on Linux
/** CPU seconds (user+sys, incl. waited-for children) of pid and its descendants. */
function cpuSeconds(pid: number | undefined): number | null {
  if (!pid || !alive(pid)) return null;
  let t = 0;
  for (const p of [pid, ...descendants(pid)]) {
    try {
      const s = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      // fields after ')' start at field 3 (state): utime=14 → index 11, stime 12, cutime 13, cstime 14
      t += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch { /* gone */ }
  }
  return t / TICKS;
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

async function freeTcpPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const addr = srv.address();
  await new Promise<void>((r) => srv.close(() => r()));
  if (addr === null || typeof addr === 'string') throw new Error('no tcp port');
  return addr.port;
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null> | T | null, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Wait until the socket's receive queue has been empty for `quietMs` (bounded); returns when it became empty. */
async function waitRxEmpty(port: number, quietMs: number, timeoutMs: number): Promise<number> {
  const end = Date.now() + timeoutMs;
  let emptySince: number | null = null;
  while (Date.now() < end) {
    const q = udpSockets(port).reduce((s, x) => s + x.rxQueue, 0);
    if (q === 0) { emptySince ??= Date.now(); if (Date.now() - emptySince >= quietMs) return emptySince; }
    else emptySince = null;
    await sleep(50);
  }
  return Date.now();
}

/**
 * Wait until the collector's process tree is idle: < 5 % of a core over 2 consecutive 1 s windows
 * (bounded). A collector still chewing through its internal queues (pmacct's core→plugin ring,
 * ixmeter's worker and writer) is not stopped early: that would count its backlog as lost.
 */
async function waitCpuIdle(pid: number | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let prev = cpuSeconds(pid);
  let quiet = 0;
  while (prev !== null && Date.now() < deadline) {
    await sleep(1_000);
    const cur = cpuSeconds(pid);
    if (cur === null) return;
    quiet = cur - prev < 0.05 ? quiet + 1 : 0;
    if (quiet >= 2) return;
    prev = cur;
  }
}

function readRmemMax(): number | null {
  try { return Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8').trim()); } catch { return null; }
}

function setRmemMax(v: number): boolean {
  return spawnSync('sysctl', ['-w', `net.core.rmem_max=${v}`], { stdio: 'ignore', timeout: 5_000 }).status === 0;
}

function version(cmd: string, args: string[], re: RegExp): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 5_000 });
  const m = re.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`);
  return m ? m[0].trim() : 'unknown';
}

// ---------------------------------------------------------------------------------------------
// Collector adapters

interface Running {
  daemon: string;
  pid: number | undefined;
  /** Collector-specific wait after the socket queue is empty (e.g. ixmeter's writer). */
  settle(deadlineMs: number): Promise<Record<string, unknown>>;
  /** ixmeter: from the end of the blast, note the stored row count every 250 ms (until `settle` is done). */
  trackRows?(): void;
  stop(): Promise<Record<string, unknown>>;
  /** After stop. */
  count(): Promise<{ stored: number; countedBy: string; extra?: Record<string, unknown> }>;
  logTail(): string;
}

interface RunCtx { dir: string; port: number; protocol: BlastProtocol; opts: E2eOptions; runId: number; redisUrl: string | null }

async function startNfcapd(ctx: RunCtx): Promise<Running> {
  const flows = join(ctx.dir, 'flows');
  mkdirSync(flows, { recursive: true });
  const p = start('nfcapd', ['-b', '127.0.0.1', '-p', String(ctx.port), '-w', flows, '-t', '60', '-B', String(ctx.opts.recvBufferBytes)]);
  await waitFor('nfcapd socket', 15_000, () => (udpSockets(ctx.port).length > 0 ? true : p.child.exitCode !== null ? Promise.reject(new Error(`nfcapd exited: ${p.out().slice(-500)}`)) : null));
  return {
    daemon: 'nfcapd', pid: p.child.pid,
    settle: async () => ({}),
    stop: async () => ({ ...(await stopChild(p.child, p.exited, 'SIGTERM', 20_000)) }),
    count: async () => {
      const r = spawnSync('nfdump', ['-R', flows, '-I'], { encoding: 'utf8', timeout: 120_000 });
      const m = /^Flows:\s*(\d+)/m.exec(r.stdout ?? '');
      const seq = /^Sequence failures:\s*(\d+)/m.exec(r.stdout ?? '');
      // nfcapd's own summary line(s) on stdout, one per file cycle.
      let logged = 0;
      for (const x of p.out().matchAll(/Ident: '[^']*' Flows: (\d+)/g)) logged += Number(x[1]);
      if (!m) throw new Error(`nfdump -I gave no Flows line: ${(r.stdout ?? '').slice(0, 300)} ${(r.stderr ?? '').slice(0, 300)}`);
      return { stored: Number(m[1]), countedBy: 'nfdump -R DIR -I (Flows)', extra: { nfcapdSummaryFlows: logged, sequenceFailures: seq ? Number(seq[1]) : null } };
    },
    logTail: () => p.out().slice(-2000),
  };
}

async function startPmacct(ctx: RunCtx): Promise<Running> {
  const daemon = ctx.protocol === 'sflow' ? 'sfacctd' : 'nfacctd';
  const k = daemon;
  const out = join(ctx.dir, 'out');
  mkdirSync(out, { recursive: true });
  const conf = join(ctx.dir, `${daemon}.conf`);
  const logfile = join(ctx.dir, `${daemon}.log`);
  writeFileSync(conf, [
    'daemonize: false',
    `${k}_ip: 127.0.0.1`,
    `${k}_port: ${ctx.port}`,
    `${k}_pipe_size: ${ctx.opts.recvBufferBytes}`,
    // core → plugin ring: generous (pmacct's advice: buffer ≈ pipe/1000) so that it is not the bottleneck
    'plugin_pipe_size: 268435456',
    'plugin_buffer_size: 268435',
    `logfile: ${logfile}`,
    `pidfile: ${join(ctx.dir, `${daemon}.pid`)}`,
    'plugins: print[p]',
    'aggregate[p]: src_host,dst_host,src_port,dst_port,proto,src_mac,dst_mac',
    'print_output[p]: csv',
    `print_output_file[p]: ${join(out, 'out-%s.csv')}`,
    'print_output_file_append[p]: true',
    'print_refresh_time[p]: 5',
    'print_cache_entries[p]: 65537',
    '',
  ].join('\n'));
  const p = start(daemon, ['-f', conf]);
  const logText = () => { try { return readFileSync(logfile, 'utf8'); } catch { return ''; } };
  await waitFor(`${daemon} socket`, 15_000, () => (udpSockets(ctx.port).length > 0 ? true : p.child.exitCode !== null ? Promise.reject(new Error(`${daemon} exited: ${logText().slice(-800)}${p.out().slice(-300)}`)) : null));
  // The print plugin must be up too (it logs its cache size).
  await waitFor(`${daemon} print plugin`, 10_000, () => (/cache entries=/.test(logText()) ? true : null)).catch(() => undefined);
  return {
    daemon, pid: p.child.pid,
    settle: async () => ({}),
    // SIGINT: the core flushes its buffer to the plugin, which purges its cache to the CSV and exits.
    stop: async () => ({ ...(await stopChild(p.child, p.exited, 'SIGINT', 30_000)) }),
    count: async () => {
      let sum = 0, rows = 0;
      for (const f of readdirSync(out)) {
        const lines = readFileSync(join(out, f), 'utf8').split('\n');
        let idx = -1;
        for (const line of lines) {
          if (line.startsWith('SRC_MAC') || line.includes('PACKETS')) { idx = line.split(',').indexOf('PACKETS'); continue; }
          if (!line || idx < 0) continue;
          const v = Number(line.split(',')[idx]);
          if (Number.isFinite(v)) { sum += v; rows++; }
        }
      }
      const pipe = /_pipe_size: obtained=(\d+)/.exec(logText());
      const warnings = (logText().match(/WARN|ERROR/g) ?? []).length;
      return { stored: sum, countedBy: `Σ PACKETS in ${daemon} print CSV`, extra: { csvRows: rows, socketBufferObtained: pipe ? Number(pipe[1]) : null, logWarnings: warnings } };
    },
    logTail: () => `${logText().slice(-1500)}\n${p.out().slice(-500)}`,
  };
}

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
  const p = start(process.execPath, ['--input-type=module', '-e', script, join(dataDir, 'clickhouse')], { cwd: repoRoot });
  const code = await Promise.race([p.exited, deadline(120_000).then(() => 'timeout' as const)]);
  if (code === 'timeout') { killGroup(p.child, 'SIGKILL'); throw new Error('chDB count timed out'); }
  const m = /ROWS=(\d+)/.exec(p.out());
  if (!m) throw new Error(`chDB count failed (exit ${String(code)}): ${p.out().slice(-600)}`);
  return Number(m[1]);
}

async function startIxmeter(ctx: RunCtx): Promise<Running> {
  if (!ctx.redisUrl) throw new Error('no Redis for ixmeter');
  const http = await freeTcpPort();
  const ports = { netflow: 0, ipfix: 0, sflow: 0 };
  if (ctx.protocol === 'netflow-v9') ports.netflow = ctx.port;
  else if (ctx.protocol === 'ipfix') ports.ipfix = ctx.port;
  else ports.sflow = ctx.port;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production',
    IXMETER_DATA_DIR: join(ctx.dir, 'data'),
    IXMETER_HTTP_HOST: '127.0.0.1', IXMETER_HTTP_PORT: String(http),
    IXMETER_UDP_HOST: '127.0.0.1',
    IXMETER_NETFLOW_PORT: String(ports.netflow), IXMETER_IPFIX_PORT: String(ports.ipfix), IXMETER_SFLOW_PORT: String(ports.sflow),
    IXMETER_UDP_RECV_BUFFER_BYTES: String(ctx.opts.recvBufferBytes),
    IXMETER_REDIS_URL: ctx.redisUrl, IXMETER_REDIS_AUTOSTART: 'false', IXMETER_REDIS_PREFIX: `ixbench${process.pid}r${ctx.runId}`,
    IXMETER_ADMIN_TOKEN: ADMIN_TOKEN, IXMETER_LOG_LEVEL: 'warn', IXMETER_RATE_LIMIT_PER_MINUTE: '100000',
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
      const r = await fetch(`${url}/api/v1/exporters`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: AbortSignal.timeout(5_000) });
      return r.status === 200 ? await r.json() : { status: r.status, body: (await r.text()).slice(0, 500) };
    } catch (e) { return { error: String(e) }; }
  };
  const failed = () => (p.child.exitCode !== null || p.child.signalCode !== null ? Promise.reject(new Error(`ixmeter exited (${p.child.exitCode ?? p.child.signalCode}): ${p.out().slice(-1500)}`)) : null);
  await waitFor('ixmeter HTTP', 120_000, async () => {
    try { const r = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(2_000) }); if (r.status === 200) return true; } catch { /* not yet */ }
    return failed();
  }, 300);
  await waitFor(`ixmeter UDP socket on ${ctx.port}`, 30_000, () => (udpSockets(ctx.port).length > 0 ? true : failed()));
  let lastRows: number | null = null;
  let lastMetrics: Record<string, number> = {};
  const samples: Array<{ atMs: number; rows: number | null }> = [];
  let tracking = false;
  let trackingDone: Promise<void> = Promise.resolve();
  return {
    daemon: 'ixmeter serve', pid: p.child.pid,
    trackRows: () => {
      tracking = true;
      trackingDone = (async () => {
        while (tracking) {
          try { const m = await metrics(); samples.push({ atMs: m.atMs, rows: m.rows }); } catch { /* busy */ }
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
          const backlog = (m.collector['ixmeter_writer_queued_rows'] ?? 0) + (m.collector['ixmeter_writer_spool_rows'] ?? 0);
          if (m.rows !== prev) { prev = m.rows; stableSince = Date.now(); }
          else if (Date.now() - stableSince >= 3_000 && backlog === 0) break;
        } catch { /* busy: retry */ }
        await sleep(250);
      }
      lastRows = prev;
      tracking = false;
      await trackingDone;
      // The first poll that saw the final count (the tracker polls from the end of the blast on).
      const lastRowsAtMs = samples.find((x) => x.rows === prev)?.atMs ?? Date.now();
      const g = (k: string) => lastMetrics[k] ?? null;
      return {
        metricRowsAtSettle: lastRows, lastRowsAtMs, receivedDatagrams: g('ixmeter_collector_datagrams_total'), decodedFlows: g('ixmeter_collector_flows_total'),
        lostDatagramsBySequence: g('ixmeter_collector_lost_datagrams_total'), lostSamplesBySequence: g('ixmeter_collector_lost_samples_total'),
        spooledRows: g('ixmeter_writer_spooled_rows_total'), spoolRowsLeft: g('ixmeter_writer_spool_rows'), queuedRowsLeft: g('ixmeter_writer_queued_rows'),
        exporters: await exporters(), metrics: lastMetrics,
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
          return { stored: lastRows, countedBy: 'ixmeter_writer_rows_total{table="flows_raw"}', extra: { chdbCountError: String(e) } };
        }
      }
      if (lastRows === null) throw new Error('no ixmeter_writer_rows_total{table="flows_raw"} in /metrics');
      return { stored: lastRows, countedBy: 'ixmeter_writer_rows_total{table="flows_raw"}' };
    },
    logTail: () => p.out().slice(-2000),
  };
}

const STARTERS: Record<CollectorName, (ctx: RunCtx) => Promise<Running>> = { ixmeter: startIxmeter, nfcapd: startNfcapd, nfacctd: startPmacct };

function supports(c: CollectorName, proto: BlastProtocol): boolean {
  return !(c === 'nfcapd' && proto === 'sflow'); // Debian's nfdump has no sfcapd
}

async function oneRun(c: CollectorName, protocol: BlastProtocol, rate: number, ctx0: Omit<RunCtx, 'dir' | 'port' | 'protocol'>, root: string): Promise<RunResult> {
  const dir = join(root, `run${ctx0.runId}-${c}-${protocol}-${rate || 'max'}`);
  mkdirSync(dir, { recursive: true });
  const port = await freeUdpPort();
  const res: RunResult = {
    collector: c, daemon: c, protocol, targetFlowsPerSecond: rate, sent: null, stored: null, countedBy: '', lossPct: null, sustainedFlowsPerSecond: null,
    socketDrainSeconds: null, kernelDrops: null, cpuSeconds: null, cpuPctOfCore: null, cpuSecondsPerMillionFlows: null, drainSeconds: null, storedSeconds: null, extra: {},
  };
  let r: Running | null = null;
  try {
    const t0 = Date.now();
    r = await STARTERS[c]({ ...ctx0, dir, port, protocol });
    res.daemon = r.daemon;
    res.extra.startSeconds = (Date.now() - t0) / 1000;
    const drops0 = udpSockets(port).reduce((s, x) => s + x.drops, 0);
    const cpu0 = cpuSeconds(r.pid);
    const b = await blast({ protocol, port, flowsPerSecond: rate, durationMs: ctx0.opts.durationMs });
    const tEnd = Date.now();
    r.trackRows?.();
    const cpuBlast = cpuSeconds(r.pid);
    res.sent = { datagrams: b.datagrams, templateDatagrams: b.templateDatagrams, flows: b.flows, bytes: b.bytes, sendErrors: b.sendErrors, elapsedMs: b.elapsedMs, offeredFlowsPerSecond: b.offeredFlowsPerSecond };
    const emptyAt = await waitRxEmpty(port, 500, 60_000);
    res.socketDrainSeconds = Math.max(0, (emptyAt - tEnd) / 1000);
    await waitCpuIdle(r.pid, 60_000);
    const settled = await r.settle(Date.now() + 60_000);
    Object.assign(res.extra, settled);
    if (typeof settled.lastRowsAtMs === 'number') res.storedSeconds = Math.max(0, (settled.lastRowsAtMs - tEnd) / 1000);
    res.drainSeconds = (Date.now() - tEnd) / 1000;
    res.kernelDrops = udpSockets(port).reduce((s, x) => s + x.drops, 0) - drops0;
    const cpu1 = cpuSeconds(r.pid);
    if (cpu0 !== null && cpu1 !== null) res.cpuSeconds = Math.round((cpu1 - cpu0) * 100) / 100;
    if (cpu0 !== null && cpuBlast !== null) res.cpuPctOfCore = Math.round(((cpuBlast - cpu0) / (b.elapsedMs / 1000)) * 100);
    const t1 = Date.now();
    Object.assign(res.extra, await r.stop());
    const t2 = Date.now();
    const n = await r.count();
    res.extra.stopSeconds = (t2 - t1) / 1000;
    res.extra.countSeconds = (Date.now() - t2) / 1000;
    res.stored = n.stored;
    res.countedBy = n.countedBy;
    Object.assign(res.extra, n.extra ?? {});
    res.lossPct = b.flows > 0 ? Math.max(0, ((b.flows - n.stored) / b.flows) * 100) : null;
    res.sustainedFlowsPerSecond = n.stored / (b.elapsedMs / 1000 + Math.max(res.socketDrainSeconds, res.storedSeconds ?? 0));
    if (res.cpuSeconds !== null && n.stored > 0) res.cpuSecondsPerMillionFlows = Math.round((res.cpuSeconds / (n.stored / 1e6)) * 100) / 100;
  } catch (e) {
    res.error = e instanceof Error ? e.message : String(e);
    if (r) res.extra.logTail = r.logTail();
  } finally {
    if (r) await r.stop().catch(() => undefined);
    if (!ctx0.opts.keepDirs) rmSync(dir, { recursive: true, force: true });
  }
  return res;
}

async function startRedis(dir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freeTcpPort();
  mkdirSync(dir, { recursive: true });
  const p = start('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--protected-mode', 'yes']);
  await waitFor('redis-server', 10_000, () => (/Ready to accept connections/.test(p.out()) ? true : p.child.exitCode !== null ? Promise.reject(new Error(`redis-server exited: ${p.out().slice(-500)}`)) : null));
  return { url: `redis://127.0.0.1:${port}`, stop: async () => { await stopChild(p.child, p.exited, 'SIGTERM', 5_000); } };
}

export async function runE2e(opts: E2eOptions): Promise<E2eReport> {
  const report: E2eReport = {
    startedAt: new Date().toISOString(), rmemMax: { before: readRmemMax(), used: null, restored: false }, recvBufferBytes: opts.recvBufferBytes,
    durationMs: opts.durationMs, versions: {}, runs: [], ixmeterZeroLoss: [], unavailable: {},
  };
  const isRoot = process.getuid?.() === 0;
  const before = report.rmemMax.before;
  let raised = false;
  if (isRoot && before !== null && before < RMEM_WANTED) raised = setRmemMax(RMEM_WANTED);
  report.rmemMax.used = readRmemMax();
  report.versions = {
    node: process.version,
    nfcapd: version('nfcapd', ['-V'], /Version:\s*\S+/),
    nfacctd: version('nfacctd', ['-V'], /nfacctd \S+/),
    sfacctd: version('sfacctd', ['-V'], /sfacctd \S+/),
  };
  const root = mkdtempSync(join(tmpdir(), 'ixmeter-bench-'));
  const onSignal = () => { killAllChildren(); process.exit(130); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const onExit = () => killAllChildren();
  process.once('exit', onExit);
  let redis: { url: string; stop: () => Promise<void> } | null = null;
  try {
    const collectors = opts.collectors.filter((c) => {
      if (c === 'ixmeter') {
        if (!existsSync(join(opts.repoRoot, 'dist/src/cli/main.js')) && !existsSync(join(opts.repoRoot, 'bin/ixmeter.js'))) { report.unavailable.ixmeter = 'not built'; return false; }
        return true;
      }
      const bin = c === 'nfcapd' ? 'nfcapd' : 'nfacctd';
      if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) { report.unavailable[c] = `${bin} not installed`; return false; }
      return true;
    });
    if (collectors.includes('ixmeter')) {
      try { redis = await startRedis(join(root, 'redis')); } catch (e) { report.unavailable.ixmeter = `no redis-server: ${String(e)}`; }
    }
    let runId = 0;
    for (const protocol of opts.protocols) {
      for (const rate of opts.rates) {
        for (const c of collectors) {
          if (!supports(c, protocol) || report.unavailable[c]) continue;
          runId++;
          opts.log(`e2e ${protocol} @ ${rate ? `${rate} flows/s` : 'max'} → ${c} …`);
          const r = await oneRun(c, protocol, rate, { opts, runId, redisUrl: redis?.url ?? null }, root);
          report.runs.push(r);
          opts.log(r.error
            ? `  ${r.daemon}: ERROR ${r.error.slice(0, 300)}`
            : `  ${r.daemon}: sent ${r.sent?.flows} flows (${Math.round(r.sent?.offeredFlowsPerSecond ?? 0)}/s), stored ${r.stored}, loss ${r.lossPct?.toFixed(2)}%, kernel drops ${r.kernelDrops}, cpu ${r.cpuPctOfCore}%`);
          // A collector that cannot even start is not retried at every step.
          if (r.error && r.sent === null) report.unavailable[c] = `failed to start: ${r.error.slice(0, 500)}`;
        }
      }
    }
  } finally {
    if (redis) await redis.stop().catch(() => undefined);
    killAllChildren();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
    if (!opts.keepDirs) rmSync(root, { recursive: true, force: true });
    if (raised && before !== null) report.rmemMax.restored = setRmemMax(before);
  }
  for (const protocol of opts.protocols) {
    const ok = report.runs.filter((r) => r.collector === 'ixmeter' && r.protocol === protocol && r.lossPct === 0 && r.targetFlowsPerSecond > 0);
    const best = ok.sort((a, b) => b.targetFlowsPerSecond - a.targetFlowsPerSecond)[0];
    const maxRun = report.runs.find((r) => r.collector === 'ixmeter' && r.protocol === protocol && r.lossPct === 0 && r.targetFlowsPerSecond === 0);
    const pick = maxRun ?? best;
    report.ixmeterZeroLoss.push({ protocol, targetFlowsPerSecond: pick ? pick.targetFlowsPerSecond : null, sustainedFlowsPerSecond: pick?.sustainedFlowsPerSecond ?? null });
  }
  return report;
}

// ---------------------------------------------------------------------------------------------
// Markdown

const fmt = (n: number | null | undefined, d = 0) => (n === null || n === undefined || !Number.isFinite(n) ? '–' : n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
const rateLabel = (r: number) => (r === 0 ? 'max' : `${fmt(r / 1000)}k`);
const PROTO_LABEL: Record<BlastProtocol, string> = { 'netflow-v9': 'NetFlow v9', ipfix: 'IPFIX', sflow: 'sFlow v5' };

export function e2eMarkdown(rep: E2eReport): string {
  const L: string[] = [];
  L.push(`Offered: same datagrams to each collector, ${fmt(rep.durationMs / 1000)} s per step, 127.0.0.1; SO_RCVBUF asked 32 MiB by all; net.core.rmem_max = ${fmt(rep.rmemMax.used)}.`);
  L.push('');
  L.push('| protocol | target | collector | offered flows/s | sent flows | stored flows | loss % | sustained flows/s | socket drain s | all stored s | kernel drops (datagrams) | CPU % of a core | CPU s / 10⁶ flows |');
  L.push('|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rep.runs) {
    const who = r.collector === 'ixmeter' ? '**ixmeter**' : `${r.daemon} (${r.collector === 'nfcapd' ? 'nfdump' : 'pmacct'})`;
    if (r.error) {
      L.push(`| ${PROTO_LABEL[r.protocol]} | ${rateLabel(r.targetFlowsPerSecond)} | ${who} | ${fmt(r.sent?.offeredFlowsPerSecond)} | ${fmt(r.sent?.flows)} | error | – | – | – | – | – | – | – |`);
      continue;
    }
    L.push(`| ${PROTO_LABEL[r.protocol]} | ${rateLabel(r.targetFlowsPerSecond)} | ${who} | ${fmt(r.sent?.offeredFlowsPerSecond)} | ${fmt(r.sent?.flows)} | ${fmt(r.stored)} | ${fmt(r.lossPct, 2)} | ${fmt(r.sustainedFlowsPerSecond)} | ${fmt(r.socketDrainSeconds, 1)} | ${r.storedSeconds === null ? '–' : fmt(r.storedSeconds, 1)} | ${fmt(r.kernelDrops)} | ${fmt(r.cpuPctOfCore)} | ${fmt(r.cpuSecondsPerMillionFlows, 2)} |`);
  }
  L.push('');
  L.push('Columns: *offered* = flows/s the blaster actually sent (target "max" = as fast as one Node thread sends, competing for the same 2 cores); '
    + '*stored* = ixmeter rows in `flows_raw` (chDB count after SIGTERM) / nfcapd flows (`nfdump -I`) / pmacct Σ packets in the print CSV (packets = 1 per record, after SIGINT); '
    + '*sustained* = stored ÷ (blast duration + the longer of socket drain and all stored), *socket drain* = seconds after the blast until the socket receive queue was empty '
    + '(> 0: the collector fell behind and lived on its socket buffer), *all stored* = ixmeter only: seconds after the blast until the last row was in ClickHouse '
    + '(> 0: it lived on its decode queue and writer queue; the others write files, counted after they stop); *kernel drops* = /proc/net/udp drops of the socket; '
    + '*CPU* = collector process tree during the blast, and total CPU (blast + drain) per million stored flows.');
  // Ratios
  const ratios: string[] = [];
  for (const proto of [...new Set(rep.runs.map((r) => r.protocol))]) {
    for (const rate of [...new Set(rep.runs.filter((r) => r.protocol === proto).map((r) => r.targetFlowsPerSecond))]) {
      const get = (c: CollectorName) => rep.runs.find((r) => r.protocol === proto && r.targetFlowsPerSecond === rate && r.collector === c && !r.error);
      const ix = get('ixmeter');
      if (!ix?.sustainedFlowsPerSecond) continue;
      const nf = get('nfcapd');
      const pm = get('nfacctd');
      const ratio = (o: RunResult | undefined) => (o?.sustainedFlowsPerSecond ? (ix.sustainedFlowsPerSecond! / o.sustainedFlowsPerSecond).toFixed(2) : '–');
      ratios.push(`| ${PROTO_LABEL[proto]} | ${rateLabel(rate)} | ${ratio(nf)} | ${ratio(pm)} |`);
    }
  }
  if (ratios.length > 0) {
    L.push('');
    L.push('Sustained flows/s ratio (stored ÷ (blast duration + time to catch up); 1.00 = same):');
    L.push('');
    L.push('| protocol | target | ixmeter / nfcapd | ixmeter / nfacctd (sfacctd for sFlow) |');
    L.push('|---|---:|---:|---:|');
    L.push(...ratios);
  }
  if (rep.ixmeterZeroLoss.some((z) => z.sustainedFlowsPerSecond !== null)) {
    L.push('');
    L.push('ixmeter at zero loss (largest step with loss 0; a step that needed socket drain lived on the socket buffer):');
    L.push('');
    for (const z of rep.ixmeterZeroLoss) {
      const run = rep.runs.find((r) => r.collector === 'ixmeter' && r.protocol === z.protocol && r.targetFlowsPerSecond === z.targetFlowsPerSecond && !r.error);
      L.push(`- ${PROTO_LABEL[z.protocol]}: ${z.targetFlowsPerSecond === null || !run ? 'none of the steps'
        : `${rateLabel(z.targetFlowsPerSecond)} flows/s offered for ${fmt(rep.durationMs / 1000)} s without loss; sustained ${fmt(z.sustainedFlowsPerSecond)} flows/s (socket drain ${fmt(run.socketDrainSeconds, 1)} s, all stored ${fmt(run.storedSeconds, 1)} s after the blast)`}`);
    }
  }
  const un = Object.entries(rep.unavailable);
  if (un.length > 0) {
    L.push('');
    for (const [c, why] of un) L.push(`- ${c} not measured: ${why.split('\n')[0]!.slice(0, 300)}`);
  }
  return L.join('\n');
}
