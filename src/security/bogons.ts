/**
 * Bogon source addresses (domain.md §3.2, Team Cymru list; §5.6 IP_BOGON_SOURCE).
 * IPv4: the 14 prefixes below. IPv6: anything outside 2000::/3 (global unicast), plus the
 * documentation prefix 2001:db8::/32 (ULA fc00::/7, link-local fe80::/10, multicast ff00::/8,
 * ::/128, ::1 and IPv4-mapped all fall outside 2000::/3). "Full bogons" (allocated but unassigned
 * space) are not included: that list changes daily and needs a feed.
 */
import { parseIpv4 } from './ip.js';

export const BOGONS_V4: readonly string[] = Object.freeze([
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
]);
export const BOGONS_V6_RULE = 'outside 2000::/3, or in 2001:db8::/32 (documentation); ULA fc00::/7 is outside 2000::/3';

// Precomputed [network, size] pairs, grouped by the first octets they cover: a spoofed flood from a bogon range
// makes every flow reach isBogonV4, which then tests the one or two prefixes of its first octet, not all 14.
const V4: Array<[number, number]> = BOGONS_V4.map((c) => {
  const [a, l] = c.split('/') as [string, string];
  return [parseIpv4(a), 2 ** (32 - Number(l))];
});
const BY_FIRST_OCTET: Array<Array<[number, number]>> = Array.from({ length: 256 }, () => []);
for (const p of V4)
  for (let o = Math.floor(p[0] / 2 ** 24); o <= Math.floor((p[0] + p[1] - 1) / 2 ** 24); o++)
    BY_FIRST_OCTET[o]!.push(p);

export function isBogonV4(v: number): boolean {
  const list = BY_FIRST_OCTET[Math.floor(v / 2 ** 24)];
  if (list === undefined) return false; // not a 32-bit address
  for (let i = 0; i < list.length; i++) {
    const p = list[i]!;
    if (v >= p[0] && v < p[0] + p[1]) return true;
  }
  return false;
}

/**
 * First two 16-bit groups of IPv6 text packed as g0 × 65536 + g1 (no array: this runs for every IPv6 source
 * on the fast path); -1 for unparseable text.
 */
function leadingGroups(s: string): number {
  let g0 = 0;
  let g1 = 0;
  let n = 0;
  let digits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 58) {
      if (digits === 0) return g0 * 65536; // '::' (or leading ':') — following groups are zero here
      n++;
      digits = 0;
      if (n === 2) return g0 * 65536 + g1;
      continue;
    }
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0 || ++digits > 4) return -1;
    if (n === 0) g0 = g0 * 16 + d;
    else g1 = g1 * 16 + d;
  }
  return n >= 1 ? g0 * 65536 + g1 : -1;
}

export function isBogonV6(s: string): boolean {
  const g = leadingGroups(s);
  if (g < 0) return false;
  const g0 = Math.floor(g / 65536);
  if ((g0 & 0xe000) !== 0x2000) return true;
  return g === 0x20010db8;
}

/** True when a source address text (IPv4 dotted or IPv6) is a bogon. '' and garbage are not bogons. */
// First octets that can start an IPv4 bogon: most sources are rejected after reading one octet.
const FIRST_OCTET = new Uint8Array(256);
for (let o = 0; o < 256; o++) FIRST_OCTET[o] = BY_FIRST_OCTET[o]!.length > 0 ? 1 : 0;

export function isBogonSource(addr: string): boolean {
  if (addr.length === 0) return false;
  let o = 0;
  let i = 0;
  for (; i < 4 && i < addr.length; i++) {
    const c = addr.charCodeAt(i);
    if (c < 48 || c > 57) break;
    o = o * 10 + (c - 48);
  }
  if (i > 0 && i < 4 && addr.charCodeAt(i) === 46 && o < 256 && FIRST_OCTET[o] === 0) return false;
  const v4 = parseIpv4(addr);
  if (v4 >= 0) return isBogonV4(v4);
  return addr.indexOf(':') >= 0 && isBogonV6(addr);
}
