/**
 * IP_BOGON_SOURCE: bogon source addresses (bogons.ts) entering on a port, aggregated per ingress port
 * (`exporter|inIf`) over the scan window (default 5 min, domain.md §5.6): > majorPps or > majorBps
 * (sampling-scaled) → major, any → info. Link-local IPv6 sources of ICMPv6 (ND/MLD on the LAN) and
 * non-IP records (ARP sender addresses) are not checked.
 */
import { isBogonSource } from '../bogons.js';
import { portKey, sampleOf, type AlertCandidate, type SampleFlow, type SecurityFlow } from '../types.js';
import type { DetectorThresholds } from '../thresholds.js';
import { evidenceWeight, hashStr, TopK } from './topk.js';

interface BogonAgg {
  key: string;
  /** Flows seen: a spoofed-source flood makes every flow a bogon; counts stay exact, evidence is sampled (topk.ts evidenceWeight). */
  n: number;
  asn: number;
  pkts: number;
  bytes: number;
  firstMs: number;
  lastMs: number;
  sources: TopK<string>;
  dsts: TopK<string>;
  samples: SampleFlow[];
  rates: number[];
}

export function isCheckedBogon(f: SecurityFlow): boolean {
  if (f.ipVersion === 0) return false;
  const a = f.srcAddr;
  if (f.ipProto === 58 && a.length > 4 && (a.charCodeAt(0) | 32) === 102 && (a.charCodeAt(1) | 32) === 101) {
    const c2 = a.charCodeAt(2) | 32;
    if (c2 === 56 || c2 === 57 || c2 === 97 || c2 === 98) return false; // fe80::/10 with ICMPv6 (ND, MLD)
  }
  return isBogonSource(a);
}

export class BogonState {
  byPort = new Map<string, BogonAgg>();
  /** The same aggregates by exporter and ifIndex: the per-flow lookup builds no key string. */
  private byExporter = new Map<string, Map<number, BogonAgg>>();
  dropped = 0;

  constructor(private readonly maxKeys: number) {}

  observe(f: SecurityFlow): void {
    let byIf = this.byExporter.get(f.exporter);
    if (byIf === undefined) this.byExporter.set(f.exporter, (byIf = new Map()));
    let x = byIf.get(f.inIf);
    if (!x) {
      if (this.byPort.size >= this.maxKeys) {
        this.dropped++;
        return;
      }
      const key = portKey(f.exporter, f.inIf);
      x = {
        key,
        n: 0,
        asn: f.srcAsn,
        pkts: 0,
        bytes: 0,
        firstMs: f.receivedAtMs,
        lastMs: f.receivedAtMs,
        sources: new TopK<string>(16, ''),
        dsts: new TopK<string>(8, ''),
        samples: [],
        rates: [],
      };
      this.byPort.set(key, x);
      byIf.set(f.inIf, x);
    }
    const r = f.samplingRate > 0 ? f.samplingRate : 1;
    x.pkts += f.packets * r;
    x.bytes += f.frameOctets * r;
    x.lastMs = f.receivedAtMs;
    if (f.srcAsn) x.asn = f.srcAsn;
    const ew = evidenceWeight(++x.n);
    if (ew !== 0) {
      const w = r * ew;
      x.sources.add(f.srcAddr, hashStr(f.srcAddr), f.packets * w, f.frameOctets * w, f.srcAsn);
      x.dsts.add(f.dstAddr, hashStr(f.dstAddr), f.packets * w);
    }
    if (x.samples.length < 10) x.samples.push(sampleOf(f));
    if (x.rates.length < 8 && !x.rates.includes(r)) x.rates.push(r);
  }

  close(
    sec: number,
    bogonFor: (asn: number) => DetectorThresholds['bogon'],
    topN: number,
    out: AlertCandidate[],
  ): void {
    for (const x of this.byPort.values()) {
      const t = bogonFor(x.asn);
      if (!t.enabled) continue;
      const pps = x.pkts / sec;
      const bps = (x.bytes * 8) / sec;
      const major = pps > t.majorPps || bps > t.majorBps;
      out.push({
        type: 'IP_BOGON_SOURCE',
        severity: major ? 'major' : 'info',
        target: x.key,
        sourceAsn: x.asn || null,
        victimAsn: null,
        firstSeenMs: x.firstMs,
        lastSeenMs: x.lastMs,
        ruleId: 'IP_BOGON_SOURCE@1',
        thresholds: { majorPps: t.majorPps, majorBps: t.majorBps },
        metrics: { pps, bps, windowSeconds: sec },
        evidence: {
          topSources: x.sources
            .top(topN)
            .map((e) => ({ addr: e.key, asn: e.asn || null, pps: e.count / sec, bps: (e.bytes * 8) / sec })),
          topSrcPorts: [],
          topDstPorts: [],
          protocols: [],
          sampleFlows: x.samples,
          samplingRates: x.rates,
          details: { port: x.key, destinations: x.dsts.top(topN).map((e) => e.key) },
        },
      });
    }
    this.byPort = new Map();
    this.byExporter = new Map();
  }
}
