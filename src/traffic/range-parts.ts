/**
 * A range [from, to) (epoch seconds) cut into the coarsest rollup that covers each part exactly: whole UTC
 * days [A, B) from member_traffic_1d, whole UTC hours [a, A) and [B, b) from member_traffic_1h, and the
 * 5-minute edges [from, a) and [b, to) from member_io_5m's sending side (asn = src, peer = dst). Every part's
 * numbers are member_traffic_5m's (the 0011/0012/0040 views keep all equal), so the union is too.
 */
const HOUR_S = 3600;
const DAY_S = 86_400;

/** Whole units of `unit` seconds [a, b) inside [from, to); a = b when none fits. */
function whole(from: number, to: number, unit: number): { a: number; b: number } {
  const a = Math.min(Math.ceil(from / unit) * unit, to);
  return { a, b: Math.max(a, Math.floor(to / unit) * unit) };
}

/** The whole UTC hours [a, b) inside [from, to) (every 5-minute bucket of such an hour lies in the range). */
export function wholeHours(from: number, to: number): { a: number; b: number } {
  return whole(from, to, HOUR_S);
}

export interface RangeParts {
  from: number;
  to: number;
  a: number;
  b: number;
  A: number;
  B: number;
}

export function rangeParts(from: number, to: number): RangeParts {
  const { a, b } = wholeHours(from, to);
  const d = whole(a, b, DAY_S);
  return { from, to, a, b, A: d.a, B: d.b };
}

const at = (p: string) => `toDateTime({${p}:UInt32}, 'UTC')`;

/**
 * SQL of (src_asn, dst_asn, ip_version, b, l3, p) rows summed per pair and IP version in each part; `where`
 * is an extra condition on src_asn/dst_asn (the 5-minute part has asn/peer_asn: it is rewritten). Parameters:
 * from, to, a, b, A, B (rangeParts) plus those of `where`.
 */
export function pairsUnionSql(where = '1'): string {
  const io = where.replace(/\bsrc_asn\b/g, 'asn').replace(/\bdst_asn\b/g, 'peer_asn');
  return `
    SELECT src_asn, dst_asn, ip_version, sum(bytes) AS b, sum(l3_bytes) AS l3, sum(packets) AS p
    FROM member_traffic_1d
    WHERE bucket >= ${at('A')} AND bucket < ${at('B')} AND ${where}
    GROUP BY src_asn, dst_asn, ip_version
    UNION ALL
    SELECT src_asn, dst_asn, ip_version, sum(bytes) AS b, sum(l3_bytes) AS l3, sum(packets) AS p
    FROM member_traffic_1h
    WHERE ((bucket >= ${at('a')} AND bucket < ${at('A')}) OR (bucket >= ${at('B')} AND bucket < ${at('b')})) AND ${where}
    GROUP BY src_asn, dst_asn, ip_version
    UNION ALL
    SELECT asn AS src_asn, peer_asn AS dst_asn, ip_version, sum(in_bytes) AS b, sum(in_l3_bytes) AS l3, sum(in_packets) AS p
    FROM member_io_5m
    WHERE ((bucket >= ${at('from')} AND bucket < ${at('a')}) OR (bucket >= ${at('b')} AND bucket < ${at('to')}))
      AND (in_bytes, in_l3_bytes, in_packets, in_samples) != (0, 0, 0, 0) AND ${io}
    GROUP BY asn, peer_asn, ip_version`;
}
