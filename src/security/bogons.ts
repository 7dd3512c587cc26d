/**
 * Bogon source addresses (domain.md §3.2, Team Cymru list; §5.6 IP_BOGON_SOURCE).
 * IPv4: the 14 prefixes below. IPv6: anything outside 2000::/3 (global unicast), plus the
 * documentation prefix 2001:db8::/32 (ULA fc00::/7, link-local fe80::/10, multicast ff00::/8,
 * ::/128, ::1 and IPv4-mapped all fall outside 2000::/3). "Full bogons" (allocated but unassigned
 * space) are not included: that list changes daily and needs a feed.
 */
import { parseIpv4 } from './ip.js';

export const BOGONS_V4: readonly string[] = Object.freeze([
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24',
  '192.0.2.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4',
]);
export const BOGONS_V6_RULE = 'outside 2000::/3, or in 2001:db8::/32 (documentation); ULA fc00::/7 is outside 2000::/3';

// Precomputed [network, size] pairs for a branch-light test.
const V4: Array<[number, number]> = BOGONS_V4.map((c) => {
  const [a, l] = c.split('/') as [string, string];
  return [parseIpv4(a), 2 ** (32 - Number(l))];
});

export function isBogonV4(v: number): boolean {
  for (let i = 0; i < V4.length; i++) {
    const [net, size] = V4[i]!;
    if (v >= net && v < net + size) return true;
  }
  return false;
}

/** First two 16-bit groups of IPv6 text without building a bigint; null for unparseable text. */
function leadingGroups(s: string): [number, number] | null {
  let g0 = 0;
  let g1 = 0;
  let i = 0;
  let n = 0;
  let digits = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 58) {
      if (digits === 0) return [g0, 0]; // '::' (or leading ':') — following groups are zero here
      n++; digits = 0;
      if (n === 2) return [g0, g1];
      continue;
    }
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0 || ++digits > 4) return null;
    if (n === 0) g0 = g0 * 16 + d; else g1 = g1 * 16 + d;
  }
  return n >= 1 ? [g0, g1] : null;
}

export function isBogonV6(s: string): boolean {
  const g = leadingGroups(s);
  if (g === null) return false;
  if ((g[0] & 0xe000) !== 0x2000) return true;
  return g[0] === 0x2001 && g[1] === 0x0db8;
}

/** True when a source address text (IPv4 dotted or IPv6) is a bogon. '' and garbage are not bogons. */
// First octets that can start an IPv4 bogon: most sources are rejected after reading one octet.
const FIRST_OCTET = new Uint8Array(256);
for (const [net, size] of V4) for (let o = Math.floor(net / 2 ** 24); o <= Math.floor((net + size - 1) / 2 ** 24); o++) FIRST_OCTET[o] = 1;

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
