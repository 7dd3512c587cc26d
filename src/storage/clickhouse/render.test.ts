import { describe, expect, it } from 'vitest';
import { defaultMigrationsDir, readMigrations } from './migrate.js';
import { renderStatements, splitStatements } from './render.js';

const SQL = `-- header comment
-- @shard_key: cityHash64(src_asn)
CREATE TABLE IF NOT EXISTS flows_raw (
  ts DateTime,
  src_asn Nullable(UInt32)
) ENGINE = MergeTree PARTITION BY toYYYYMMDD(ts) ORDER BY ts TTL ts + INTERVAL {{RAW_RETENTION_DAYS}} DAY;

CREATE TABLE IF NOT EXISTS flows_5m (
  bucket DateTime,
  bytes UInt64
) ENGINE = SummingMergeTree((bytes)) ORDER BY bucket;

CREATE MATERIALIZED VIEW IF NOT EXISTS flows_5m_mv TO flows_5m AS
SELECT toStartOfFiveMinutes(ts) AS bucket, sum(1) AS bytes FROM flows_raw GROUP BY bucket;

-- @replicated
CREATE TABLE IF NOT EXISTS api_tokens (id String, version UInt64) ENGINE = ReplacingMergeTree(version) ORDER BY id;

ALTER TABLE flows_raw ADD COLUMN IF NOT EXISTS vlan UInt16;
ALTER TABLE api_tokens MODIFY TTL toDateTime(version) + INTERVAL 1 YEAR;
`;

describe('migration rendering', () => {
  it('splits statements and keeps directives', () => {
    const st = splitStatements(SQL);
    expect(st).toHaveLength(6);
    expect(st[0]!.shardKey).toBe('cityHash64(src_asn)');
    expect(st[3]!.replicated).toBe(true);
    expect(st[1]!.shardKey).toBeUndefined();
  });

  it('renders single-node DDL unchanged except placeholders', () => {
    const out = renderStatements(
      splitStatements(SQL),
      { cluster: undefined, vars: { RAW_RETENTION_DAYS: 190 } },
      new Set(),
    );
    expect(out[0]).toContain('TTL ts + INTERVAL 190 DAY');
    expect(out[0]).toContain('ENGINE = MergeTree PARTITION BY');
    expect(out.join('\n')).not.toMatch(/ON CLUSTER|Replicated|Distributed|_local/);
  });

  it('renders ON CLUSTER, Replicated engines and Distributed tables for a cluster', () => {
    const out = renderStatements(
      splitStatements(SQL),
      { cluster: 'ixc', vars: { RAW_RETENTION_DAYS: 190 } },
      new Set(),
    );
    expect(out[0]).toMatch(/^CREATE TABLE IF NOT EXISTS flows_raw_local ON CLUSTER ixc \(/);
    expect(out[0]).toContain(
      "ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/flows_raw_local', '{replica}') PARTITION BY",
    );
    expect(out[1]).toBe(
      'CREATE TABLE IF NOT EXISTS flows_raw ON CLUSTER ixc AS flows_raw_local ENGINE = Distributed(ixc, currentDatabase(), flows_raw_local, cityHash64(src_asn))',
    );
    expect(out[2]).toContain(
      "ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/flows_5m_local', '{replica}', (bytes))",
    );
    expect(out[3]).toContain('Distributed(ixc, currentDatabase(), flows_5m_local, rand())');
    expect(out[4]).toMatch(
      /^CREATE MATERIALIZED VIEW IF NOT EXISTS flows_5m_mv ON CLUSTER ixc TO flows_5m_local AS\nSELECT .* FROM flows_raw_local GROUP BY bucket$/s,
    );
    expect(out[5]).toBe(
      "CREATE TABLE IF NOT EXISTS api_tokens ON CLUSTER ixc (id String, version UInt64) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/all/{database}/api_tokens', '{replica}', version) ORDER BY id",
    );
    expect(out[6]).toBe('ALTER TABLE flows_raw_local ON CLUSTER ixc ADD COLUMN IF NOT EXISTS vlan UInt16');
    expect(out[7]).toBe('ALTER TABLE flows_raw ON CLUSTER ixc ADD COLUMN IF NOT EXISTS vlan UInt16');
    expect(out[8]).toBe('ALTER TABLE api_tokens ON CLUSTER ixc MODIFY TTL toDateTime(version) + INTERVAL 1 YEAR');
    expect(out).toHaveLength(9);
  });

  it('runs a backfill INSERT … SELECT and a check SELECT once, through the Distributed tables', () => {
    const sql = `CREATE TABLE IF NOT EXISTS io_5m (asn UInt32, bytes UInt64) ENGINE = SummingMergeTree((bytes)) ORDER BY asn;
INSERT INTO io_5m (asn, bytes)
SELECT src_asn, bytes FROM flows_raw WHERE (SELECT count() FROM io_5m) = 0;
SELECT throwIf((SELECT sum(bytes) FROM io_5m) != (SELECT sum(bytes) FROM flows_raw), 'mismatch');
INSERT INTO api_tokens SELECT 'x', 1;
`;
    const single = renderStatements(splitStatements(sql), { cluster: undefined, vars: {} }, new Set());
    expect(single[1]).toBe(
      'INSERT INTO io_5m (asn, bytes)\nSELECT src_asn, bytes FROM flows_raw WHERE (SELECT count() FROM io_5m) = 0',
    );
    const out = renderStatements(splitStatements(sql), { cluster: 'ixc', vars: {} }, new Set(['flows_raw']));
    expect(out).toHaveLength(5);
    expect(out[2]).toBe(
      'INSERT INTO io_5m (asn, bytes) SETTINGS insert_distributed_sync = 1 SELECT src_asn, bytes FROM flows_raw WHERE (SELECT count() FROM io_5m) = 0',
    );
    expect(out[3]).toBe(
      "SELECT throwIf((SELECT sum(bytes) FROM io_5m) != (SELECT sum(bytes) FROM flows_raw), 'mismatch')",
    );
    expect(out[4]).toBe("INSERT INTO api_tokens SELECT 'x', 1");
  });

  it('renders migration 0011 (member_io_5m) for a cluster: shard tables, a backfill through Distributed, a view on the shards', () => {
    const sharded = new Set<string>();
    const ctx = { cluster: 'ixc', vars: { RAW_RETENTION_DAYS: 190, ROLLUP_RETENTION_DAYS: 1827 } };
    let out: string[] = [];
    for (const f of readMigrations(defaultMigrationsDir())) {
      const r = renderStatements(splitStatements(f.text), ctx, sharded);
      if (f.name === '0011_create_member_io_5m.sql') out = r;
    }
    expect(out).toHaveLength(5);
    expect(out[0]).toMatch(/^CREATE TABLE IF NOT EXISTS member_io_5m_local ON CLUSTER ixc \(/);
    expect(out[0]).toContain(
      "ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/member_io_5m_local', '{replica}', (in_bytes,",
    );
    expect(out[1]).toBe(
      'CREATE TABLE IF NOT EXISTS member_io_5m ON CLUSTER ixc AS member_io_5m_local ENGINE = Distributed(ixc, currentDatabase(), member_io_5m_local, cityHash64(asn))',
    );
    expect(out[2]).toMatch(
      /^INSERT INTO member_io_5m \([^)]*\) SETTINGS insert_distributed_sync = 1 SELECT\n[\s\S]*\nFROM member_traffic_5m\nARRAY JOIN \[0, 1\] AS side\nWHERE \(SELECT count\(\) FROM member_io_5m\) = 0$/,
    );
    expect(out[3]).toMatch(/^SELECT throwIf\(/);
    expect(out[3]).toContain('INTERVAL 1827 DAY');
    expect(out[4]).toMatch(
      /^CREATE MATERIALIZED VIEW IF NOT EXISTS member_io_5m_mv ON CLUSTER ixc TO member_io_5m_local AS\nSELECT[\s\S]*\nFROM member_traffic_5m_local\nARRAY JOIN \[0, 1\] AS side$/,
    );
  });

  it('renders migration 0012 (member_traffic_1h) for a cluster: shard tables, a backfill through Distributed, a view on the shards', () => {
    const sharded = new Set<string>();
    const ctx = { cluster: 'ixc', vars: { RAW_RETENTION_DAYS: 190, ROLLUP_RETENTION_DAYS: 1827 } };
    let out: string[] = [];
    for (const f of readMigrations(defaultMigrationsDir())) {
      const r = renderStatements(splitStatements(f.text), ctx, sharded);
      if (f.name === '0012_create_member_traffic_1h.sql') out = r;
    }
    expect(out).toHaveLength(5);
    expect(out[0]).toContain(
      "ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/member_traffic_1h_local', '{replica}', (bytes,",
    );
    expect(out[1]).toBe(
      'CREATE TABLE IF NOT EXISTS member_traffic_1h ON CLUSTER ixc AS member_traffic_1h_local ENGINE = Distributed(ixc, currentDatabase(), member_traffic_1h_local, cityHash64(src_asn, dst_asn))',
    );
    expect(out[2]).toMatch(
      /^INSERT INTO member_traffic_1h \([^)]*\) SETTINGS insert_distributed_sync = 1 SELECT toStartOfHour\(bucket\)[\s\S]*\nFROM member_traffic_5m\nWHERE \(SELECT count\(\) FROM member_traffic_1h\) = 0$/,
    );
    expect(out[3]).toMatch(/^SELECT throwIf\(/);
    expect(out[3]).toContain('INTERVAL 1827 DAY');
    expect(out[4]).toMatch(
      /^CREATE MATERIALIZED VIEW IF NOT EXISTS member_traffic_1h_mv ON CLUSTER ixc TO member_traffic_1h_local AS\nSELECT toStartOfHour\(bucket\) AS bucket,[\s\S]*\nFROM member_traffic_5m_local$/,
    );
  });

  it('rejects unknown placeholders and unterminated statements', () => {
    expect(() =>
      renderStatements(splitStatements('SELECT {{NOPE}};'), { cluster: undefined, vars: {} }, new Set()),
    ).toThrow(/unknown placeholder/);
    expect(() => splitStatements('CREATE TABLE x (a UInt8) ENGINE = Memory')).toThrow(/does not end/);
  });
});
