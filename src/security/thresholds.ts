/**
 * All security-detector settings in one zod schema, with documented defaults, and per-member / per-prefix
 * overrides. `SecuritySettingsSchema.parse({})` yields the defaults; `parseSecuritySettings(x)` throws a
 * `SecuritySettingsError` whose message lists every invalid path.
 *
 * Overrides: `resolveThresholds(settings, { asn, dstAddr })` = base ← member override (by ASN) ← the
 * longest matching destination-prefix override (only the longest match applies). Each override is a
 * partial per-detector object; unspecified fields inherit. All rates are *sampling-scaled estimates*
 * (packets × samplingRate / window).
 */
import { z } from 'zod';
import { DEFAULT_AMPLIFICATION_PORTS } from './ports.js';
import { cidrContains, parseCidr, parseIp, type Cidr } from './ip.js';

const Pos = z.number().positive();
const Sev = z.enum(['info', 'warning', 'major', 'critical']);
const Port = z.int().min(0).max(65535);
const Factor = z.number().min(1);

/*
 * DDOS_VOLUMETRIC_DST — any protocol toward one destination IP.
 * | field          | default       | source                          |
 * | pps            | 20,000        | FastNetMon default (domain §3.2) |
 * | bps            | 1,000,000,000 | FastNetMon default 1,000 Mbps    |
 * | flowsPerSecond | 3,500         | FastNetMon default               |
 * | severity       | major; critical at ≥ criticalFactor (5) × a threshold [P] |
 */
const VolumetricShape = {
  enabled: z.boolean(),
  pps: Pos,
  bps: Pos,
  flowsPerSecond: Pos,
  severity: Sev,
  criticalFactor: Factor,
};
/*
 * DDOS_VOLUMETRIC_DST (rule DDOS_VOLUMETRIC_PROTO@1) — per protocol toward one destination IP.
 * | tcpPps / udpPps / icmpPps | 10,000         | FastNetMon per-protocol default |
 * | tcpBps / udpBps / icmpBps | 10,000,000,000 | FastNetMon per-protocol 10,000 Mbps |
 */
const ProtocolShape = {
  enabled: z.boolean(),
  tcpPps: Pos,
  udpPps: Pos,
  icmpPps: Pos,
  tcpBps: Pos,
  udpBps: Pos,
  icmpBps: Pos,
  severity: Sev,
  criticalFactor: Factor,
};
/*
 * DDOS_AMPLIFICATION — UDP from an amplification source port to one destination IP.
 * | sourcePorts | 0,19,53,111,123,137,161,389,1900,3702,5353,5683,11211,27015 | domain §5.6 (ports.ts) |
 * | pps         | 20,000        | FastNetMon default |
 * | bps         | 1,000,000,000 | FastNetMon default |
 */
const AmplificationShape = {
  enabled: z.boolean(),
  sourcePorts: z.array(Port).min(1),
  pps: Pos,
  bps: Pos,
  severity: Sev,
  criticalFactor: Factor,
};
/*
 * DDOS_SYN_FLOOD — TCP SYN without ACK toward one destination.
 * | pps      | 10,000 | FastNetMon per-protocol pps default |
 * | minShare | 0.5    | SYN share of the destination's TCP packets [P] |
 */
const SynFloodShape = {
  enabled: z.boolean(),
  pps: Pos,
  minShare: z.number().gt(0).max(1),
  severity: Sev,
  criticalFactor: Factor,
};
/*
 * DDOS_FRAGMENTS — IP fragments toward one destination.
 * | pps | 5,000 | ops practice [P] (domain §5.6) |
 */
const FragmentsShape = { enabled: z.boolean(), pps: Pos, severity: Sev, criticalFactor: Factor };
/*
 * L2_* peering-LAN hygiene (sFlow only).
 * | allowedEtherTypes         | 0x0800, 0x0806, 0x86DD | AMS-IX rule 2 |
 * | lagEtherTypes             | 0x8809 (LACP)          | allowed on context.lagPorts only |
 * | defaultAllowedMacsPerPort | 1                      | AMS-IX rule 3 |
 * | macMemoryMs               | 900,000 (15 min)       | L2_MULTIPLE_MACS window, domain §5.6 |
 * | nonUnicastFramesPerMinute | 10 (estimated frames)  | domain §5.6 [P] |
 * | severity                  | warning; L2_MAC_IP_MISMATCH uses mismatchSeverity = major |
 */
const L2Shape = {
  enabled: z.boolean(),
  allowedEtherTypes: z.array(Port),
  lagEtherTypes: z.array(Port),
  defaultAllowedMacsPerPort: z.int().min(1),
  macMemoryMs: z.int().positive(),
  nonUnicastFramesPerMinute: z.number().min(0),
  severity: Sev,
  mismatchSeverity: Sev,
};
/*
 * IP_BOGON_SOURCE — bogon source entering from a member port, over the scan window (5 min).
 * | majorPps | 1,000      | domain §5.6 [P]: above → major, any → info |
 * | majorBps | 10,000,000 | domain §5.6 [P] |
 */
const BogonShape = { enabled: z.boolean(), majorPps: Pos, majorBps: Pos };
/*
 * SCAN_PORT / SCAN_ADDRESS — Zeek policy/misc/scan.zeek defaults, per 5-minute scan window.
 * | portScanPorts    | 15 distinct destination ports on one host | Zeek |
 * | addressScanHosts | 25 distinct hosts on one port             | Zeek |
 * | minSampledDistinct | 3 (floor of the sampling-scaled threshold) [P] |
 * | tcpSynOnly       | true: TCP counts only SYN-without-ACK records (connection attempts) |
 * Scaled rule: threshold = max(minSampledDistinct, ceil(zeekThreshold / samplingRate)); rate > 1 ⇒ relative indicator, severity info.
 */
const ScanShape = {
  enabled: z.boolean(),
  portScanPorts: z.int().min(1),
  addressScanHosts: z.int().min(1),
  minSampledDistinct: z.int().min(1),
  tcpSynOnly: z.boolean(),
  severity: Sev,
};

/*
 * TRAFFIC_ANOMALY_SPIKE / TRAFFIC_ANOMALY_DROP (baseline.ts) — same 5-minute slot of previous weeks.
 * | k               | 4             | spike: rate > median + k·MAD (domain §5.6 [P]) |
 * | spikeFactor     | 3             | and rate > 3 × median |
 * | minDeltaBps     | 1,000,000,000 | and rate − median > 1 Gbps |
 * | dropFraction    | 0.1           | drop: every one of the last dropSlots < 10 % of median |
 * | dropSlots       | 3             | 3 × 5 min = 15 min |
 * | minWeeks        | 2             | weeks with data needed, else no verdict |
 * | dropMinMedianBps| 0             | ignore drops when the baseline median is at or below this |
 */
const BaselineShape = {
  enabled: z.boolean(),
  k: z.number().min(0),
  spikeFactor: z.number().min(1),
  minDeltaBps: z.number().min(0),
  dropFraction: z.number().gt(0).lt(1),
  dropSlots: z.int().min(1),
  minWeeks: z.int().min(1),
  dropMinMedianBps: z.number().min(0),
};
/*
 * EXPORTER_* (exporter-checks.ts).
 * | silentAfterMs       | 300,000 (5 min) | no datagrams for longer while previously active |
 * | counterMismatchPct  | 5               | |flow − counter| / counter, as the port reconciliation default |
 * | samplingChange      | true            | alert when the set of sampling rates changes |
 */
const ExporterShape = {
  enabled: z.boolean(),
  silentAfterMs: z.int().positive(),
  counterMismatchPct: z.number().positive(),
  samplingChange: z.boolean(),
};

const detectorShapes = {
  volumetric: VolumetricShape,
  protocol: ProtocolShape,
  amplification: AmplificationShape,
  synFlood: SynFloodShape,
  fragments: FragmentsShape,
  l2: L2Shape,
  bogon: BogonShape,
  scan: ScanShape,
  baseline: BaselineShape,
  exporter: ExporterShape,
} as const;
type Shapes = typeof detectorShapes;

export const DetectorThresholdsSchema = z.strictObject({
  volumetric: z.strictObject(VolumetricShape),
  protocol: z.strictObject(ProtocolShape),
  amplification: z.strictObject(AmplificationShape),
  synFlood: z.strictObject(SynFloodShape),
  fragments: z.strictObject(FragmentsShape),
  l2: z.strictObject(L2Shape),
  bogon: z.strictObject(BogonShape),
  scan: z.strictObject(ScanShape),
  baseline: z.strictObject(BaselineShape),
  exporter: z.strictObject(ExporterShape),
});
export type DetectorThresholds = z.infer<typeof DetectorThresholdsSchema>;

export const DetectorOverrideSchema = z.strictObject({
  volumetric: z.strictObject(VolumetricShape).partial().optional(),
  protocol: z.strictObject(ProtocolShape).partial().optional(),
  amplification: z.strictObject(AmplificationShape).partial().optional(),
  synFlood: z.strictObject(SynFloodShape).partial().optional(),
  fragments: z.strictObject(FragmentsShape).partial().optional(),
  l2: z.strictObject(L2Shape).partial().optional(),
  bogon: z.strictObject(BogonShape).partial().optional(),
  scan: z.strictObject(ScanShape).partial().optional(),
  baseline: z.strictObject(BaselineShape).partial().optional(),
  exporter: z.strictObject(ExporterShape).partial().optional(),
});
export type DetectorOverride = z.infer<typeof DetectorOverrideSchema>;

export const DEFAULT_DETECTORS: DetectorThresholds = Object.freeze({
  volumetric: {
    enabled: true,
    pps: 20_000,
    bps: 1_000_000_000,
    flowsPerSecond: 3_500,
    severity: 'major',
    criticalFactor: 5,
  },
  protocol: {
    enabled: true,
    tcpPps: 10_000,
    udpPps: 10_000,
    icmpPps: 10_000,
    tcpBps: 10_000_000_000,
    udpBps: 10_000_000_000,
    icmpBps: 10_000_000_000,
    severity: 'major',
    criticalFactor: 5,
  },
  amplification: {
    enabled: true,
    sourcePorts: [...DEFAULT_AMPLIFICATION_PORTS],
    pps: 20_000,
    bps: 1_000_000_000,
    severity: 'major',
    criticalFactor: 5,
  },
  synFlood: { enabled: true, pps: 10_000, minShare: 0.5, severity: 'major', criticalFactor: 5 },
  fragments: { enabled: true, pps: 5_000, severity: 'warning', criticalFactor: 10 },
  l2: {
    enabled: true,
    allowedEtherTypes: [0x0800, 0x0806, 0x86dd],
    lagEtherTypes: [0x8809],
    defaultAllowedMacsPerPort: 1,
    macMemoryMs: 15 * 60_000,
    nonUnicastFramesPerMinute: 10,
    severity: 'warning',
    mismatchSeverity: 'major',
  },
  bogon: { enabled: true, majorPps: 1_000, majorBps: 10_000_000 },
  scan: {
    enabled: true,
    portScanPorts: 15,
    addressScanHosts: 25,
    minSampledDistinct: 3,
    tcpSynOnly: true,
    severity: 'warning',
  },
  baseline: {
    enabled: true,
    k: 4,
    spikeFactor: 3,
    minDeltaBps: 1_000_000_000,
    dropFraction: 0.1,
    dropSlots: 3,
    minWeeks: 2,
    dropMinMedianBps: 0,
  },
  exporter: { enabled: true, silentAfterMs: 300_000, counterMismatchPct: 5, samplingChange: true },
} satisfies DetectorThresholds);

/*
 * Engine (memory and cadence).
 * | windowMs                | 5,000   | fast-path window for DDoS (sliding) and L2 (tumbling) |
 * | stepMs                  | 250     | sub-bucket of the sliding window; the DDoS rules are evaluated every step |
 * | sustainMs               | 1,000   | sustained-duration guard: a rate must stay above the threshold in every step of it (one burst never opens an alert); 0 = no guard (window rule alone, uncapped) |
 * | minSustainSamples       | 8       | sampled packets (sFlow samples; packets a flow exporter counted, before scaling) the guard span needs to open an alert alone |
 * | scanWindowMs            | 300,000 | scans and bogons (Zeek: 5 min)   |
 * | maxTrackedDestinations  | 20,000  | destination IPs per window; bottom half by packets evicted when full |
 * | maxTrackedScanSources   | 20,000  | scan sources per scan window (same eviction) |
 * | maxTrackedPorts         | 20,000  | ports with MAC memory (L2_MULTIPLE_MACS) |
 * | maxMacsPerPort          | 64      | MACs remembered per port |
 * | maxDetailedDestinations | 4,096   | destinations per window holding evidence (top sources/ports, samples) |
 * | maxL2Keys               | 5,000   | distinct L2 / bogon alert keys per window |
 * | topN                    | 10      | evidence list length |
 */
export const EngineSettingsSchema = z.strictObject({
  windowMs: z.int().min(100),
  stepMs: z.int().min(50).max(5_000),
  sustainMs: z.int().min(0).max(60_000),
  minSustainSamples: z.int().min(1),
  scanWindowMs: z.int().min(1_000),
  maxTrackedDestinations: z.int().min(16),
  maxTrackedScanSources: z.int().min(16),
  maxTrackedPorts: z.int().min(16),
  maxDetailedDestinations: z.int().min(16),
  maxMacsPerPort: z.int().min(2),
  maxL2Keys: z.int().min(16),
  topN: z.int().min(1).max(100),
});
export type EngineSettings = z.infer<typeof EngineSettingsSchema>;
export const DEFAULT_ENGINE: EngineSettings = Object.freeze({
  windowMs: 5_000,
  stepMs: 250,
  sustainMs: 1_000,
  minSustainSamples: 8,
  scanWindowMs: 300_000,
  maxTrackedDestinations: 20_000,
  maxTrackedScanSources: 20_000,
  maxTrackedPorts: 20_000,
  maxDetailedDestinations: 4_096,
  maxMacsPerPort: 64,
  maxL2Keys: 5_000,
  topN: 10,
});

const Asn = z.int().min(1).max(4_294_967_295);
const InputSchema = z.strictObject({
  engine: EngineSettingsSchema.partial().optional(),
  detectors: DetectorOverrideSchema.optional(),
  overrides: z
    .strictObject({
      members: z
        .array(z.strictObject({ asn: Asn, note: z.string().optional(), detectors: DetectorOverrideSchema }))
        .default([]),
      prefixes: z
        .array(
          z.strictObject({
            prefix: z.string().superRefine((p, ctx) => {
              try {
                parseCidr(p);
              } catch (e) {
                ctx.addIssue({ code: 'custom', message: (e as Error).message });
              }
            }),
            note: z.string().optional(),
            detectors: DetectorOverrideSchema,
          }),
        )
        .default([]),
    })
    .optional(),
});

export function mergeDetectors(base: DetectorThresholds, o: DetectorOverride | undefined): DetectorThresholds {
  if (!o) return base;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(detectorShapes) as Array<keyof Shapes>) out[k] = { ...base[k], ...(o[k] ?? {}) };
  return out as DetectorThresholds;
}

export const SecuritySettingsSchema = InputSchema.transform((i, ctx) => {
  const engine = { ...DEFAULT_ENGINE, ...(i.engine ?? {}) };
  const detectors = mergeDetectors(DEFAULT_DETECTORS, i.detectors);
  const members = i.overrides?.members ?? [];
  const prefixes = i.overrides?.prefixes ?? [];
  const seenAsn = new Set<number>();
  members.forEach((m, n) => {
    if (seenAsn.has(m.asn))
      ctx.addIssue({
        code: 'custom',
        path: ['overrides', 'members', n, 'asn'],
        message: `duplicate override for AS${m.asn}`,
      });
    seenAsn.add(m.asn);
  });
  const seenPrefix = new Set<string>();
  prefixes.forEach((p, n) => {
    if (seenPrefix.has(p.prefix))
      ctx.addIssue({
        code: 'custom',
        path: ['overrides', 'prefixes', n, 'prefix'],
        message: `duplicate override for ${p.prefix}`,
      });
    seenPrefix.add(p.prefix);
  });
  if (engine.windowMs % engine.stepMs !== 0)
    ctx.addIssue({
      code: 'custom',
      path: ['engine', 'stepMs'],
      message: `must divide engine.windowMs (${engine.windowMs})`,
    });
  if (engine.sustainMs > engine.windowMs)
    ctx.addIssue({
      code: 'custom',
      path: ['engine', 'sustainMs'],
      message: `must be ≤ engine.windowMs (${engine.windowMs})`,
    });
  if (engine.scanWindowMs < engine.windowMs)
    ctx.addIssue({ code: 'custom', path: ['engine', 'scanWindowMs'], message: 'must be ≥ engine.windowMs' });
  return { engine, detectors, overrides: { members, prefixes } };
});
export type SecuritySettingsInput = z.input<typeof SecuritySettingsSchema>;
export type SecuritySettings = z.output<typeof SecuritySettingsSchema>;

export class SecuritySettingsError extends Error {
  readonly code = 'IXMETER_ERR_SECURITY_SETTINGS';
  constructor(readonly issues: string[]) {
    super(`invalid security settings:\n  ${issues.join('\n  ')}`);
    this.name = 'SecuritySettingsError';
  }
}

/** Parse and validate; throws `SecuritySettingsError` listing `path: message` for every problem. */
export function parseSecuritySettings(input: unknown = {}): SecuritySettings {
  const r = SecuritySettingsSchema.safeParse(input);
  if (!r.success) {
    throw new SecuritySettingsError(
      r.error.issues.map((iss) => `security.${iss.path.map(String).join('.') || '(root)'}: ${iss.message}`),
    );
  }
  return r.data;
}

/** Compiled lookup, cached per settings object. */
interface Compiled {
  members: Map<number, DetectorOverride>;
  prefixes: Array<{ cidr: Cidr; index: number; detectors: DetectorOverride }>;
  merged: Map<string, DetectorThresholds>;
}
const compiledCache = new WeakMap<SecuritySettings, Compiled>();

function compile(s: SecuritySettings): Compiled {
  let c = compiledCache.get(s);
  if (!c) {
    c = {
      members: new Map(s.overrides.members.map((m) => [m.asn, m.detectors])),
      prefixes: s.overrides.prefixes
        .map((p, index) => ({ cidr: parseCidr(p.prefix), index, detectors: p.detectors }))
        .sort((a, b) => b.cidr.length - a.cidr.length),
      merged: new Map(),
    };
    compiledCache.set(s, c);
  }
  return c;
}

export interface ThresholdScope {
  /** Member ASN the rule is evaluated for (victim for DDoS, source for L2/bogons/scans); 0/null = none. */
  asn?: number | null;
  /** Destination address (DDoS victim) for prefix overrides. */
  dstAddr?: string | null;
}

/** Thresholds for a scope: longest matching prefix override, then member override, then base. */
export function resolveThresholds(settings: SecuritySettings, scope: ThresholdScope): DetectorThresholds {
  const c = compile(settings);
  const member = scope.asn ? c.members.get(scope.asn) : undefined;
  let prefix: Compiled['prefixes'][number] | undefined;
  if (scope.dstAddr && c.prefixes.length > 0) {
    const ip = parseIp(scope.dstAddr);
    if (ip.family !== 0) prefix = c.prefixes.find((p) => cidrContains(p.cidr, ip));
  }
  if (!member && !prefix) return settings.detectors;
  const key = `${member ? scope.asn : ''}|${prefix ? prefix.index : ''}`;
  let m = c.merged.get(key);
  if (!m) {
    m = mergeDetectors(mergeDetectors(settings.detectors, member), prefix?.detectors);
    c.merged.set(key, m);
  }
  return m;
}

/** True when any override exists (lets the engine skip resolution on the hot path). */
export function hasOverrides(settings: SecuritySettings): boolean {
  return settings.overrides.members.length > 0 || settings.overrides.prefixes.length > 0;
}
