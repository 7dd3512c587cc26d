/**
 * Detection latency, side by side with FastNetMon (npm run bench part "detect"): a memcached-style UDP
 * flood (source port 11211) is sent on the loopback interface; a REAL exporter captures it live (pmacct
 * pmacctd + sfprobe at 1:1 or 1:N, or softflowd IPFIX) and exports to a relay that duplicates every
 * datagram to ixmeter (the in-process service: UDP collector + fast-path detectors + alert API) and to
 * Debian's fastnetmon (same threshold, ban by pps, 5-s moving average checked every second). Latency =
 * the relay's first datagram of the flood → the alert in GET /api/v1/alerts (polled every 50 ms) or the
 * ban written by FastNetMon's notify script. Each repetition floods a new victim (127.0.0.100 + i) from
 * 127.0.1.66 (outside FastNetMon's networks_list 127.0.0.0/24: traffic inside it counts as internal, never banned).
 *
 * Fair rules: ixmeter's volumetric and amplification thresholds = FastNetMon's threshold_pps; its
 * per-protocol rule is off (FastNetMon's per-protocol bans are off too).
 *
 * Env: BENCH_DETECT_MODES=sflow,sflow-sampled,ipfix · BENCH_DETECT_REPS (5; quick 2) · BENCH_DETECT_PPS (48000)
 *      BENCH_DETECT_THRESHOLD (20000) · BENCH_DETECT_SAMPLING (10) · BENCH_DETECT_SECONDS (10)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { freeUdpPort } from '../helpers/env.js';
import { makeTempDir } from '../helpers/exporters.js';
import { startTestService } from '../helpers/in-process.js';
import { haveFastNetMon, startFastNetMon } from './fastnetmon.js';
import { childMain, isMain, type Log } from './queries.js';

export const DETECT_MODES = ['sflow', 'sflow-sampled', 'ipfix'] as const;
export type DetectMode = (typeof DETECT_MODES)[number];

export interface DetectRow {
  mode: DetectMode;
  rep: number;
  victim: string;
  sentPps: number;
  ixmeterMs: number | null;
  fastnetmonMs: number | null;
  /** First datagram → the alert written by the alert service (its first event's time): detection without the API poll. */
  ixmeterWrittenMs: number | null;
}
export interface DetectReport {
  thresholdPps: number;
  floodPps: number;
  seconds: number;
  sampling: number;
  loadavg: string;
  rows: DetectRow[];
  summary: Array<{
    mode: DetectMode;
    n: number;
    ixP50: number | null;
    ixP99: number | null;
    fnmP50: number | null;
    fnmP99: number | null;
    ratioP50: number | null;
    ixMissed: number;
    fnmMissed: number;
  }>;
}

const RELAY = `
const { parentPort, workerData } = require('node:worker_threads');
const dgram = require('node:dgram');
const rx = dgram.createSocket('udp4');
const tx = dgram.createSocket('udp4');
let first = 0, n = 0;
rx.on('message', (m) => { if (n++ === 0) first = Date.now(); for (const p of workerData.targets) tx.send(m, p, '127.0.0.1'); });
parentPort.on('message', (m) => {
  if (m === 'reset') { first = 0; n = 0; parentPort.postMessage({ first, n }); }
  else if (m === 'stats') parentPort.postMessage({ first, n });
  else if (m === 'close') { rx.close(); tx.close(); parentPort.close(); }
});
tx.bind(0, '127.0.0.1', () => rx.bind(0, '127.0.0.1', () => { try { rx.setRecvBufferSize(8 << 20); } catch {} parentPort.postMessage({ port: rx.address().port }); }));
`;

/** Sends pps UDP datagrams (1,200 bytes, source port 11211) to victim for ms; reports the datagrams sent. */
const FLOOD = `
const { parentPort, workerData: w } = require('node:worker_threads');
const dgram = require('node:dgram');
const s = dgram.createSocket('udp4');
const buf = Buffer.alloc(1200, 0x61);
s.bind(11211, '127.0.1.66', () => {
  const t0 = Date.now(); let sent = 0;
  const step = () => {
    const el = Date.now() - t0;
    if (el >= w.ms) { s.close(); parentPort.postMessage({ sent, ms: Date.now() - t0 }); return; }
    const want = Math.floor((el / 1000) * w.pps);
    for (; sent < want; sent++) s.send(buf, 9999, w.victim);
    setTimeout(step, 2);
  };
  step();
});
`;

interface Relay {
  port: number;
  ask(m: 'reset' | 'stats'): Promise<{ first: number; n: number }>;
  close(): Promise<void>;
}

async function startRelay(targets: number[]): Promise<Relay> {
  const w = new Worker(RELAY, { eval: true, workerData: { targets } });
  const waiting: Array<(m: Record<string, number>) => void> = [];
  w.on('message', (m: Record<string, number>) => waiting.shift()?.(m));
  const next = () => new Promise<Record<string, number>>((r) => waiting.push(r));
  const { port } = await next();
  return {
    port: port!,
    async ask(m) {
      const r = next();
      w.postMessage(m);
      return (await r) as { first: number; n: number };
    },
    async close() {
      w.postMessage('close');
      await new Promise((r) => setTimeout(r, 50));
      await w.terminate();
    },
  };
}

async function flood(victim: string, pps: number, ms: number): Promise<{ sent: number; ms: number }> {
  const w = new Worker(FLOOD, { eval: true, workerData: { victim, pps, ms } });
  const r = await new Promise<{ sent: number; ms: number }>((res, rej) => {
    w.once('message', res);
    w.once('error', rej);
  });
  await w.terminate();
  return r;
}

/** The live exporter on the loopback interface, capturing the flood only. */
function startExporter(mode: DetectMode, port: number, sampling: number, dir: string): ChildProcess {
  if (mode === 'ipfix') {
    return spawn(
      '/usr/sbin/softflowd',
      [
        '-d',
        '-i',
        'lo',
        '-n',
        `127.0.0.1:${port}`,
        '-v',
        '10',
        '-c',
        'none',
        '-t',
        'maxlife=1',
        '-t',
        'expint=1',
        'udp and src port 11211',
      ],
      { stdio: 'ignore', detached: true },
    );
  }
  const conf = join(dir, `pmacctd-${mode}.conf`);
  writeFileSync(
    conf,
    [
      'daemonize: false',
      'pcap_interface: lo',
      'pcap_filter: udp and src port 11211',
      'plugins: sfprobe',
      `sfprobe_receiver: 127.0.0.1:${port}`,
      'sfprobe_agentip: 127.0.0.1',
      'sfprobe_agentsubid: 7',
      ...(mode === 'sflow-sampled' ? [`sampling_rate: ${sampling}`] : []),
      `logfile: ${join(dir, `pmacctd-${mode}.log`)}`,
    ].join('\n') + '\n',
  );
  return spawn('/usr/sbin/pmacctd', ['-f', conf], { stdio: 'ignore', detached: true });
}

function stopChild(c: ChildProcess): void {
  if (c.exitCode === null && c.pid) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

const pct = (xs: number[], p: number): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

export async function benchDetection(log: Log): Promise<DetectReport> {
  if (!haveFastNetMon()) throw new Error('fastnetmon not installed (/usr/sbin/fastnetmon)');
  const quick = process.env.BENCH_QUICK === '1';
  const modes = (process.env.BENCH_DETECT_MODES ?? DETECT_MODES.join(','))
    .split(',')
    .map((m) => m.trim()) as DetectMode[];
  for (const m of modes) if (!DETECT_MODES.includes(m)) throw new Error(`BENCH_DETECT_MODES: unknown ${m}`);
  const reps = Number(process.env.BENCH_DETECT_REPS ?? (quick ? 2 : 5));
  const pps = Number(process.env.BENCH_DETECT_PPS ?? 48_000);
  const threshold = Number(process.env.BENCH_DETECT_THRESHOLD ?? 20_000);
  const sampling = Number(process.env.BENCH_DETECT_SAMPLING ?? 10);
  const seconds = Number(process.env.BENCH_DETECT_SECONDS ?? 10);
  const tmp = makeTempDir('ixmeter-bench-detect-');
  const security = join(tmp.dir, 'security.json');
  writeFileSync(
    security,
    JSON.stringify({
      detectors: { volumetric: { pps: threshold }, amplification: { pps: threshold }, protocol: { enabled: false } },
    }),
  );
  const t = await startTestService(join(tmp.dir, 'svc'), { IXMETER_SECURITY_FILE: security });
  const rows: DetectRow[] = [];
  const children: ChildProcess[] = [];
  const groups = new Set<number>();
  // Exporters and FastNetMon run in their own process groups: a stopped bench must not leave them behind.
  const onSignal = () => {
    for (const g of groups) {
      try {
        process.kill(-g, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    tmp.cleanup();
    process.exit(1);
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    let rep = 0;
    for (const mode of modes) {
      const fnmPort = await freeUdpPort();
      const fnmDir = join(tmp.dir, `fnm-${mode}`);
      mkdirSync(fnmDir);
      const fnm = await startFastNetMon({
        dir: fnmDir,
        port: fnmPort,
        kind: mode === 'ipfix' ? 'netflow' : 'sflow',
        prefix: '127.0.0.0/24',
        thresholdPps: threshold,
      });
      if (fnm.pid) groups.add(fnm.pid);
      const relay = await startRelay([t.port, fnmPort]);
      const exporter = startExporter(mode, relay.port, sampling, tmp.dir);
      children.push(exporter);
      if (exporter.pid) groups.add(exporter.pid);
      await new Promise((r) => setTimeout(r, 1500)); // capture open
      try {
        for (let i = 0; i < reps; i++, rep++) {
          const victim = `127.0.0.${100 + rep}`;
          await relay.ask('reset');
          const f = flood(victim, pps, seconds * 1000);
          let ixAt = 0;
          let ixId = '';
          const until = Date.now() + seconds * 1000 + 8000;
          while (Date.now() < until && !(ixAt && fnm.bans().has(victim))) {
            if (!ixAt) {
              const r = await fetch(`${t.svc.url}/api/v1/alerts?limit=100`, {
                headers: { authorization: `Bearer ${t.admin}` },
              });
              const alerts = ((await r.json()) as { alerts: Array<{ id: string; target: string }> }).alerts;
              const hit = alerts.find((a) => a.target === victim);
              if (hit) {
                ixAt = Date.now();
                ixId = hit.id;
              }
            }
            await new Promise((r) => setTimeout(r, 50));
          }
          const sent = await f;
          const { first } = await relay.ask('stats');
          const fnmAt = fnm.bans().get(victim) ?? 0;
          let writtenAt = 0;
          if (ixId) {
            const r = await fetch(`${t.svc.url}/api/v1/alerts/${ixId}`, {
              headers: { authorization: `Bearer ${t.admin}` },
            });
            writtenAt = Date.parse(((await r.json()) as { history: Array<{ at: string }> }).history[0]?.at ?? '') || 0;
          }
          if (!fnmAt) log(`fastnetmon did not ban ${victim}; its log ends:\n${fnm.log().slice(-1500)}`);
          const row: DetectRow = {
            mode,
            rep: i,
            victim,
            sentPps: Math.round((sent.sent / sent.ms) * 1000),
            ixmeterMs: ixAt && first ? ixAt - first : null,
            fastnetmonMs: fnmAt && first ? fnmAt - first : null,
            ixmeterWrittenMs: writtenAt && first ? writtenAt - first : null,
          };
          rows.push(row);
          log(
            `${mode} #${i}: ${victim} sent ${row.sentPps} pps; ixmeter ${row.ixmeterMs ?? 'missed'} ms (written at ${row.ixmeterWrittenMs ?? '–'} ms), fastnetmon ${row.fastnetmonMs ?? 'missed'} ms`,
          );
          await new Promise((r) => setTimeout(r, 6000)); // averages settle before the next victim
        }
      } finally {
        stopChild(exporter);
        await relay.close();
        await fnm.stop();
      }
    }
  } finally {
    for (const c of children) stopChild(c);
    await t.svc.stop();
    tmp.cleanup();
  }
  const summary = modes.map((mode) => {
    const r = rows.filter((x) => x.mode === mode);
    const ix = r.map((x) => x.ixmeterMs).filter((x): x is number => x !== null);
    const fnm = r.map((x) => x.fastnetmonMs).filter((x): x is number => x !== null);
    const ixP50 = pct(ix, 50);
    const fnmP50 = pct(fnm, 50);
    return {
      mode,
      n: r.length,
      ixP50,
      ixP99: pct(ix, 99),
      fnmP50,
      fnmP99: pct(fnm, 99),
      ratioP50: ixP50 !== null && fnmP50 ? ixP50 / fnmP50 : null,
      ixMissed: r.length - ix.length,
      fnmMissed: r.length - fnm.length,
    };
  });
  return {
    thresholdPps: threshold,
    floodPps: pps,
    seconds,
    sampling,
    loadavg: loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
    rows,
    summary,
  };
}

export function detectMarkdown(r: DetectReport): string {
  const s = (ms: number | null) => (ms === null ? '–' : `${(ms / 1000).toFixed(2)} s`);
  const lines = [
    `UDP flood from source port 11211 at ${r.floodPps.toLocaleString('en-US')} pps for ${r.seconds} s, threshold ${r.thresholdPps.toLocaleString('en-US')} pps for both; sFlow sampled = 1:${r.sampling}; load average ${r.loadavg} at the end. Target for ixmeter: p50 ≤ 1.5 s, p99 ≤ 3 s.`,
    '',
    '| exporter | runs | ixmeter p50 | ixmeter p99 | FastNetMon p50 | FastNetMon p99 | ixmeter / FastNetMon (p50) | missed (ixmeter / FNM) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const x of r.summary) {
    lines.push(
      `| ${x.mode} | ${x.n} | ${s(x.ixP50)} | ${s(x.ixP99)} | ${s(x.fnmP50)} | ${s(x.fnmP99)} | ${x.ratioP50 === null ? '–' : x.ratioP50.toFixed(2)} | ${x.ixMissed} / ${x.fnmMissed} |`,
    );
  }
  return lines.join('\n');
}

if (isMain(import.meta.url)) childMain('detect', benchDetection);
