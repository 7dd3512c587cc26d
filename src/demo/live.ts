/**
 * Live synthetic exporters: every tick, NetFlow v9, IPFIX and sFlow v5 datagrams over UDP to the
 * collector ports (the path real exporters take). Templates and sampler options are re-sent every 20 s,
 * sFlow counters every 20 s; every ~2 minutes a 30 s NTP amplification burst from one member toward
 * another member's customer IP; now and then an LLDP frame or an unknown source MAC on the sFlow switch.
 */
import { createSocket, type Socket } from 'node:dgram';
import { customerV4, DEMO_SWITCHES, prng, type DemoMember, type Fabric, type Pair } from './fabric.js';
import {
  attackRecords,
  liveTick,
  lldpSample,
  NETFLOW_SAMPLING,
  SFLOW_SAMPLING,
  unknownMacSample,
  type Attack,
} from './traffic.js';
import { NetflowExporter, SflowAgent, sflowFrameLength, type PortCounters, type SampledPacket } from './wire.js';

export interface LiveTargets {
  host: string;
  netflowPort: number;
  ipfixPort: number;
  sflowPort: number;
}

export interface LiveStats {
  seconds: number;
  datagrams: number;
  records: number;
  samples: number;
  attacks: number;
  violations: number;
  current: string | null;
}

export interface LiveOptions {
  fabric: Fabric;
  pairs: readonly Pair[];
  targets: LiveTargets;
  recordsPerS: number;
  tickMs?: number;
  attackEveryMs?: number;
  attackFirstMs?: number;
  attackLengthMs?: number;
  onEvent?: (line: string) => void;
}

export interface LiveSenders {
  stats(): LiveStats;
  stop(): Promise<void>;
}

function pick<T>(xs: readonly T[], r: () => number): T {
  return xs[Math.floor(r() * xs.length)]!;
}

export async function startLive(o: LiveOptions): Promise<LiveSenders> {
  const tickMs = o.tickMs ?? 200;
  const attackEvery = o.attackEveryMs ?? 120_000;
  const attackFirst = o.attackFirstMs ?? 8_000;
  const attackLen = o.attackLengthMs ?? 30_000;
  const { fabric, pairs, targets } = o;
  const r = prng(Date.now() & 0xffffffff);
  const t0 = Date.now();
  const boot = t0 - 3_600_000;
  const v9 = new NetflowExporter({
    version: 9,
    sourceId: DEMO_SWITCHES.v9.sourceId,
    samplingRate: NETFLOW_SAMPLING,
    bootMs: boot,
  });
  const ipfix = new NetflowExporter({
    version: 10,
    sourceId: DEMO_SWITCHES.ipfix.sourceId,
    samplingRate: NETFLOW_SAMPLING,
    bootMs: boot,
  });
  const sflow = new SflowAgent(DEMO_SWITCHES.sflow.exporter, 0, SFLOW_SAMPLING, boot);
  const sock: Socket = createSocket('udp4');
  await new Promise<void>((res, rej) => {
    sock.once('error', rej);
    sock.bind(0, '127.0.0.1', () => {
      sock.off('error', rej);
      res();
    });
  });
  sock.on('error', () => {
    /* a closed collector port: keep going */
  });
  const send = (b: Uint8Array, port: number) => {
    if (port > 0) sock.send(b, port, targets.host);
    st.datagrams++;
  };

  const st: LiveStats = { seconds: 0, datagrams: 0, records: 0, samples: 0, attacks: 0, violations: 0, current: null };
  const sflowMembers = fabric.members.filter((m) => m.switch === 'sflow');
  const nfMembers = fabric.members.filter((m) => m.switch !== 'sflow' && m !== fabric.late);
  const eyeballs = fabric.members.filter(
    (m) => m.type === 'basic_telecom' || m.type === 'research_edu' || m.type === 'other',
  );
  const counters = new Map<number, PortCounters>(
    sflowMembers.map((m) => [
      m.index,
      { ifIndex: m.ifIndex, speedBps: m.speedMbps * 1e6, inOctets: 0, inPkts: 0, outOctets: 0, outPkts: 0 },
    ]),
  );
  let attack: Attack | null = null;
  let nextAttack = t0 + attackFirst;
  let nextLldp = t0 + 5_000;
  let nextUnknown = t0 + 12_000;
  let nextCounters = t0 + 2_000;
  let last = t0;

  const tick = () => {
    const now = Date.now();
    const dt = Math.min(2000, now - last);
    last = now;
    st.seconds = Math.floor((now - t0) / 1000);
    const tk = liveTick(fabric, pairs, now, dt, o.recordsPerS, r);
    const extra: SampledPacket[] = [];

    if (!attack && now >= nextAttack && nfMembers.length >= 2) {
      const victim = pick(eyeballs.length ? eyeballs : fabric.members, r);
      const attacker = pick(
        nfMembers.filter((m) => m !== victim),
        r,
      );
      attack = { attacker, victim, victimIp: customerV4(victim, 4242), startMs: now, endMs: now + attackLen };
      st.attacks++;
      st.current = `NTP amplification AS${attacker.asn} → AS${victim.asn} ${attack.victimIp}`;
      o.onEvent?.(
        `attack: NTP amplification (UDP/123) from AS${attacker.asn} ${attacker.name} toward AS${victim.asn} ${victim.name} customer ${attack.victimIp} for ${attackLen / 1000} s`,
      );
      nextAttack = now + attackEvery;
    }
    if (attack) {
      const recs = attackRecords(attack, now, dt, r);
      tk.netflow[attack.attacker.switch as 'v9' | 'ipfix'].push(...recs);
      if (now >= attack.endMs) {
        o.onEvent?.(`attack over: AS${attack.attacker.asn} → AS${attack.victim.asn}`);
        attack = null;
        st.current = null;
      }
    }
    if (sflowMembers.length && now >= nextLldp) {
      const m = pick(sflowMembers, r);
      extra.push(lldpSample(m));
      st.violations++;
      o.onEvent?.(`peering-LAN violation: LLDP frame from AS${m.asn} ${m.name} (${m.macText}) on the sFlow switch`);
      nextLldp = now + 40_000 + Math.floor(r() * 20_000);
    }
    if (sflowMembers.length && now >= nextUnknown) {
      const m = pick(sflowMembers, r);
      const dst = pick(
        fabric.members.filter((x) => x !== m),
        r,
      );
      const p = unknownMacSample(m, dst, r);
      extra.push(p);
      st.violations++;
      o.onEvent?.(
        `peering-LAN violation: unknown source MAC ${p.srcMac
          .toString(16)
          .padStart(12, '0')
          .replace(/(..)(?=.)/g, '$1:')} on AS${m.asn}'s port`,
      );
      nextUnknown = now + 60_000 + Math.floor(r() * 30_000);
    }

    const byIndex = new Map(fabric.members.map((m) => [m.ifIndex, m] as [number, DemoMember]));
    for (const [proto, ex, port] of [
      ['v9', v9, targets.netflowPort],
      ['ipfix', ipfix, targets.ipfixPort],
    ] as const) {
      const flows = tk.netflow[proto];
      st.records += flows.length;
      for (const f of flows) {
        const dst = byIndex.get(f.outIf);
        const c = dst ? counters.get(dst.index) : undefined;
        if (c) {
          c.outOctets += (f.octets + 22 * f.packets) * NETFLOW_SAMPLING;
          c.outPkts += f.packets * NETFLOW_SAMPLING;
        }
      }
      for (const d of ex.datagrams(flows, now)) send(d, port);
    }
    const samples = [...tk.sflow, ...extra];
    st.samples += samples.length;
    for (const p of samples) {
      const src = byIndex.get(p.inIf);
      const c = src ? counters.get(src.index) : undefined;
      if (c) {
        c.inOctets += sflowFrameLength(p) * SFLOW_SAMPLING;
        c.inPkts += SFLOW_SAMPLING;
      }
    }
    for (const d of sflow.datagrams(samples, now)) send(d, targets.sflowPort);
    if (now >= nextCounters) {
      for (const d of sflow.counters([...counters.values()], now)) send(d, targets.sflowPort);
      nextCounters = now + 20_000;
    }
  };
  const timer = setInterval(() => {
    try {
      tick();
    } catch (e) {
      o.onEvent?.(`sender error: ${(e as Error).message}`);
    }
  }, tickMs);
  return {
    stats: () => ({ ...st }),
    async stop() {
      clearInterval(timer);
      await new Promise<void>((res) => sock.close(() => res()));
    },
  };
}
