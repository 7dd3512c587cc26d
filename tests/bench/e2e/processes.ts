/**
 * Process and host helpers of the end-to-end collector benchmark: spawning, tracking and stopping
 * child processes (each in its own process group), polling until a condition holds, the kernel's view
 * of a UDP socket (/proc/net/udp receive queue and drops), a process tree's CPU time
 * (/proc/PID/stat), free loopback ports, net.core.rmem_max (sysctl) and tool versions.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** A timeout for Promise.race that does not keep the process alive. */
export const deadline = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

// ---------------------------------------------------------------------------------------------
// Child processes: every one is tracked and killed at the end (by pid / its own process group).

const live = new Set<ChildProcess>();

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function start(
  cmd: string,
  args: string[],
  o: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  // detached: the child leads its own process group, so its helpers (pmacct plugins) can be killed with it.
  const child = spawn(cmd, args, {
    cwd: o.cwd,
    env: o.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  live.add(child);
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, sig) => {
      live.delete(child);
      resolve(code ?? (sig ? -1 : null));
    });
    child.once('error', (e) => {
      out += `\nspawn error: ${e.message}`;
      live.delete(child);
      resolve(-2);
    });
  });
  return { child, out: () => out, exited };
}

export function killGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    try {
      process.kill(child.pid, sig);
    } catch {
      /* gone */
    }
  }
}

/** Graceful stop with `sig`, then SIGKILL of the group after `graceMs`. */
export async function stopChild(
  child: ChildProcess,
  exited: Promise<number | null>,
  sig: NodeJS.Signals,
  graceMs: number,
): Promise<{ code: number | null; killed: boolean }> {
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, killed: false };
  try {
    process.kill(child.pid!, sig);
  } catch {
    /* gone */
  }
  const r = await Promise.race([exited, deadline(graceMs).then(() => 'timeout' as const)]);
  // Leftover helpers in the group (e.g. pmacct plugin children) go too.
  if (r === 'timeout') {
    killGroup(child, 'SIGKILL');
    return { code: await Promise.race([exited, deadline(5_000).then(() => null)]), killed: true };
  }
  if (child.pid) {
    try {
      process.kill(-child.pid, 0);
      killGroup(child, 'SIGKILL');
    } catch {
      /* group empty */
    }
  }
  return { code: r, killed: false };
}

export function killAllChildren(): void {
  for (const c of live) killGroup(c, 'SIGKILL');
}

// ---------------------------------------------------------------------------------------------
// /proc helpers

interface UdpSock {
  drops: number;
  rxQueue: number;
}

/** Sockets bound to this local UDP port (IPv4 and IPv6 tables). */
export function udpSockets(port: number): UdpSock[] {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const out: UdpSock[] = [];
  for (const f of ['/proc/net/udp', '/proc/net/udp6']) {
    let text = '';
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
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
    } catch {
      /* raced */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const k of kids.get(p) ?? []) {
      out.push(k);
      walk(k);
    }
  };
  walk(pid);
  return out;
}

const TICKS = 100; // USER_HZ on Linux
/** CPU seconds (user+sys, incl. waited-for children) of pid and its descendants. */
export function cpuSeconds(pid: number | undefined): number | null {
  if (!pid || !alive(pid)) return null;
  let t = 0;
  for (const p of [pid, ...descendants(pid)]) {
    try {
      const s = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      // fields after ')' start at field 3 (state): utime=14 → index 11, stime 12, cutime 13, cstime 14
      t += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {
      /* gone */
    }
  }
  return t / TICKS;
}

export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

export async function freeTcpPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const addr = srv.address();
  await new Promise<void>((r) => srv.close(() => r()));
  if (addr === null || typeof addr === 'string') throw new Error('no tcp port');
  return addr.port;
}

export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | null> | T | null,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Wait until the socket's receive queue has been empty for `quietMs` (bounded); returns when it became empty. */
export async function waitRxEmpty(port: number, quietMs: number, timeoutMs: number): Promise<number> {
  const end = Date.now() + timeoutMs;
  let emptySince: number | null = null;
  while (Date.now() < end) {
    const q = udpSockets(port).reduce((s, x) => s + x.rxQueue, 0);
    if (q === 0) {
      emptySince ??= Date.now();
      if (Date.now() - emptySince >= quietMs) return emptySince;
    } else emptySince = null;
    await sleep(50);
  }
  return Date.now();
}

/**
 * Wait until the collector's process tree is idle: < 5 % of a core over 2 consecutive 1 s windows
 * (bounded). A collector still chewing through its internal queues (pmacct's core→plugin ring,
 * ixmeter's worker and writer) is not stopped early: that would count its backlog as lost.
 */
export async function waitCpuIdle(pid: number | undefined, timeoutMs: number): Promise<void> {
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

export function readRmemMax(): number | null {
  try {
    return Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8').trim());
  } catch {
    return null;
  }
}

export function setRmemMax(v: number): boolean {
  return spawnSync('sysctl', ['-w', `net.core.rmem_max=${v}`], { stdio: 'ignore', timeout: 5_000 }).status === 0;
}

export function version(cmd: string, args: string[], re: RegExp): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 5_000 });
  const m = re.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`);
  return m ? m[0].trim() : 'unknown';
}
