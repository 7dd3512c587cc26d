/**
 * Which exporter a datagram belongs to. NetFlow/IPFIX: the UDP source address. sFlow: the agent
 * address in the datagram header (sFlow v5 §: agent_address), so agents behind NAT or a relay that
 * share one UDP source stay distinct; the sub-agent id travels as the flows' observation_domain. The
 * identity is what flows_raw.exporter, attribution port keys (`exporter|ifIndex`), exporter stats and
 * exporter_activity_5m key on. IPv4-mapped IPv6 text is written as plain IPv4, like UDP sources.
 */
import { ipv4Text, ipv6Text } from '../decoders/shared/addr.js';
import type { FlowProtocol } from '../decoders/types.js';

/** The last agent seen (bytes and text): consecutive datagrams of one agent build no new string. */
const lastAgent = new Uint8Array(16);
let lastLen = 0;
let lastText = '';

function sameAsLast(b: Uint8Array, off: number, len: number): boolean {
  if (len !== lastLen) return false;
  for (let i = 0; i < len; i++) if (b[off + i] !== lastAgent[i]) return false;
  return true;
}

/** The sFlow v5 agent address as text, or null when the header is too short or of an unknown address type. */
export function sflowAgentAddress(b: Uint8Array): string | null {
  if (b.length < 12) return null;
  const type = ((b[4]! << 24) | (b[5]! << 16) | (b[6]! << 8) | b[7]!) >>> 0;
  const len = type === 1 ? 4 : type === 2 ? 16 : 0;
  if (len === 0 || b.length < 8 + len) return null;
  if (sameAsLast(b, 8, len)) return lastText;
  let text = len === 4 ? ipv4Text(b, 8) : ipv6Text(b, 8);
  if (text.startsWith('::ffff:') && text.indexOf('.') > 0) text = text.slice(7);
  lastAgent.set(b.subarray(8, 8 + len));
  lastLen = len;
  lastText = text;
  return text;
}

/** The exporter identity of a datagram from UDP source `source` (already without ::ffff:). An unset agent (0.0.0.0, ::) is no identity: the source is. */
export function exporterIdentity(source: string, protocol: FlowProtocol | null, payload: Uint8Array): string {
  if (protocol !== 'sflow-v5') return source;
  const agent = sflowAgentAddress(payload);
  return agent === null || agent === '0.0.0.0' || agent === '::' ? source : agent;
}
