/**
 * Per-exporter settings of the "nothing counted twice" checks (config validation and collectors):
 *  - IXMETER_FLOW_DIRECTION_OVERRIDES "CIDR=mode,…" with mode `auto` (default: decide from what the
 *    exporter sends), `ingress` (it exports every frame as ingress and egress: count ingress records only),
 *    `all` (alias `both`: its directions are different traffic, count records of both directions). Longest prefix wins.
 *  - IXMETER_CORE_PORTS "exporter:ifIndex,…": inter-switch (core/trunk) ports whose samples are not member
 *    traffic. IPv6 exporters in brackets: `[2001:db8::1]:7`.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

export type DirectionMode = 'auto' | 'ingress' | 'all';
export interface DirectionRule {
  prefix: number;
  family: 'ipv4' | 'ipv6';
  list: BlockList;
  mode: DirectionMode;
  text: string;
}

const MODES: readonly DirectionMode[] = ['auto', 'ingress', 'all'];

export function parseDirectionRules(
  spec: string | undefined,
  key = 'IXMETER_FLOW_DIRECTION_OVERRIDES',
): DirectionRule[] {
  if (!spec || !spec.trim()) return [];
  return spec
    .split(',')
    .map((part) => {
      const m = /^\s*([0-9a-fA-F:.]+)\/(\d{1,3})\s*=\s*([a-z]+)\s*$/.exec(part);
      if (!m)
        throw new Error(
          `${key}: '${part.trim()}' is not CIDR=mode (e.g. 192.0.2.0/24=ingress; modes ${MODES.join(', ')})`,
        );
      const [, addr, len, mode] = m as unknown as [string, string, string, string];
      const family: DirectionRule['family'] | null = isIPv4(addr) ? 'ipv4' : isIPv6(addr) ? 'ipv6' : null;
      const prefix = Number(len);
      if (!family || prefix > (family === 'ipv4' ? 32 : 128))
        throw new Error(`${key}: '${part.trim()}' has an invalid prefix`);
      const m2 = mode === 'both' ? 'all' : mode;
      if (!MODES.includes(m2 as DirectionMode))
        throw new Error(`${key}: mode '${mode}' in '${part.trim()}' must be one of ${MODES.join(', ')} (both = all)`);
      const list = new BlockList();
      list.addSubnet(addr, prefix, family);
      return { prefix, family, list, mode: m2 as DirectionMode, text: part.trim() } satisfies DirectionRule;
    })
    .sort((a, b) => b.prefix - a.prefix);
}

/** The forced mode for an exporter (identity text, IPv4 dotted or IPv6), or 'auto'. */
export function directionModeFor(rules: readonly DirectionRule[], exporter: string): DirectionMode {
  if (!rules.length) return 'auto';
  const family = isIPv4(exporter) ? 'ipv4' : 'ipv6';
  if (family === 'ipv6' && !isIPv6(exporter)) return 'auto';
  return rules.find((r) => r.family === family && r.list.check(exporter, family))?.mode ?? 'auto';
}

/** Exporter text as the collectors name exporters: IPv4 dotted (IPv4-mapped unwrapped), IPv6 RFC 5952. */
export function canonicalExporter(text: string): string | null {
  if (isIPv4(text)) return text;
  if (!isIPv6(text)) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

/** exporter → declared core ifIndexes. */
export function parseCorePorts(spec: string | undefined, key = 'IXMETER_CORE_PORTS'): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  if (!spec || !spec.trim()) return out;
  for (const raw of spec.split(',')) {
    const part = raw.trim();
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|(\d+\.\d+\.\d+\.\d+)):(\d{1,10})$/.exec(part);
    if (!m) throw new Error(`${key}: '${part}' is not exporter:ifIndex (e.g. 192.0.2.1:7 or [2001:db8::1]:7)`);
    const exporter = canonicalExporter(m[1] ?? m[2]!);
    if (exporter === null) throw new Error(`${key}: '${part}' has an invalid exporter address`);
    const ifIndex = Number(m[3]);
    if (ifIndex < 1 || ifIndex > 0xffffffff) throw new Error(`${key}: ifIndex in '${part}' must be 1..4294967295`);
    let set = out.get(exporter);
    if (!set) out.set(exporter, (set = new Set()));
    set.add(ifIndex);
  }
  return out;
}
