/** Test helpers: a flow builder with sensible defaults (sFlow 1:1, IPv4 UDP, known MACs). */
import type { SecurityContext, SecurityFlow } from '../types.js';

export const T0 = 1_800_000_000_000;
export const MAC_A = 0x02000000000a;
export const MAC_B = 0x02000000000b;

export function flow(p: Partial<SecurityFlow> = {}): SecurityFlow {
  return {
    receivedAtMs: T0, protocol: 'sflow-v5', exporter: '10.0.0.1', inIf: 1, outIf: 2, srcMac: MAC_A, dstMac: MAC_B, vlan: 0,
    etherType: 0x0800, ipVersion: 4, srcAddr: '198.51.99.1', dstAddr: '203.0.114.10', ipProto: 17, srcPort: 40000, dstPort: 443,
    tcpFlags: 0, fragment: 0, packets: 1, l3Octets: 100, frameOctets: 118, samplingRate: 1, srcAsn: 64500, dstAsn: 64501, ...p,
  };
}

export function context(p: Partial<SecurityContext> = {}): SecurityContext {
  return {
    knownMacs: new Set([MAC_A, MAC_B]), macOwner: new Map([[MAC_A, 64500], [MAC_B, 64501]]),
    lanIpOwner: new Map([['185.1.0.10', 64500], ['185.1.0.11', 64501]]), allowedMacsPerPort: new Map(), lagPorts: new Set(), ...p,
  };
}
