/**
 * UDP source ports of reflection/amplification vectors (domain.md §3.2 and the §5.6 DDOS_AMPLIFICATION
 * rule). Factors are typical bandwidth amplification factors from US-CERT TA14-017A / protocolports
 * (domain.md §3.2 table); `null` where the brief gives none.
 */
export interface AmplificationPort {
  port: number;
  service: string;
  /** Typical amplification [low, high]; null when unknown. */
  factor: [number, number] | null;
  source: string;
}

export const AMPLIFICATION_PORTS: readonly AmplificationPort[] = Object.freeze([
  {
    port: 0,
    service: 'UDP port 0 (fragments / malformed)',
    factor: null,
    source: 'domain.md §5.6; Cloudflare minimal ruleset',
  },
  { port: 19, service: 'CharGEN', factor: [358, 358], source: 'US-CERT TA14-017A' },
  { port: 53, service: 'DNS', factor: [28, 54], source: 'US-CERT TA14-017A' },
  { port: 111, service: 'Portmap/RPC', factor: null, source: 'US-CERT TA14-017A; Cloudflare' },
  { port: 123, service: 'NTP (monlist)', factor: [556, 556], source: 'US-CERT TA14-017A' },
  { port: 137, service: 'NetBIOS', factor: null, source: 'US-CERT TA14-017A; Cloudflare' },
  { port: 161, service: 'SNMP', factor: [6, 9], source: 'US-CERT TA14-017A' },
  { port: 389, service: 'CLDAP', factor: [56, 70], source: 'US-CERT TA14-017A' },
  { port: 1900, service: 'SSDP', factor: [30, 30], source: 'US-CERT TA14-017A' },
  { port: 3702, service: 'WS-Discovery', factor: [150, 150], source: 'protocolports' },
  { port: 5353, service: 'mDNS', factor: [10, 10], source: 'US-CERT TA14-017A' },
  { port: 5683, service: 'CoAP', factor: [10, 50], source: 'protocolports' },
  { port: 11211, service: 'memcached', factor: [10_000, 51_000], source: 'US-CERT TA14-017A' },
  { port: 27015, service: 'Steam / Source engine', factor: null, source: 'US-CERT TA14-017A' },
] satisfies AmplificationPort[]);

/** The default DDOS_AMPLIFICATION source-port list (domain.md §5.6). */
export const DEFAULT_AMPLIFICATION_PORTS: readonly number[] = Object.freeze(AMPLIFICATION_PORTS.map((p) => p.port));

const BY_PORT = new Map(AMPLIFICATION_PORTS.map((p) => [p.port, p]));

export function amplificationService(port: number): AmplificationPort | undefined {
  return BY_PORT.get(port);
}
