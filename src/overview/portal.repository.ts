/**
 * Member portal reads, all from member_io_5m (ordered by member, so one member's rows are a narrow range):
 * per peer the bytes sent to it (in_* columns) and received from it (out_*), per IP version; and per step
 * the series of a few peers.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { compactRows } from '../storage/clickhouse/compact.js';

export interface PeerBytes {
  peer_asn: number;
  in_bytes: string;
  out_bytes: string;
  ipv4_bytes: string;
  ipv6_bytes: string;
}
export interface PeerStep {
  peer_asn: number;
  ts: number;
  in_bytes: string;
  out_bytes: string;
}
export interface VersionStep {
  ts: number;
  ipv4_in: string;
  ipv4_out: string;
  ipv6_in: string;
  ipv6_out: string;
}

const where =
  "asn = {asn:UInt32} AND bucket >= toDateTime({from:UInt32}, 'UTC') AND bucket < toDateTime({to:UInt32}, 'UTC')";

export function createPortalRepository(client: ClickHouseClient) {
  const compact = <T extends unknown[]>(query: string, params: Record<string, unknown>) =>
    compactRows<T>(client, query, params);
  const p = (asn: number, fromMs: number, toMs: number) => ({
    asn,
    from: Math.floor(fromMs / 1000),
    to: Math.floor(toMs / 1000),
  });
  return {
    async peers(asn: number, fromMs: number, toMs: number): Promise<PeerBytes[]> {
      const out = await compact<[number, string, string, string, string]>(
        `SELECT peer_asn, toString(sum(in_bytes)), toString(sum(out_bytes)),
                toString(sumIf(in_bytes + out_bytes, ip_version = 4)), toString(sumIf(in_bytes + out_bytes, ip_version = 6))
         FROM member_io_5m WHERE ${where} GROUP BY peer_asn ORDER BY sum(in_bytes) + sum(out_bytes) DESC, peer_asn`,
        p(asn, fromMs, toMs),
      );
      return out.map((r) => ({
        peer_asn: Number(r[0]),
        in_bytes: r[1],
        out_bytes: r[2],
        ipv4_bytes: r[3],
        ipv6_bytes: r[4],
      }));
    },

    async peerSteps(asn: number, peers: number[], fromMs: number, toMs: number, step: number): Promise<PeerStep[]> {
      if (!peers.length) return [];
      const out = await compact<[number, number, string, string]>(
        `SELECT peer_asn, toUnixTimestamp(toStartOfInterval(bucket, toIntervalSecond({step:UInt32}))) AS ts, toString(sum(in_bytes)), toString(sum(out_bytes))
         FROM member_io_5m WHERE ${where} AND peer_asn IN {peers:Array(UInt32)} GROUP BY peer_asn, ts ORDER BY peer_asn, ts`,
        { ...p(asn, fromMs, toMs), peers, step },
      );
      return out.map((r) => ({ peer_asn: Number(r[0]), ts: Number(r[1]) * 1000, in_bytes: r[2], out_bytes: r[3] }));
    },

    async versionSteps(asn: number, fromMs: number, toMs: number, step: number): Promise<VersionStep[]> {
      const out = await compact<[number, string, string, string, string]>(
        `SELECT toUnixTimestamp(toStartOfInterval(bucket, toIntervalSecond({step:UInt32}))) AS ts,
                toString(sumIf(in_bytes, ip_version = 4)), toString(sumIf(out_bytes, ip_version = 4)),
                toString(sumIf(in_bytes, ip_version = 6)), toString(sumIf(out_bytes, ip_version = 6))
         FROM member_io_5m WHERE ${where} GROUP BY ts ORDER BY ts`,
        { ...p(asn, fromMs, toMs), step },
      );
      return out.map((r) => ({
        ts: Number(r[0]) * 1000,
        ipv4_in: r[1],
        ipv4_out: r[2],
        ipv6_in: r[3],
        ipv6_out: r[4],
      }));
    },

    async totals(asn: number, fromMs: number, toMs: number): Promise<{ in_bytes: string; out_bytes: string }> {
      const [r] = await compact<[string, string]>(
        `SELECT toString(sum(in_bytes)), toString(sum(out_bytes)) FROM member_io_5m WHERE ${where}`,
        p(asn, fromMs, toMs),
      );
      return { in_bytes: r?.[0] ?? '0', out_bytes: r?.[1] ?? '0' };
    },
  };
}

export type PortalRepository = ReturnType<typeof createPortalRepository>;
