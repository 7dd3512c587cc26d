/**
 * Peering-LAN hygiene from sFlow packet headers (AMS-IX rules, domain.md §3.1 / §5.6). Only sFlow
 * carries real L2 headers; the engine calls this for protocol 'sflow-v5' only.
 *
 * Per flow: classify (link-local protocol ▸ forbidden ethertype ▸ non-unicast), unknown source MAC,
 * MAC using another member's peering-LAN IP, and remember (port, MAC) for L2_MULTIPLE_MACS.
 * Findings aggregate per (rule, MAC, detail) within the fast window; candidates are emitted when it closes.
 */
import { SFLOW_INTERNAL_IF } from '../../shared/sflow.js';
import { macText, portKey, sampleOf, type AlertCandidate, type AlertType, type SampleFlow, type SecurityContext, type SecurityFlow } from '../types.js';
import type { DetectorThresholds } from '../thresholds.js';

const BROADCAST = 0xffffffffffff;
/** sFlow "internal / no interface" ifIndex. */
const ND_MULTICAST_OK = new Set([130, 131, 132, 135, 136, 143]); // MLD query/report/done, NS, NA, MLDv2 report
const GROUP_BIT = 2 ** 40;

/** The link-local / control-plane protocol a frame carries, or null. */
export function linkLocalProtocol(f: SecurityFlow): string | null {
  const d = f.dstMac;
  if (d === 0x0180c2000000) return 'STP (IEEE 802.1D BPDU)';
  if (d === 0x01000ccccccc) return 'CDP/VTP/DTP/UDLD';
  if (d === 0x01000ccccccd) return 'PVST+';
  if (f.etherType === 0x88cc || d === 0x0180c200000e) return 'LLDP';
  if (d === 0x0180c2000014 || d === 0x0180c2000015 || d === 0x09002b000005) return 'IS-IS';
  if (f.ipVersion === 0) return null;
  switch (f.ipProto) {
    case 89: return 'OSPF';
    case 88: return 'EIGRP';
    case 9: return 'IGRP';
    case 103: return 'PIM';
    case 2: return 'IGMP';
    case 17: {
      const s = f.srcPort;
      const t = f.dstPort;
      if (t === 67 || t === 68 || s === 67 || s === 68) return 'DHCP/BOOTP';
      if (t === 546 || t === 547 || s === 546 || s === 547) return 'DHCPv6';
      return null;
    }
    case 1: {
      const type = f.dstPort >>> 8;
      if (type === 5) return 'ICMP redirect';
      if (type === 9 || type === 10) return 'IRDP';
      return null;
    }
    case 58: {
      const type = f.dstPort >>> 8;
      if (type === 134) return 'ICMPv6 RA';
      if (type === 133) return 'ICMPv6 RS';
      if (type === 137) return 'ICMPv6 redirect';
      return null;
    }
    default: return null;
  }
}

export function isGroupMac(mac: number): boolean {
  return Math.floor(mac / GROUP_BIT) % 2 === 1;
}

/** Non-unicast that is not allowed: broadcast other than ARP, multicast other than ICMPv6 ND NS/NA and MLD. */
export function isForbiddenNonUnicast(f: SecurityFlow): boolean {
  if (!isGroupMac(f.dstMac)) return false;
  if (f.dstMac === BROADCAST) return f.etherType !== 0x0806;
  return !(f.ipVersion === 6 && f.ipProto === 58 && ND_MULTICAST_OK.has(f.dstPort >>> 8));
}

function port(f: SecurityFlow): string {
  return portKey(f.exporter, f.inIf);
}

interface Finding {
  type: AlertType;
  target: string;
  sourceAsn: number | null;
  victimAsn: number | null;
  pkts: number;
  firstMs: number;
  lastMs: number;
  samples: SampleFlow[];
  rates: number[];
  details: Record<string, string | number>;
}

/** MACs seen on one port; `lastMac`/`lastWriteMs` skip the map write for the usual single-MAC port (refreshed every second). */
interface PortMacs {
  macs: Map<number, number>; activeMs: number; lastMac: number; lastWriteMs: number;
  cacheMac: number; cacheVersion: number; cacheOwner: number; cacheKnown: boolean;
}

export interface L2Counters { findingsDropped: number; portsDropped: number; macsDropped: number }

export class L2State {
  findings = new Map<string, Finding>();
  /** The same L2_UNKNOWN_SRC_MAC findings by MAC number: the per-flow check builds no key string. */
  private unknownByMac = new Map<number, Finding>();
  /** exporter → ifIndex → MACs last seen. */
  readonly ports = new Map<string, Map<number, PortMacs>>();
  portCount = 0;
  readonly counters: L2Counters = { findingsDropped: 0, portsDropped: 0, macsDropped: 0 };

  constructor(private readonly maxKeys: number, private readonly maxPorts: number, private readonly maxMacsPerPort: number) {}

  private add(key: string, type: AlertType, f: SecurityFlow, target: string, sourceAsn: number | null, victimAsn: number | null, details: Record<string, string | number>): Finding | null {
    const had = this.findings.get(key);
    if (had !== undefined) { this.count(had, f); return had; }
    if (this.findings.size >= this.maxKeys) { this.counters.findingsDropped++; return null; }
    const x: Finding = { type, target, sourceAsn, victimAsn, pkts: 0, firstMs: f.receivedAtMs, lastMs: f.receivedAtMs, samples: [], rates: [], details };
    this.findings.set(key, x);
    this.count(x, f);
    return x;
  }

  private count(x: Finding, f: SecurityFlow): void {
    const r = f.samplingRate > 0 ? f.samplingRate : 1;
    x.pkts += f.packets * r;
    x.lastMs = f.receivedAtMs;
    if (x.samples.length < 10) x.samples.push(sampleOf(f));
    if (x.rates.length < 8 && !x.rates.includes(r)) x.rates.push(r);
  }

  /** Bumped by the engine when the context is replaced: per-port MAC caches become stale. */
  ctxVersion = 0;

  observe(f: SecurityFlow, ctx: SecurityContext, l2For: (asn: number | null) => DetectorThresholds['l2']): void {
    const mac = f.srcMac;
    if (mac === 0 && f.dstMac === 0) return; // no header parsed
    // Per-port MAC memory only for real ports: sFlow ifIndex 0 is "unknown" and 0x3FFFFFFF "internal / no
    // interface" (pmacct sfprobe without ifIndex); neither is a member port (as collectors' attribution).
    const p = f.inIf !== 0 && f.inIf !== SFLOW_INTERNAL_IF ? this.rememberMac(f) : null;
    // Registry lookups keyed by 48-bit numbers box a heap number each; a port almost always shows one MAC, so cache per port.
    let owner: number | undefined;
    let known: boolean;
    if (p !== null && p.cacheMac === mac && p.cacheVersion === this.ctxVersion) {
      owner = p.cacheOwner < 0 ? undefined : p.cacheOwner;
      known = p.cacheKnown;
    } else {
      owner = ctx.macOwner.get(mac);
      known = ctx.knownMacs.has(mac);
      if (p !== null) { p.cacheMac = mac; p.cacheVersion = this.ctxVersion; p.cacheOwner = owner ?? -1; p.cacheKnown = known; }
    }
    const srcAsn = owner ?? (f.srcAsn || null);
    const t = l2For(srcAsn);
    if (!t.enabled) return;
    if (!known) {
      const u = this.unknownByMac.get(mac);
      if (u !== undefined) this.count(u, f);
      else if (this.findings.size >= this.maxKeys) this.counters.findingsDropped++; // full: no key strings built
      else {
        const x = this.add(`U|${mac}`, 'L2_UNKNOWN_SRC_MAC', f, macText(mac), srcAsn, null, { port: port(f) });
        if (x !== null) this.unknownByMac.set(mac, x);
      }
    }
    const ll = linkLocalProtocol(f);
    if (ll !== null) {
      this.add(`L|${mac}|${ll}`, 'L2_LINK_LOCAL_PROTOCOL', f, macText(mac), srcAsn, null, { protocol: ll, port: port(f), dstMac: macText(f.dstMac) });
    } else {
      const et = f.etherType;
      if (!t.allowedEtherTypes.includes(et)) {
        // LACP / slow protocols (to 01:80:C2:00:00:02) are fine on LAG members, multicast included.
        if (!(t.lagEtherTypes.includes(et) && ctx.lagPorts?.has(port(f)))) {
          const name = et === 0 ? 'LLC/802.3 (no Ethernet II)' : `0x${et.toString(16).padStart(4, '0')}`;
          this.add(`E|${mac}|${et}`, 'L2_FORBIDDEN_ETHERTYPE', f, macText(mac), srcAsn, null, { etherType: et, etherTypeName: name, port: port(f) });
        }
      } else if (isForbiddenNonUnicast(f)) {
        this.add(`N|${mac}`, 'L2_NON_UNICAST', f, macText(mac), srcAsn, null, { port: port(f), dstMac: macText(f.dstMac) });
      }
    }
    if (f.srcAddr !== '' && owner !== undefined) {
      const ipOwner = ctx.lanIpOwner.get(f.srcAddr);
      if (ipOwner !== undefined && ipOwner !== owner) {
        this.add(`M|${mac}|${f.srcAddr}`, 'L2_MAC_IP_MISMATCH', f, macText(mac), owner, ipOwner,
          { ip: f.srcAddr, ipOwnerAsn: ipOwner, macOwnerAsn: owner, via: f.etherType === 0x0806 ? 'ARP' : 'IP source', port: port(f) });
      }
    }
  }

  private rememberMac(f: SecurityFlow): PortMacs | null {
    let byIf = this.ports.get(f.exporter);
    if (!byIf) { byIf = new Map(); this.ports.set(f.exporter, byIf); }
    let p = byIf.get(f.inIf);
    if (!p) {
      if (this.portCount >= this.maxPorts) { this.counters.portsDropped++; return null; }
      p = { macs: new Map(), activeMs: 0, lastMac: -1, lastWriteMs: 0, cacheMac: -1, cacheVersion: -1, cacheOwner: -1, cacheKnown: false };
      byIf.set(f.inIf, p);
      this.portCount++;
    }
    const now = f.receivedAtMs;
    p.activeMs = now;
    if (f.srcMac === p.lastMac && now - p.lastWriteMs < 1_000) return p;
    if (p.macs.size >= this.maxMacsPerPort && !p.macs.has(f.srcMac)) { this.counters.macsDropped++; return p; }
    p.macs.set(f.srcMac, now);
    p.lastMac = f.srcMac;
    p.lastWriteMs = now;
    return p;
  }

  /** Close a fast window: emit findings, expire MAC memory, check MACs per port. */
  close(nowMs: number, windowStartMs: number, sec: number, ctx: SecurityContext, l2For: (asn: number | null) => DetectorThresholds['l2'], out: AlertCandidate[]): void {
    for (const x of this.findings.values()) {
      const t = l2For(x.sourceAsn);
      if (!t.enabled) continue;
      const perMinute = (x.pkts / sec) * 60;
      if (x.type === 'L2_NON_UNICAST' && perMinute <= t.nonUnicastFramesPerMinute) continue;
      const severity = x.type === 'L2_MAC_IP_MISMATCH' ? t.mismatchSeverity : t.severity;
      out.push({
        type: x.type, severity, target: x.target, sourceAsn: x.sourceAsn, victimAsn: x.victimAsn, firstSeenMs: x.firstMs, lastSeenMs: x.lastMs,
        ruleId: `${x.type}@1`, thresholds: x.type === 'L2_NON_UNICAST' ? { framesPerMinute: t.nonUnicastFramesPerMinute } : { frames: 0 },
        metrics: { pps: x.pkts / sec, framesPerMinute: perMinute, estimatedFrames: x.pkts, windowSeconds: sec },
        evidence: { topSources: [], topSrcPorts: [], topDstPorts: [], protocols: [], sampleFlows: x.samples, samplingRates: x.rates, details: x.details },
      });
    }
    this.findings = new Map();
    this.unknownByMac = new Map();
    for (const [exporter, byIf] of this.ports) {
      for (const [ifIndex, p] of byIf) {
        const t = l2For(p.cacheOwner >= 0 ? p.cacheOwner : null);
        for (const [mac, seen] of p.macs) if (nowMs - seen > t.macMemoryMs) p.macs.delete(mac);
        if (p.macs.size === 0) { byIf.delete(ifIndex); this.portCount--; continue; }
        if (!t.enabled || p.activeMs < windowStartMs) continue;
        const key = portKey(exporter, ifIndex);
        const allowed = ctx.allowedMacsPerPort.get(key) ?? t.defaultAllowedMacsPerPort;
        if (p.macs.size <= allowed) continue;
        const macs = [...p.macs.keys()];
        const owners = [...new Set(macs.map((m) => ctx.macOwner.get(m)).filter((a): a is number => a !== undefined))];
        out.push({
          type: 'L2_MULTIPLE_MACS', severity: t.severity, target: key, sourceAsn: owners.length === 1 ? owners[0]! : null, victimAsn: null,
          firstSeenMs: Math.min(...p.macs.values()), lastSeenMs: Math.max(...p.macs.values()), ruleId: 'L2_MULTIPLE_MACS@1',
          thresholds: { allowedMacs: allowed, memoryMs: t.macMemoryMs }, metrics: { distinctMacs: p.macs.size },
          evidence: {
            topSources: [], topSrcPorts: [], topDstPorts: [], protocols: [], sampleFlows: [], samplingRates: [],
            details: { port: key, macs: macs.map(macText), ownerAsns: owners },
          },
        });
      }
      if (byIf.size === 0) this.ports.delete(exporter);
    }
  }
}
