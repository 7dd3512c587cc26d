/**
 * Micro-benchmark of the fast path (not a test): `benchFastPath()` returns flows/s through `observe`
 * for a realistic sFlow/IPFIX mix (target ≥ 1M flows/s so detection never slows the collector).
 * Run: `npx tsx -e "import('./src/security/bench.ts').then(async (m) => console.log(m.benchFastPath()))"`.
 */
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { createFastPathEngine } from './detectors/engine.js';
import { parseSecuritySettings, type DetectorOverride } from './thresholds.js';
import type { SecurityContext, SecurityFlow } from './types.js';

export interface BenchResult {
  flows: number;
  ms: number;
  /** Wall-clock flows/s through observe (ticks included). */
  flowsPerSecond: number;
  /** Flows per CPU-second of this process (less sensitive to a busy host; includes GC helper threads). */
  cpuFlowsPerSecond: number;
  candidates: number;
  evictions: number;
}

export function benchFlows(n: number, seed = 1): SecurityFlow[] {
  let x = seed >>> 0 || 1;
  const rnd = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const flows: SecurityFlow[] = [];
  for (let i = 0; i < n; i++) {
    const sflow = rnd() < 0.7;
    const proto = rnd() < 0.6 ? 6 : rnd() < 0.9 ? 17 : 1;
    const dst = `203.0.${(rnd() * 40) | 0}.${(rnd() * 256) | 0}`; // ~10k destinations
    const src = `${(rnd() * 223 + 1) | 0}.${(rnd() * 256) | 0}.${(rnd() * 256) | 0}.${(rnd() * 256) | 0}`;
    const exporterIdx = (rnd() * 4) | 0;
    const inIf = (rnd() * 48) | 0;
    // One MAC per member port, as on a clean peering LAN (192 ports, 200 registered MACs).
    const mac = 0x020000000000 + ((exporterIdx * 48 + inIf) % 200);
    flows.push({
      receivedAtMs: 0,
      protocol: sflow ? 'sflow-v5' : 'ipfix',
      exporter: `10.255.0.${exporterIdx}`,
      inIf,
      outIf: 1,
      srcMac: mac,
      dstMac: 0x020000000100 + ((rnd() * 200) | 0),
      vlan: 0,
      etherType: 0x0800,
      ipVersion: 4,
      srcAddr: src,
      dstAddr: dst,
      ipProto: proto,
      srcPort: proto === 1 ? 0 : rnd() < 0.1 ? 53 : 1024 + ((rnd() * 60000) | 0),
      dstPort: proto === 1 ? 0x0800 : rnd() < 0.5 ? 443 : (rnd() * 65536) | 0,
      tcpFlags: proto === 6 ? (rnd() < 0.1 ? 0x02 : 0x18) : 0,
      fragment: rnd() < 0.01 ? 1 : 0,
      packets: sflow ? 1 : 1 + ((rnd() * 20) | 0),
      l3Octets: 1000,
      frameOctets: 1018,
      samplingRate: sflow ? 1000 : 100,
      srcAsn: 64500 + ((rnd() * 200) | 0),
      dstAsn: 64500 + ((rnd() * 200) | 0),
    });
  }
  return flows;
}

/**
 * `detectors` lets one measure subsets, e.g. `{ scan: { enabled: false }, l2: { enabled: false }, bogon: { enabled: false } }`
 * for the DDoS rules alone.
 */
export function benchFastPath(opts: { flows?: number; pool?: number; detectors?: DetectorOverride } = {}): BenchResult {
  const total = opts.flows ?? 2_000_000;
  const pool = benchFlows(opts.pool ?? 65_536);
  const macs = new Set<number>();
  const owner = new Map<number, number>();
  for (let i = 0; i < 200; i++) {
    macs.add(0x020000000000 + i);
    owner.set(0x020000000000 + i, 64500 + i);
  }
  const ctx: SecurityContext = {
    knownMacs: macs,
    macOwner: owner,
    lanIpOwner: new Map(),
    allowedMacsPerPort: new Map(),
    lagPorts: new Set(),
  };
  const engine = createFastPathEngine(parseSecuritySettings({ detectors: opts.detectors ?? {} }), ctx);
  let candidates = 0;
  const start = 1_700_000_000_000;
  // Virtual time at 50k flows/s (a 5-s window holds 250k flows; a real collector at 1M flows/s has 20× more),
  // ticked every 250 ms as the collector does (12,500 flows per tick).
  const perTick = 12_500;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const f = pool[i & (pool.length - 1)]!;
    f.receivedAtMs = start + Math.floor(i / 50);
    engine.observe(f);
    if (i % perTick === perTick - 1) candidates += engine.tick(start + Math.floor((i + 1) / 50)).length;
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const s = engine.stats();
  return {
    flows: total,
    ms,
    flowsPerSecond: Math.round((total / ms) * 1000),
    cpuFlowsPerSecond: Math.round(total / ((cpu.user + cpu.system) / 1e6)),
    candidates,
    evictions: s.evictions.destinations + s.evictions.scanSources + s.evictions.details,
  };
}
