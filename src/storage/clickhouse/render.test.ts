import { describe, expect, it } from 'vitest';
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
    const out = renderStatements(splitStatements(SQL), { cluster: undefined, vars: { RAW_RETENTION_DAYS: 190 } }, new Set());
    expect(out[0]).toContain('TTL ts + INTERVAL 190 DAY');
    expect(out[0]).toContain('ENGINE = MergeTree PARTITION BY');
    expect(out.join('\n')).not.toMatch(/ON CLUSTER|Replicated|Distributed|_local/);
  });

  it('renders ON CLUSTER, Replicated engines and Distributed tables for a cluster', () => {
    const out = renderStatements(splitStatements(SQL), { cluster: 'ixc', vars: { RAW_RETENTION_DAYS: 190 } }, new Set());
    expect(out[0]).toMatch(/^CREATE TABLE IF NOT EXISTS flows_raw_local ON CLUSTER ixc \(/);
    expect(out[0]).toContain("ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/flows_raw_local', '{replica}') PARTITION BY");
    expect(out[1]).toBe('CREATE TABLE IF NOT EXISTS flows_raw ON CLUSTER ixc AS flows_raw_local ENGINE = Distributed(ixc, currentDatabase(), flows_raw_local, cityHash64(src_asn))');
    expect(out[2]).toContain("ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/flows_5m_local', '{replica}', (bytes))");
    expect(out[3]).toContain('Distributed(ixc, currentDatabase(), flows_5m_local, rand())');
    expect(out[4]).toMatch(/^CREATE MATERIALIZED VIEW IF NOT EXISTS flows_5m_mv ON CLUSTER ixc TO flows_5m_local AS\nSELECT .* FROM flows_raw_local GROUP BY bucket$/s);
    expect(out[5]).toBe("CREATE TABLE IF NOT EXISTS api_tokens ON CLUSTER ixc (id String, version UInt64) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/all/{database}/api_tokens', '{replica}', version) ORDER BY id");
    expect(out[6]).toBe('ALTER TABLE flows_raw_local ON CLUSTER ixc ADD COLUMN IF NOT EXISTS vlan UInt16');
    expect(out[7]).toBe('ALTER TABLE flows_raw ON CLUSTER ixc ADD COLUMN IF NOT EXISTS vlan UInt16');
    expect(out[8]).toBe('ALTER TABLE api_tokens ON CLUSTER ixc MODIFY TTL toDateTime(version) + INTERVAL 1 YEAR');
    expect(out).toHaveLength(9);
  });

  it('rejects unknown placeholders and unterminated statements', () => {
    expect(() => renderStatements(splitStatements('SELECT {{NOPE}};'), { cluster: undefined, vars: {} }, new Set())).toThrow(/unknown placeholder/);
    expect(() => splitStatements('CREATE TABLE x (a UInt8) ENGINE = Memory')).toThrow(/does not end/);
  });
});
