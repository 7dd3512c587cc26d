/**
 * Run real flow exporters (softflowd; pmacct's pmacctd with the nfprobe / sfprobe plugins) against a
 * pcap file and a UDP target, and wait until they have exported everything and exited.
 *
 * Every child is spawned in its own process group and every wait is bounded: on timeout the group
 * gets SIGTERM, then SIGKILL, and the run throws; `killAllExporters()` (afterAll) kills any child
 * still alive. Configs live in a temp dir (`makeTempDir`) whose `cleanup()` removes it.
 *
 * Findings (softflowd 1.1.0, pmacct 1.7.7 as packaged in Debian 12) — see tests/fixtures/README.md:
 * - softflowd -r: with `-c PATH` it blocks forever in accept() on the control socket (the poll()
 *   that would set revents is skipped when reading a file). Use `-c none`. At pcap EOF it expires
 *   every flow ("flushed") and exits, so no timeouts are needed.
 * - pmacctd with pcap_savefile exits by itself at EOF after the plugins flushed (~4 s, plugin
 *   shutdown path); pcap_savefile_wait is not needed (with it pmacctd waits for a signal, and on
 *   SIGINT sfprobe re-sends samples of the last packets — duplicates).
 * - pmacct sfprobe does not send its last, partly filled datagram at exit: generate the pcap with
 *   `trailerFrames` (sentinels) so that only sentinels are lost.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startUdpSink } from './udp-sink.js';
import { udpDatagramsToPcap } from './traffic-pcap.js';
import type { RawDatagram } from '../../collectors/decoders/types.js';

const execFileP = promisify(execFile);

export const BINARIES = {
  softflowd: '/usr/sbin/softflowd',
  pmacctd: '/usr/sbin/pmacctd',
  tshark: '/usr/bin/tshark',
} as const;

export function haveBinary(name: keyof typeof BINARIES): boolean {
  return existsSync(BINARIES[name]);
}

export function makeTempDir(prefix = 'ixmeter-exporter-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ExporterRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Log file content where the exporter writes one (pmacct). */
  log: string;
  elapsedMs: number;
}

interface Running {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  out: { stdout: string; stderr: string };
}

const live = new Set<ChildProcess>();

function killGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    try {
      child.kill(sig);
    } catch {
      /* gone */
    }
  }
}

/** Kill every exporter this module started that is still running (for afterAll). */
export function killAllExporters(): void {
  for (const c of live) killGroup(c, 'SIGKILL');
  live.clear();
}

function start(cmd: string, args: string[], cwd: string): Running {
  const child = spawn(cmd, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (b: Buffer) => {
    out.stdout += b.toString();
  });
  child.stderr!.on('data', (b: Buffer) => {
    out.stderr += b.toString();
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('error', (err) => {
      out.stderr += `\nspawn error: ${err.message}`;
      live.delete(child);
      resolve({ code: -1, signal: null });
    });
    child.on('close', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  return { child, done, out };
}

/** Wait for exit within timeoutMs; on timeout SIGTERM the group, then SIGKILL, and throw. */
async function waitExit(
  r: Running,
  timeoutMs: number,
  what: string,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const res = await Promise.race([r.done, timeout]);
  clearTimeout(timer);
  if (res !== 'timeout') return res;
  killGroup(r.child, 'SIGTERM');
  const res2 = await Promise.race([
    r.done,
    new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 2000)),
  ]);
  if (res2 === 'timeout') killGroup(r.child, 'SIGKILL');
  await Promise.race([r.done, new Promise((resolve) => setTimeout(resolve, 1000))]);
  throw new Error(`${what} did not exit within ${timeoutMs} ms\nstdout:\n${r.out.stdout}\nstderr:\n${r.out.stderr}`);
}

// ---------------------------------------------------------------------------------------------
// softflowd

export interface SoftflowdOptions {
  pcap: string;
  host?: string;
  port: number;
  version: 5 | 9 | 10;
  /** Tracking level; 'ether' keys flows by MACs + VLAN + 5-tuple. */
  track?: 'full' | 'vlan' | 'ether';
  /** -s N: softflowd's own periodic 1-in-N sampling (not used by default). */
  samplingRate?: number;
  /** -a: base flow times on the pcap timestamps (else the uptime base is the wall clock). */
  adjustTime?: boolean;
  workDir: string;
  timeoutMs?: number;
}

/**
 * `softflowd -r FILE -n HOST:PORT -v V -T ether -d -c none -6`
 * -d: foreground; -c none: no control socket (else it hangs, see header); -6: track IPv6 even for v5
 * (v5 cannot carry it, so IPv6 flows are silently not exported);
 * -m large: no forced expiry; at EOF all flows are flushed.
 */
export async function runSoftflowd(o: SoftflowdOptions): Promise<ExporterRun> {
  const t0 = Date.now();
  const args = [
    '-r',
    o.pcap,
    '-n',
    `${o.host ?? '127.0.0.1'}:${o.port}`,
    '-v',
    String(o.version),
    '-T',
    o.track ?? 'ether',
    '-d',
    '-c',
    'none',
    '-p',
    join(o.workDir, 'softflowd.pid'),
    '-m',
    '65536',
    // Long timeouts: nothing expires by time while reading; EOF flushes everything.
    '-t',
    'maxlife=1d',
    '-t',
    'tcp=1d',
    '-t',
    'udp=1d',
    '-t',
    'general=1d',
    '-t',
    'tcp.fin=1d',
    '-t',
    'tcp.rst=1d',
  ];
  // -6 always: track IPv6 even for v5 (which cannot export it). Without -6, softflowd's periodic
  // sampler (-s N) hands the sampling slot of every ignored IPv6 packet to the next IPv4 packet,
  // over-sampling IPv4 by (all packets / IPv4 packets) while still signalling N.
  args.push('-6');
  if (o.samplingRate) args.push('-s', String(o.samplingRate));
  if (o.adjustTime) args.push('-a');
  const r = start(BINARIES.softflowd, args, o.workDir);
  const res = await waitExit(r, o.timeoutMs ?? 20_000, 'softflowd');
  return {
    exitCode: res.code,
    signal: res.signal,
    stdout: r.out.stdout,
    stderr: r.out.stderr,
    log: '',
    elapsedMs: Date.now() - t0,
  };
}

/** Parse softflowd's end-of-run statistics (printed to stdout with -r). */
export function parseSoftflowdStats(stdout: string): {
  packets: number;
  flowsExported: number;
  records: number;
  datagrams: number;
  octetsByProto: Record<string, number>;
} {
  const num = (re: RegExp) => Number(re.exec(stdout)?.[1] ?? NaN);
  const octetsByProto: Record<string, number> = {};
  for (const m of stdout.matchAll(/^\s+(\w+) \((\d+)\):\s+(\d+)\s+(\d+)/gm)) octetsByProto[m[1]!] = Number(m[3]);
  return {
    packets: num(/Packets processed: (\d+)/),
    flowsExported: num(/Flows exported: (\d+)/),
    records: num(/Flows exported: \d+ \((\d+) records\)/),
    datagrams: num(/in (\d+) packets/),
    octetsByProto,
  };
}

// ---------------------------------------------------------------------------------------------
// pmacctd

export interface PmacctdOptions {
  pcap: string;
  plugin: 'nfprobe' | 'sfprobe';
  host?: string;
  port: number;
  /** nfprobe only. */
  nfprobeVersion?: 5 | 9 | 10;
  /** pmacctd 'sampling_rate' (core random 1-in-N sampling; sfprobe reports it in flow samples). */
  samplingRate?: number;
  aggregate?: string[];
  workDir: string;
  extra?: Record<string, string>;
  timeoutMs?: number;
}

export const NFPROBE_AGGREGATE = [
  'src_mac',
  'dst_mac',
  'vlan',
  'src_host',
  'dst_host',
  'src_port',
  'dst_port',
  'proto',
  'tos',
  'tcpflags',
];

export function pmacctdConfig(o: PmacctdOptions): string {
  const lines: string[] = [
    'daemonize: false',
    `pcap_savefile: ${o.pcap}`,
    // pmacctd exits on its own at EOF after flushing the plugins; with 'true' it would wait for a signal.
    'pcap_savefile_wait: false',
    `plugins: ${o.plugin}`,
    `pidfile: ${join(o.workDir, 'pmacctd.pid')}`,
    `logfile: ${join(o.workDir, 'pmacctd.log')}`,
  ];
  const target = `${o.host ?? '127.0.0.1'}:${o.port}`;
  if (o.plugin === 'nfprobe') {
    lines.push(`nfprobe_receiver: ${target}`, `nfprobe_version: ${o.nfprobeVersion ?? 10}`);
    lines.push(`aggregate: ${(o.aggregate ?? NFPROBE_AGGREGATE).join(', ')}`);
    // Passive/active timeouts longer than the capture: flows leave the cache only at shutdown.
    lines.push(
      'nfprobe_timeouts: tcp=86400:tcp.rst=86400:tcp.fin=86400:udp=86400:icmp=86400:general=86400:maxlife=604800:expint=60',
    );
    lines.push('nfprobe_maxflows: 65536');
  } else {
    // The agent address is the exporter's identity in ixmeter (not the UDP source): a probe sending from
    // its own source address (sfprobe_source_ip) gets that address as its agent too, like a real switch.
    lines.push(
      `sfprobe_receiver: ${target}`,
      `sfprobe_agentip: ${o.extra?.sfprobe_agentip ?? o.extra?.sfprobe_source_ip ?? '127.0.0.1'}`,
      'sfprobe_agentsubid: 7',
    );
  }
  if (o.samplingRate) lines.push(`sampling_rate: ${o.samplingRate}`);
  for (const [k, v] of Object.entries(o.extra ?? {})) if (k !== 'sfprobe_agentip') lines.push(`${k}: ${v}`);
  return lines.join('\n') + '\n';
}

export async function runPmacctd(o: PmacctdOptions): Promise<ExporterRun & { config: string }> {
  const t0 = Date.now();
  const config = pmacctdConfig(o);
  const confPath = join(o.workDir, `pmacctd-${o.plugin}.conf`);
  writeFileSync(confPath, config);
  const r = start(BINARIES.pmacctd, ['-f', confPath], o.workDir);
  const res = await waitExit(r, o.timeoutMs ?? 30_000, 'pmacctd');
  let log = '';
  try {
    log = readFileSync(join(o.workDir, 'pmacctd.log'), 'utf8');
  } catch {
    /* none */
  }
  return {
    exitCode: pmacctdExitCode(res.code, log),
    signal: res.signal,
    stdout: r.out.stdout,
    stderr: r.out.stderr,
    log,
    elapsedMs: Date.now() - t0,
    config,
  };
}

/**
 * pmacctd 1.7.7 races at pcap EOF: the core tells the plugin to stop, and when the plugin is gone before
 * the core has finished its own shutdown the core logs "connection lost … no more plugins active" and
 * exits 1 (seen with sfprobe and core sampling under load). The plugin stopped on the core's request after
 * sending everything, so that exit is a normal end; any other non-zero exit stays an error.
 */
export function pmacctdExitCode(code: number | null, log: string): number | null {
  if (code !== 1) return code;
  const run = log.slice(log.lastIndexOf('Promiscuous Mode Accounting Daemon'));
  const pluginStopped = /Shutting down on user request/.test(run);
  const coreSawIt =
    /connection lost to '[^']+'; closing connection\.[\s\S]*no more plugins active\. Shutting down\./.test(run);
  return pluginStopped && coreSawIt && !/ERROR/.test(run) ? 0 : code;
}

// ---------------------------------------------------------------------------------------------
// tshark: independent decode of the captured export datagrams

export interface TsharkRecordSummary {
  /** Flow records (NetFlow/IPFIX data records) or sFlow flow samples. */
  records: number;
  packets: number;
  octets: number;
  /** sFlow: sum of frame_length over samples; sum of sampling rates. */
  frameLength: number;
  samplingRates: number[];
  /** NetFlow/IPFIX: per record MACs when exported (empty otherwise). */
  perRecord: {
    srcMac: string;
    dstMac: string;
    vlan: number;
    packets: number;
    octets: number;
    frameLength: number;
    samplingRate: number;
  }[];
  /** NetFlow/IPFIX: one 'srcPort/dstPort/proto/packets/octets' per data record (see recordTuple). */
  tuples: string[];
}

/** The per-record key tshark and our decoder are compared on (NetFlow/IPFIX). */
export function recordTuple(r: {
  srcPort: number;
  dstPort: number;
  ipProto: number;
  packets: number;
  l3Octets: number;
}): string {
  return `${r.srcPort}/${r.dstPort}/${r.ipProto}/${r.packets}/${r.l3Octets}`;
}

function splitAgg(s: string | undefined): string[] {
  return s === undefined || s === '' ? [] : s.split(',');
}

/**
 * Run tshark over a pcap of export datagrams (dst port `port`), decoding as cflow (NetFlow/IPFIX)
 * or sflow, and return per-record fields.
 */
export async function tsharkSummary(
  pcapPath: string,
  port: number,
  kind: 'cflow' | 'sflow',
): Promise<TsharkRecordSummary> {
  const fields =
    kind === 'cflow'
      ? [
          'cflow.octets',
          'cflow.packets',
          'cflow.srcmac',
          'cflow.dstmac',
          'cflow.vlanid',
          'cflow.post_dstmac',
          'cflow.srcport',
          'cflow.dstport',
          'cflow.protocol',
        ]
      : [
          'sflow.flow_sample.sampling_rate',
          'sflow_245.header.frame_length',
          'eth.src',
          'eth.dst',
          'vlan.id',
          'sflow.flow_sample.output_interface',
        ];
  const args = [
    '-n',
    '-r',
    pcapPath,
    '-d',
    `udp.port==${port},${kind === 'cflow' ? 'cflow' : 'sflow'}`,
    '-T',
    'fields',
    '-E',
    'separator=/t',
    '-E',
    'aggregator=,',
    '-E',
    'occurrence=a',
  ];
  for (const f of fields) args.push('-e', f);
  const { stdout } = await execFileP(BINARIES.tshark, args, { maxBuffer: 256 * 1024 * 1024, timeout: 30_000 });
  const out: TsharkRecordSummary = {
    records: 0,
    packets: 0,
    octets: 0,
    frameLength: 0,
    samplingRates: [],
    perRecord: [],
    tuples: [],
  };
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const cols = line.split('\t');
    if (kind === 'cflow') {
      const oc = splitAgg(cols[0]).map(Number);
      const pk = splitAgg(cols[1]).map(Number);
      const sm = splitAgg(cols[2]);
      // IE 80 (destinationMacAddress) or IE 57 (v9 DST_MAC; tshark names it post_dstmac, as IPFIX does).
      const dm = splitAgg(cols[3]).length ? splitAgg(cols[3]) : splitAgg(cols[5]);
      const vl = splitAgg(cols[4]).map(Number);
      const sp = splitAgg(cols[6]).map(Number);
      const dp = splitAgg(cols[7]).map(Number);
      const pr = splitAgg(cols[8]).map(Number);
      for (let i = 0; i < oc.length; i++) {
        out.tuples.push(
          recordTuple({
            srcPort: sp[i] ?? -1,
            dstPort: dp[i] ?? -1,
            ipProto: pr[i] ?? -1,
            packets: pk[i] ?? 0,
            l3Octets: oc[i]!,
          }),
        );
        out.records += 1;
        out.octets += oc[i]!;
        out.packets += pk[i] ?? 0;
        out.perRecord.push({
          srcMac: sm[i] ?? '',
          dstMac: dm[i] ?? '',
          vlan: vl[i] ?? 0,
          packets: pk[i] ?? 0,
          octets: oc[i]!,
          frameLength: 0,
          samplingRate: 1,
        });
      }
    } else {
      const rates = splitAgg(cols[0]).map(Number);
      const fl = splitAgg(cols[1]).map(Number);
      // eth.src/eth.dst occur once per sampled header (the outer frame is IP-only in our wrapper? no:
      // our wrapper has an Ethernet header too, so the first occurrence is the wrapper's).
      const es = splitAgg(cols[2]).slice(1);
      const ed = splitAgg(cols[3]).slice(1);
      for (let i = 0; i < fl.length; i++) {
        out.records += 1;
        out.frameLength += fl[i]!;
        out.samplingRates.push(rates[i] ?? 0);
        out.perRecord.push({
          srcMac: es[i] ?? '',
          dstMac: ed[i] ?? '',
          vlan: 0,
          packets: 1,
          octets: 0,
          frameLength: fl[i]!,
          samplingRate: rates[i] ?? 0,
        });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// glue

/**
 * Start a UDP sink, run `exporter(port)` until it exits, wait until the sink has been quiet for
 * `quietMs`, close the sink and return the run and every datagram.
 */
export async function captureExport<R extends ExporterRun>(
  exporter: (port: number) => Promise<R>,
  opts: { quietMs?: number; timeoutMs?: number } = {},
): Promise<{ run: R; datagrams: RawDatagram[] }> {
  const sink = await startUdpSink();
  try {
    const run = await exporter(sink.port);
    await sink.waitQuiet(opts.quietMs ?? 400, { timeoutMs: opts.timeoutMs ?? 10_000 });
    return { run, datagrams: [...sink.datagrams] };
  } finally {
    await sink.close();
  }
}

/** Write captured datagrams as a classic pcap (Ethernet/IPv4/UDP to 127.0.0.1:dstPort) for tshark. */
export function writeDatagramPcap(path: string, datagrams: RawDatagram[], dstPort: number): void {
  writeFileSync(
    path,
    udpDatagramsToPcap(
      datagrams.map((d) => ({
        tsMs: d.receivedAtMs,
        srcAddr: d.exporter,
        srcPort: d.exporterPort,
        dstAddr: '127.0.0.1',
        dstPort,
        payload: d.payload,
      })),
    ),
  );
}
