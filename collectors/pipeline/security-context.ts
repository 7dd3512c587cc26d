/** What the L2 hygiene detectors know about members, derived from the attribution keys valid now. */
import type { SecurityContext } from '../../src/security/types.js';
import type { AssignmentInterval } from './attribution.js';

export function securityContext(list: readonly AssignmentInterval[], nowMs: number): SecurityContext {
  const ctx: SecurityContext = {
    knownMacs: new Set(),
    macOwner: new Map(),
    lanIpOwner: new Map(),
    allowedMacsPerPort: new Map(),
    lagPorts: new Set(),
  };
  const macsOf = new Map<number, Set<number>>();
  const ports: Array<[string, number]> = [];
  for (const a of list) {
    if (nowMs < a.fromMs || nowMs >= a.toMs) continue;
    if (a.kind === 'mac') {
      const mac = parseInt(a.key.slice(a.key.indexOf('|') + 1), 16);
      ctx.knownMacs.add(mac);
      ctx.macOwner.set(mac, a.asn);
      let s = macsOf.get(a.asn);
      if (!s) macsOf.set(a.asn, (s = new Set()));
      s.add(mac);
    } else if (a.kind === 'ip') {
      ctx.lanIpOwner.set(a.key, a.asn);
    } else {
      ports.push([a.key, a.asn]);
    }
  }
  // A member's port may carry each of the member's registered MACs (one, unless it registered more).
  for (const [port, asn] of ports) ctx.allowedMacsPerPort.set(port, Math.max(1, macsOf.get(asn)?.size ?? 1));
  return ctx;
}
