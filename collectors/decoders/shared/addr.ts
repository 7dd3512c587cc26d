/** Address formatting shared by all decoders. RFC 5952 canonical IPv6 text; MACs as 48-bit integers. */

export function ipv4Text(b: Uint8Array, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

// IPv6 text without per-call arrays (it dominated the v9/IPFIX record cost): group hex digits from a
// 65,536-entry table built on first use.
let HEX: string[] | null = null;
const g = new Uint16Array(8);

function table(): string[] {
  const t = new Array<string>(65536);
  for (let i = 0; i < 65536; i++) t[i] = i.toString(16);
  HEX = t;
  return t;
}

/** RFC 5952: lower case, no leading zeros, the longest run (>1) of zero groups as '::' (first on ties); ::ffff:a.b.c.d. */
export function ipv6Text(b: Uint8Array, off: number): string {
  const hex = HEX ?? table();
  for (let i = 0; i < 8; i++) g[i] = (b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!;
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart === 0 && bestLen === 5 && g[5] === 0xffff) {
    return `::ffff:${b[off + 12]}.${b[off + 13]}.${b[off + 14]}.${b[off + 15]}`;
  }
  const after = bestStart + bestLen;
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += '::';
      i = after - 1;
      continue;
    }
    if (i > 0 && i !== after) s += ':';
    s += hex[g[i]!]!;
  }
  return s;
}

/** 6 bytes → 48-bit integer (exact in a double). */
export function macNumber(b: Uint8Array, off: number): number {
  return (
    b[off]! * 2 ** 40 +
    b[off + 1]! * 2 ** 32 +
    (((b[off + 2]! << 24) >>> 0) + (b[off + 3]! << 16) + (b[off + 4]! << 8) + b[off + 5]!)
  );
}

export function macText(mac: number): string {
  const s = mac.toString(16).padStart(12, '0');
  return s.replace(/(..)(?!$)/g, '$1:');
}

export function parseMac(text: string): number {
  const hex = text.replace(/[:.\-]/g, '').toLowerCase();
  if (!/^[0-9a-f]{12}$/.test(hex)) throw new Error(`invalid MAC address: ${text}`);
  return parseInt(hex, 16);
}
