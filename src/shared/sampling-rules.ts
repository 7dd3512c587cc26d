/** "CIDR=rate,CIDR=rate" sampling-rate rules per exporter subnet (config validation and collectors). */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

export interface Rule {
  prefix: number;
  family: 'ipv4' | 'ipv6';
  list: BlockList;
  rate: number;
  text: string;
}

export function parseSamplingRules(spec: string | undefined, key: string): Rule[] {
  if (!spec || !spec.trim()) return [];
  return spec
    .split(',')
    .map((part) => {
      const m = /^\s*([0-9a-fA-F:.]+)\/(\d{1,3})\s*=\s*(\d+)\s*$/.exec(part);
      if (!m) throw new Error(`${key}: '${part.trim()}' is not CIDR=rate (e.g. 192.0.2.0/24=4096)`);
      const [, addr, len, rate] = m as unknown as [string, string, string, string];
      const family: Rule['family'] | null = isIPv4(addr) ? 'ipv4' : isIPv6(addr) ? 'ipv6' : null;
      const prefix = Number(len);
      if (!family || prefix > (family === 'ipv4' ? 32 : 128))
        throw new Error(`${key}: '${part.trim()}' has an invalid prefix`);
      const r = Number(rate);
      if (r < 1 || r > 2 ** 31) throw new Error(`${key}: rate in '${part.trim()}' must be 1..2^31`);
      const list = new BlockList();
      list.addSubnet(addr, prefix, family);
      return { prefix, family, list, rate: r, text: part.trim() } satisfies Rule;
    })
    .sort((a, b) => b.prefix - a.prefix);
}
