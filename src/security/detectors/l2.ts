/**
 * Peering-LAN hygiene from sFlow packet headers (AMS-IX rules, domain.md §3.1 / §5.6). Only sFlow
 * carries real L2 headers; the engine calls this for protocol 'sflow-v5' only.
 *
 * Per flow: classify (link-local protocol ▸ forbidden ethertype ▸ non-unicast), unknown source MAC,
 * MAC using another member's peering-LAN IP, and remember (port, MAC) for L2_MULTIPLE_MACS.
 * Findings aggregate per (rule, MAC, detail) within the fast window; a finding is emitted at the first tick
 * it qualifies (`early`), or when the window closes.
 * The per-flow path builds no strings and boxes no MACs (mac-table.ts): a finding's key, target text and
 * details are made only when the finding is created.
 */
import { SFLOW_INTERNAL_IF } from '../../shared/sflow.js';
import {
  macText,
  portKey,
  sampleOf,
  type AlertCandidate,
  type AlertType,
  type SampleFlow,
  type SecurityContext,
  type SecurityFlow,
} from '../types.js';
import type { DetectorThresholds } from '../thresholds.js';
import { MacMap, MacSeenTable } from './mac-table.js';

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
    case 89:
      return 'OSPF';
    case 88:
      return 'EIGRP';
    case 9:
      return 'IGRP';
    case 103:
      return 'PIM';
    case 2:
      return 'IGMP';
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
    default:
      return null;
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
  /** What tells findings of one rule and MAC apart: ethertype (E) or protocol name (L) / source IP (M); 0 / '' otherwise. */
  subNum: number;
  subStr: string;
  /** Next finding of the same MAC. */
  next: Finding | null;
  /** Already emitted by `early` in this window (the window's close skips it). */
  emitted: boolean;
}

/** MACs seen on one port; `lastMac`/`lastWriteMs` skip the table write for the usual single-MAC port (refreshed every second). */
interface PortMacs {
  macs: MacSeenTable;
  activeMs: number;
  lastMac: number;
  lastWriteMs: number;
  /** Owner of the MAC of the port's last flow (-1: none), for the thresholds that expire its MAC memory. */
  owner: number;
}

/**
 * Tag of an address text: its length and characters up to the first '.' or ':' (at most 5). Equal texts have
 * equal tags, so a tag absent from the context's peering-LAN IPs proves the address is not one of them — the
 * usual member flow (a source far outside the LAN) then skips hashing the whole string for lanIpOwner.
 */
function leadTag(s: string): number {
  let h = s.length;
  for (let i = 0; i < s.length && i < 5; i++) {
    const c = s.charCodeAt(i);
    h = (h * 31 + c) & 0xffff;
    if (c === 46 || c === 58) break;
  }
  return h;
}

/** Registry facts of one MAC (context index). */
interface MacFacts {
  known: boolean;
  hasOwner: boolean;
  owner: number;
}

export interface L2Counters {
  findingsDropped: number;
  portsDropped: number;
  macsDropped: number;
}

export class L2State {
  /** Findings of the window in creation order (at most maxKeys); `byMac` chains them per source MAC. */
  findings: Finding[] = [];
  private readonly byMac = new MacMap<Finding>(64);
  /** exporter → ifIndex → MACs last seen. */
  readonly ports = new Map<string, Map<number, PortMacs>>();
  portCount = 0;
  readonly counters: L2Counters = { findingsDropped: 0, portsDropped: 0, macsDropped: 0 };
  /** knownMacs ∪ macOwner of `indexed`, rebuilt when the engine's context object changes. */
  private registry = new MacMap<MacFacts>();
  /** leadTag values of the context's peering-LAN IPs. */
  private lanTags = new Uint8Array(65536);
  private indexed: SecurityContext | null = null;

  constructor(
    private readonly maxKeys: number,
    private readonly maxPorts: number,
    private readonly maxMacsPerPort: number,
  ) {}

  /** The context was replaced (or changed in place): re-index it at the next flow. */
  contextChanged(): void {
    this.indexed = null;
  }

  private index(ctx: SecurityContext): void {
    const r = new MacMap<MacFacts>(ctx.knownMacs.size + ctx.macOwner.size);
    for (const mac of ctx.knownMacs) r.set(mac, { known: true, hasOwner: false, owner: 0 });
    for (const [mac, owner] of ctx.macOwner) {
      const x = r.get(mac);
      if (x !== undefined) {
        x.hasOwner = true;
        x.owner = owner;
      } else r.set(mac, { known: false, hasOwner: true, owner });
    }
    this.registry = r;
    this.lanTags.fill(0);
    for (const ip of ctx.lanIpOwner.keys()) this.lanTags[leadTag(ip)] = 1;
    this.indexed = ctx;
  }

  /** Counts `f` on the finding (rule, MAC, sub-key) of this window; false when there is none yet (the caller adds it). */
  private hit(mac: number, type: AlertType, subNum: number, subStr: string, f: SecurityFlow): boolean {
    for (let x = this.byMac.get(mac) ?? null; x !== null; x = x.next) {
      if (x.type === type && x.subNum === subNum && x.subStr === subStr) {
        this.count(x, f);
        return true;
      }
    }
    return false;
  }

  private add(
    mac: number,
    type: AlertType,
    subNum: number,
    subStr: string,
    f: SecurityFlow,
    sourceAsn: number | null,
    victimAsn: number | null,
    details: Record<string, string | number>,
  ): void {
    if (this.findings.length >= this.maxKeys) {
      this.counters.findingsDropped++;
      return;
    }
    const x: Finding = {
      type,
      target: macText(mac),
      sourceAsn,
      victimAsn,
      pkts: 0,
      firstMs: f.receivedAtMs,
      lastMs: f.receivedAtMs,
      samples: [],
      rates: [],
      details,
      subNum,
      subStr,
      next: this.byMac.get(mac) ?? null,
      emitted: false,
    };
    this.findings.push(x);
    this.byMac.set(mac, x);
    this.count(x, f);
  }

  private count(x: Finding, f: SecurityFlow): void {
    const r = f.samplingRate > 0 ? f.samplingRate : 1;
    x.pkts += f.packets * r;
    x.lastMs = f.receivedAtMs;
    if (x.samples.length < 10) x.samples.push(sampleOf(f, x.target)); // target = text of f.srcMac
    if (x.rates.length < 8 && !x.rates.includes(r)) x.rates.push(r);
  }

  observe(f: SecurityFlow, ctx: SecurityContext, l2For: (asn: number | null) => DetectorThresholds['l2']): void {
    const mac = f.srcMac;
    if (mac === 0 && f.dstMac === 0) return; // no header parsed
    // Per-port MAC memory only for real ports: sFlow ifIndex 0 is "unknown" and 0x3FFFFFFF "internal / no
    // interface" (pmacct sfprobe without ifIndex); neither is a member port (as collectors' attribution).
    const p = f.inIf !== 0 && f.inIf !== SFLOW_INTERNAL_IF ? this.rememberMac(f) : null;
    if (ctx !== this.indexed) this.index(ctx);
    const facts = this.registry.get(mac);
    const owner = facts !== undefined && facts.hasOwner ? facts.owner : undefined;
    if (p !== null) p.owner = owner ?? -1;
    const srcAsn = owner ?? (f.srcAsn || null);
    const t = l2For(srcAsn);
    if (!t.enabled) return;
    if ((facts === undefined || !facts.known) && !this.hit(mac, 'L2_UNKNOWN_SRC_MAC', 0, '', f)) {
      this.add(mac, 'L2_UNKNOWN_SRC_MAC', 0, '', f, srcAsn, null, { port: port(f) });
    }
    const ll = linkLocalProtocol(f);
    if (ll !== null) {
      if (!this.hit(mac, 'L2_LINK_LOCAL_PROTOCOL', 0, ll, f)) {
        this.add(mac, 'L2_LINK_LOCAL_PROTOCOL', 0, ll, f, srcAsn, null, {
          protocol: ll,
          port: port(f),
          dstMac: macText(f.dstMac),
        });
      }
    } else {
      const et = f.etherType;
      if (!t.allowedEtherTypes.includes(et)) {
        // LACP / slow protocols (to 01:80:C2:00:00:02) are fine on LAG members, multicast included.
        if (
          !(t.lagEtherTypes.includes(et) && ctx.lagPorts?.has(port(f))) &&
          !this.hit(mac, 'L2_FORBIDDEN_ETHERTYPE', et, '', f)
        ) {
          const name = et === 0 ? 'LLC/802.3 (no Ethernet II)' : `0x${et.toString(16).padStart(4, '0')}`;
          this.add(mac, 'L2_FORBIDDEN_ETHERTYPE', et, '', f, srcAsn, null, {
            etherType: et,
            etherTypeName: name,
            port: port(f),
          });
        }
      } else if (isForbiddenNonUnicast(f) && !this.hit(mac, 'L2_NON_UNICAST', 0, '', f)) {
        this.add(mac, 'L2_NON_UNICAST', 0, '', f, srcAsn, null, { port: port(f), dstMac: macText(f.dstMac) });
      }
    }
    if (f.srcAddr !== '' && owner !== undefined && this.lanTags[leadTag(f.srcAddr)] === 1) {
      const ipOwner = ctx.lanIpOwner.get(f.srcAddr);
      if (ipOwner !== undefined && ipOwner !== owner && !this.hit(mac, 'L2_MAC_IP_MISMATCH', 0, f.srcAddr, f)) {
        this.add(mac, 'L2_MAC_IP_MISMATCH', 0, f.srcAddr, f, owner, ipOwner, {
          ip: f.srcAddr,
          ipOwnerAsn: ipOwner,
          macOwnerAsn: owner,
          via: f.etherType === 0x0806 ? 'ARP' : 'IP source',
          port: port(f),
        });
      }
    }
  }

  private rememberMac(f: SecurityFlow): PortMacs | null {
    let byIf = this.ports.get(f.exporter);
    if (!byIf) {
      byIf = new Map();
      this.ports.set(f.exporter, byIf);
    }
    let p = byIf.get(f.inIf);
    if (!p) {
      if (this.portCount >= this.maxPorts) {
        this.counters.portsDropped++;
        return null;
      }
      p = { macs: new MacSeenTable(), activeMs: 0, lastMac: -1, lastWriteMs: 0, owner: -1 };
      byIf.set(f.inIf, p);
      this.portCount++;
    }
    const now = f.receivedAtMs;
    const mac = f.srcMac;
    p.activeMs = now;
    if (mac === p.lastMac && now - p.lastWriteMs < 1_000) return p;
    const macs = p.macs;
    const e = macs.find(mac);
    if (e >= 0) macs.seen[e] = now;
    else if (macs.size >= this.maxMacsPerPort) {
      this.counters.macsDropped++;
      return p;
    } else macs.push(mac, now);
    p.lastMac = mac;
    p.lastWriteMs = now;
    return p;
  }

  /**
   * Between closes (every tick): emit the findings that already qualify, judged against the whole window
   * (`windowSec`): "any frame" findings at once; L2_NON_UNICAST once its frames alone exceed the per-minute
   * limit over the full window (more frames can only keep it above). Each finding is emitted once per window.
   */
  early(windowSec: number, l2For: (asn: number | null) => DetectorThresholds['l2'], out: AlertCandidate[]): void {
    for (const x of this.findings) if (!x.emitted) this.emit(x, windowSec, l2For, out);
  }

  private emit(
    x: Finding,
    sec: number,
    l2For: (asn: number | null) => DetectorThresholds['l2'],
    out: AlertCandidate[],
  ): void {
    const t = l2For(x.sourceAsn);
    if (!t.enabled) return;
    const perMinute = (x.pkts / sec) * 60;
    if (x.type === 'L2_NON_UNICAST' && perMinute <= t.nonUnicastFramesPerMinute) return;
    x.emitted = true;
    const severity = x.type === 'L2_MAC_IP_MISMATCH' ? t.mismatchSeverity : t.severity;
    out.push({
      type: x.type,
      severity,
      target: x.target,
      sourceAsn: x.sourceAsn,
      victimAsn: x.victimAsn,
      firstSeenMs: x.firstMs,
      lastSeenMs: x.lastMs,
      ruleId: `${x.type}@1`,
      thresholds: x.type === 'L2_NON_UNICAST' ? { framesPerMinute: t.nonUnicastFramesPerMinute } : { frames: 0 },
      metrics: { pps: x.pkts / sec, framesPerMinute: perMinute, estimatedFrames: x.pkts, windowSeconds: sec },
      evidence: {
        topSources: [],
        topSrcPorts: [],
        topDstPorts: [],
        protocols: [],
        sampleFlows: x.samples,
        samplingRates: x.rates,
        details: x.details,
      },
    });
  }

  /** Close a fast window: emit findings, expire MAC memory, check MACs per port. */
  close(
    nowMs: number,
    windowStartMs: number,
    sec: number,
    ctx: SecurityContext,
    l2For: (asn: number | null) => DetectorThresholds['l2'],
    out: AlertCandidate[],
  ): void {
    for (const x of this.findings) if (!x.emitted) this.emit(x, sec, l2For, out);
    this.findings = [];
    this.byMac.clear();
    for (const [exporter, byIf] of this.ports) {
      for (const [ifIndex, p] of byIf) {
        const t = l2For(p.owner >= 0 ? p.owner : null);
        const table = p.macs;
        table.expire(nowMs, t.macMemoryMs);
        if (table.size === 0) {
          byIf.delete(ifIndex);
          this.portCount--;
          continue;
        }
        if (!t.enabled || p.activeMs < windowStartMs) continue;
        const key = portKey(exporter, ifIndex);
        const allowed = ctx.allowedMacsPerPort.get(key) ?? t.defaultAllowedMacsPerPort;
        if (table.size <= allowed) continue;
        const macs = Array.from(table.macs.subarray(0, table.size));
        const seen = table.seen.subarray(0, table.size);
        const owners = [...new Set(macs.map((m) => ctx.macOwner.get(m)).filter((a): a is number => a !== undefined))];
        out.push({
          type: 'L2_MULTIPLE_MACS',
          severity: t.severity,
          target: key,
          sourceAsn: owners.length === 1 ? owners[0]! : null,
          victimAsn: null,
          firstSeenMs: Math.min(...seen),
          lastSeenMs: Math.max(...seen),
          ruleId: 'L2_MULTIPLE_MACS@1',
          thresholds: { allowedMacs: allowed, memoryMs: t.macMemoryMs },
          metrics: { distinctMacs: table.size },
          evidence: {
            topSources: [],
            topSrcPorts: [],
            topDstPorts: [],
            protocols: [],
            sampleFlows: [],
            samplingRates: [],
            details: { port: key, macs: macs.map(macText), ownerAsns: owners },
          },
        });
      }
      if (byIf.size === 0) this.ports.delete(exporter);
    }
  }
}
