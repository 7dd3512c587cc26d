/** Migration 0041 (fabric_traffic_5m) against real embedded ClickHouse (chDB): see tests/helpers/rollup-backfill-check.ts. */
import { rollupBackfillSuite } from '../helpers/rollup-backfill-check.js';

rollupBackfillSuite({
  file: '0041_create_fabric_traffic_5m.sql',
  table: 'fabric_traffic_5m',
  key: (r) => `${r.bucket} v${r.ip_version}`,
  storedSql: `SELECT concat(toString(toUnixTimestamp(bucket)), ' v', toString(ip_version)),
                     toString(sum(bytes)), toString(sum(l3_bytes)), toString(sum(packets)), toString(sum(samples))
              FROM fabric_traffic_5m GROUP BY bucket, ip_version`,
  truncateWhere: 'ip_version = 6',
});
