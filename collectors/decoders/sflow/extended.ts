/** Extended router (0:1002) and gateway (0:1003) records: validated, not kept (no FlowRecord fields). */
import { r32 } from './context.js';

/** Extended router: next-hop address, src/dst mask lengths. */
export function checkRouter(b: Uint8Array, q: number, end: number): boolean {
  const a = addressLength(b, q, end);
  return a > 0 && q + a + 8 <= end;
}

/** Extended gateway: next hop, as, src_as, src_peer_as, AS path segments, communities, localpref. */
export function checkGateway(b: Uint8Array, q: number, end: number): boolean {
  const a = addressLength(b, q, end);
  if (a === 0) return false;
  let p = q + a + 12;
  if (p + 4 > end) return false;
  const segments = r32(b, p);
  p += 4;
  for (let i = 0; i < segments; i++) {
    if (p + 8 > end) return false;
    const n = r32(b, p + 4);
    if (n > (end - p - 8) / 4) return false;
    p += 8 + n * 4;
  }
  if (p + 4 > end) return false;
  const communities = r32(b, p);
  p += 4;
  if (communities > (end - p) / 4) return false;
  p += communities * 4;
  return p + 4 <= end;
}

/** Length of an sFlow `address` (type word + 4 or 16 octets), 0 when invalid or past `end`. */
function addressLength(b: Uint8Array, q: number, end: number): number {
  if (q + 4 > end) return 0;
  const t = r32(b, q);
  const n = t === 1 ? 8 : t === 2 ? 20 : t === 0 ? 4 : 0;
  return n > 0 && q + n <= end ? n : 0;
}
