/**
 * RFC 5952 IPv6 text, same output as shared/addr.ts ipv6Text (checked by ipv6.test.ts) but without
 * per-call arrays: IPv6 formatting dominated the v9/IPFIX record cost. Group hex digits come from
 * a 65,536-entry table built on first use (~1.5 MB).
 */
let HEX: string[] | null = null;
const g = new Uint16Array(8);

function table(): string[] {
  const t = new Array<string>(65536);
  for (let i = 0; i < 65536; i++) t[i] = i.toString(16);
  HEX = t;
  return t;
}

export function ipv6TextFast(b: Uint8Array, off: number): string {
  const hex = HEX ?? table();
  for (let i = 0; i < 8; i++) g[i] = (b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!;
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  if (bestStart === 0 && bestLen === 5 && g[5] === 0xffff) {
    return `::ffff:${b[off + 12]}.${b[off + 13]}.${b[off + 14]}.${b[off + 15]}`;
  }
  const after = bestStart + bestLen;
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) { s += '::'; i = after - 1; continue; }
    if (i > 0 && i !== after) s += ':';
    s += hex[g[i]!]!;
  }
  return s;
}
