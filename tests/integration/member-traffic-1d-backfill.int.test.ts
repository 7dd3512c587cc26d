/** Migration 0040 (member_traffic_1d) against real embedded ClickHouse (chDB): see tests/helpers/rollup-backfill-check.ts. */
import { rollupBackfillSuite } from '../helpers/rollup-backfill-check.js';

rollupBackfillSuite({
  file: '0040_create_member_traffic_1d.sql',
  table: 'member_traffic_1d',
  key: (r) => `${Math.floor(r.bucket / 86_400) * 86_400} ${r.src_asn}>${r.dst_asn} v${r.ip_version}`,
  storedSql: `SELECT concat(toString(toUnixTimestamp(bucket)), ' ', toString(src_asn), '>', toString(dst_asn), ' v', toString(ip_version)),
                     toString(sum(bytes)), toString(sum(l3_bytes)), toString(sum(packets)), toString(sum(samples))
              FROM member_traffic_1d GROUP BY bucket, src_asn, dst_asn, ip_version`,
  truncateWhere: 'src_asn = 64502',
});
