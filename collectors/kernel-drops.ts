/** Kernel UDP receive-buffer drops per local port, from /proc/net/udp and /proc/net/udp6 (last column). */
import { readFileSync } from 'node:fs';

export function parseProcNetUdp(text: string, ports: ReadonlySet<number>): Map<number, number> {
  const out = new Map<number, number>();
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 13) continue;
    const port = parseInt(cols[1]!.split(':').pop() ?? '', 16);
    if (!ports.has(port)) continue;
    const drops = Number(cols[cols.length - 1]);
    if (Number.isFinite(drops)) out.set(port, (out.get(port) ?? 0) + drops);
  }
  return out;
}

export function readKernelDrops(ports: ReadonlySet<number>): Map<number, number> {
  const total = new Map<number, number>();
  for (const f of ['/proc/net/udp', '/proc/net/udp6']) {
    let text = '';
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const [p, n] of parseProcNetUdp(text, ports)) total.set(p, (total.get(p) ?? 0) + n);
  }
  return total;
}
