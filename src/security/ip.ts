/** Minimal, allocation-light IP text parsing and CIDR matching for the detectors (no I/O). */

/** Dotted IPv4 text → unsigned 32-bit integer, or -1 when not a valid dotted quad. */
export function parseIpv4(s: string): number {
  let acc = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      acc = acc * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return acc * 256 + octet;
}

/** IPv6 text (with '::' and an optional embedded dotted IPv4 tail) → 128-bit bigint, or null. */
export function parseIpv6(s: string): bigint | null {
  if (s.indexOf(':') < 0) return null;
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return null;
  const parseSide = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const groups = part.split(':');
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!;
      if (i === groups.length - 1 && g.includes('.')) {
        const v4 = parseIpv4(g);
        if (v4 < 0) return null;
        out.push(Math.floor(v4 / 65536), v4 % 65536);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
        out.push(parseInt(g, 16));
      }
    }
    return out;
  };
  let groups: number[];
  if (dbl >= 0) {
    const head = parseSide(s.slice(0, dbl));
    const tail = parseSide(s.slice(dbl + 2));
    if (!head || !tail || head.length + tail.length > 7) return null;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = parseSide(s);
    if (!all || all.length !== 8) return null;
    groups = all;
  }
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  return v;
}

export interface Cidr {
  text: string;
  family: 4 | 6;
  length: number;
  /** IPv4: network as uint32 and mask count; IPv6: network as bigint. */
  v4: number;
  v6: bigint;
}

/** 'a.b.c.d/n' or 'x::/n' → Cidr; throws with a clear message when invalid or when host bits are set. */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  if (slash < 0) throw new Error(`'${text}' is not a CIDR prefix (expected address/length)`);
  const addr = text.slice(0, slash);
  const lenText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText)) throw new Error(`'${text}': prefix length must be a number`);
  const length = Number(lenText);
  const v4 = parseIpv4(addr);
  if (v4 >= 0) {
    if (length > 32) throw new Error(`'${text}': IPv4 prefix length must be 0..32`);
    if (v4 % 2 ** (32 - length) !== 0)
      throw new Error(`'${text}': host bits set (did you mean ${ipv4Network(v4, length)}/${length}?)`);
    return { text, family: 4, length, v4, v6: 0n };
  }
  const v6 = parseIpv6(addr);
  if (v6 === null) throw new Error(`'${text}': '${addr}' is not an IPv4 or IPv6 address`);
  if (length > 128) throw new Error(`'${text}': IPv6 prefix length must be 0..128`);
  if (length < 128 && (v6 & ((1n << BigInt(128 - length)) - 1n)) !== 0n) throw new Error(`'${text}': host bits set`);
  return { text, family: 6, length, v4: 0, v6 };
}

function ipv4Network(v: number, len: number): string {
  const n = v - (v % 2 ** (32 - len));
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** A parsed address: family 4 uses `v4`, family 6 uses `v6`; family 0 = unparseable. */
export interface ParsedIp {
  family: 0 | 4 | 6;
  v4: number;
  v6: bigint;
}

export function parseIp(s: string): ParsedIp {
  const v4 = parseIpv4(s);
  if (v4 >= 0) return { family: 4, v4, v6: 0n };
  const v6 = parseIpv6(s);
  return v6 === null ? { family: 0, v4: 0, v6: 0n } : { family: 6, v4: 0, v6 };
}

export function cidrContains(c: Cidr, ip: ParsedIp): boolean {
  if (c.family !== ip.family) return false;
  if (c.family === 4) return Math.floor(ip.v4 / 2 ** (32 - c.length)) === Math.floor(c.v4 / 2 ** (32 - c.length));
  return ip.v6 >> BigInt(128 - c.length) === c.v6 >> BigInt(128 - c.length);
}
