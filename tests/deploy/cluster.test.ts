/**
 * docker-compose.cluster.yml and deploy/clickhouse/: a 2-shard × 2-replica ClickHouse cluster with Keeper,
 * Redis and the ixmeter parts, all with IXMETER_CLICKHOUSE_CLUSTER. Validated with Debian's docker-compose
 * (no container engine needed) and by rendering every migration for the cluster. Not run live here.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultMigrationsDir, readMigrations } from '../../src/storage/clickhouse/migrate.js';
import { renderStatements, splitStatements } from '../../src/storage/clickhouse/render.js';

const FILE = 'docker-compose.cluster.yml';
const env = {
  ...process.env,
  CLICKHOUSE_PASSWORD: 'ci-password',
  CLICKHOUSE_CLUSTER_SECRET: 'ci-cluster-secret',
  IXMETER_ADMIN_TOKEN: 'ci-admin-token-0123456789',
};
const NODES = ['ch-s1-r1', 'ch-s1-r2', 'ch-s2-r1', 'ch-s2-r2'];
const KEEPERS = ['keeper-1', 'keeper-2', 'keeper-3'];
const COLLECTORS = ['collector-1', 'collector-2', 'collector-3'];
const WORKERS = ['worker-1', 'worker-2'];

interface Service {
  image?: string;
  command?: string[];
  hostname?: string;
  healthcheck?: unknown;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: Array<{ published: number | string; target: number; protocol?: string }>;
  depends_on?: Record<string, { condition: string }>;
}

function config(): { services: Record<string, Service>; volumes: Record<string, unknown> } {
  const r = spawnSync('docker-compose', ['-f', FILE, 'config'], { env, encoding: 'utf8' });
  expect(r.error, 'docker-compose must be installed (apt-get install docker-compose)').toBeUndefined();
  expect(r.status, r.stderr).toBe(0);
  return parse(r.stdout) as { services: Record<string, Service>; volumes: Record<string, unknown> };
}

const macro = (xml: string, name: string): string | undefined =>
  new RegExp(`<${name}>\\s*([^<]*?)\\s*</${name}>`).exec(xml)?.[1];

describe('docker-compose.cluster.yml', () => {
  it('validates with docker-compose config -q', () => {
    const q = spawnSync('docker-compose', ['-f', FILE, 'config', '-q'], { env, encoding: 'utf8' });
    expect(q.error, 'docker-compose must be installed (apt-get install docker-compose)').toBeUndefined();
    expect(q.stderr).toBe('');
    expect(q.status).toBe(0);
  });

  it('refuses to render without the required secrets', () => {
    for (const missing of ['CLICKHOUSE_PASSWORD', 'CLICKHOUSE_CLUSTER_SECRET', 'IXMETER_ADMIN_TOKEN']) {
      const partial: Record<string, string | undefined> = { ...env };
      delete partial[missing];
      const r = spawnSync('docker-compose', ['-f', FILE, 'config', '-q'], {
        env: partial as NodeJS.ProcessEnv,
        encoding: 'utf8',
      });
      expect(r.status, missing).not.toBe(0);
      expect(r.stderr).toContain(missing);
    }
  });

  it('has 4 ClickHouse nodes, 3 Keeper nodes, Redis, 3 collectors, an API and 2 workers', () => {
    const doc = config();
    expect(Object.keys(doc.services).sort()).toEqual(
      [...NODES, ...KEEPERS, ...COLLECTORS, ...WORKERS, 'api', 'redis'].sort(),
    );
    const lts = readFileSync('docker-compose.yml', 'utf8').match(/clickhouse\/clickhouse-server:[\d.]+/)![0];
    for (const n of NODES) {
      const s = doc.services[n]!;
      expect(s.image, n).toBe(lts);
      expect(s.hostname).toBe(n);
      expect(s.healthcheck).toBeTruthy();
      expect(s.environment!.CLICKHOUSE_INTERSERVER_HOST).toBe(n);
      expect(s.environment!.CLICKHOUSE_CLUSTER_SECRET).toBe('ci-cluster-secret');
      const mounts = s.volumes!.map(String);
      expect(
        mounts.some((v) =>
          v.endsWith(`deploy/clickhouse/macros/${n}.xml:/etc/clickhouse-server/config.d/macros.xml:ro`),
        ),
        n,
      ).toBe(true);
      expect(
        mounts.some((v) =>
          v.endsWith('deploy/clickhouse/config.d/cluster.xml:/etc/clickhouse-server/config.d/cluster.xml:ro'),
        ),
      ).toBe(true);
      expect(Object.keys(s.depends_on!).sort()).toEqual(KEEPERS);
    }
    KEEPERS.forEach((k, i) => {
      const s = doc.services[k]!;
      expect(s.image).toBe(lts);
      expect(s.command).toEqual(['clickhouse', 'keeper', '--config-file', '/etc/clickhouse-keeper/keeper.xml']);
      expect(s.environment!.KEEPER_SERVER_ID).toBe(String(i + 1));
    });
  });

  it('runs every ixmeter part in server mode on the cluster, on one Redis', () => {
    const doc = config();
    const parts: Array<[string, string]> = [
      ['api', 'api'],
      ...COLLECTORS.map((c) => [c, 'collector'] as [string, string]),
      ...WORKERS.map((w) => [w, 'worker'] as [string, string]),
    ];
    for (const [name, cmd] of parts) {
      const s = doc.services[name]!;
      expect(s.command, name).toEqual([cmd]);
      expect(s.healthcheck, name).toBeTruthy();
      const e = s.environment!;
      expect(e.IXMETER_CLICKHOUSE_CLUSTER, name).toBe('ixmeter');
      expect(e.IXMETER_CLICKHOUSE_URL, name).toMatch(/^http:\/\/ch-s[12]-r[12]:8123$/);
      expect(e.IXMETER_CLICKHOUSE_DATABASE).toBe('ixmeter');
      expect(e.IXMETER_REDIS_URL).toBe('redis://redis:6379');
      expect(e.IXMETER_REDIS_PREFIX).toBe('ixmeter');
      expect(e.IXMETER_ADMIN_TOKEN).toBe('ci-admin-token-0123456789');
      expect(Object.keys(s.depends_on!).sort()).toEqual([...NODES, 'redis'].sort());
    }
    // Collectors: own state volume (templates, spool) and own host ports — one exporter, one collector.
    const published = new Set<string>();
    const stateVolumes = new Set<string>();
    for (const c of COLLECTORS) {
      const s = doc.services[c]!;
      expect(s.environment!.IXMETER_UDP_RECV_BUFFER_BYTES).toBe('67108864');
      const targets = s.ports!.map((p) => `${p.target}/${p.protocol}`).sort();
      expect(targets).toEqual(['2055/udp', '4739/udp', '6343/udp']);
      for (const p of s.ports!) {
        const key = `${p.published}/${p.protocol}`;
        expect(published.has(key), `${c} publishes ${key} twice`).toBe(false);
        published.add(key);
      }
      const state = s.volumes!.map(String).find((v) => /:\/var\/lib\/ixmeter(:rw)?$/.test(v));
      expect(state, c).toBeTruthy();
      stateVolumes.add(state!);
    }
    expect(stateVolumes.size).toBe(COLLECTORS.length);
    expect(doc.services.api!.ports!.map((p) => Number(p.published))).toEqual([8080]);
  });
});

/** Minimal XML well-formedness: comments without "--", every element closed in order. */
function checkXml(text: string): string | null {
  for (const c of text.matchAll(/<!--([\s\S]*?)-->/g)) if (c[1]!.includes('--')) return 'a comment contains "--"';
  const body = text.replace(/<!--[\s\S]*?-->/g, '').replace(/<\?xml[^>]*\?>/, '');
  const stack: string[] = [];
  for (const m of body.matchAll(/<(\/?)([A-Za-z_][\w.-]*)([^>]*?)(\/?)>/g)) {
    const [, close, name, , self] = m;
    if (self) continue;
    if (!close) stack.push(name!);
    else if (stack.pop() !== name) return `</${name}> does not close the open element`;
  }
  return stack.length ? `unclosed <${stack.join('>, <')}>` : null;
}

describe('deploy/clickhouse', () => {
  it('has well-formed XML files', () => {
    const files = [
      'config.d/cluster.xml',
      'keeper/keeper.xml',
      'users.d/ixmeter-profile.xml',
      ...NODES.map((n) => `macros/${n}.xml`),
    ];
    for (const f of files) expect(checkXml(readFileSync(join('deploy/clickhouse', f), 'utf8')), f).toBeNull();
  });

  it('gives every node distinct macros: {shard} per shard, {replica} unique in the whole cluster', () => {
    const files = readdirSync('deploy/clickhouse/macros').sort();
    expect(files).toEqual(NODES.map((n) => `${n}.xml`));
    const seen = new Map<string, string>();
    for (const n of NODES) {
      const xml = readFileSync(join('deploy/clickhouse/macros', `${n}.xml`), 'utf8');
      const [, s, r] = /^ch-s(\d)-r(\d)$/.exec(n)!;
      expect(macro(xml, 'shard'), n).toBe(s);
      expect(macro(xml, 'cluster')).toBe('ixmeter');
      const replica = macro(xml, 'replica')!;
      expect(replica).toBe(n);
      // `-- @replicated` tables share one path for all nodes (/clickhouse/tables/all/…): replica names must not repeat.
      expect(seen.has(replica)).toBe(false);
      seen.set(replica, n);
      expect(
        new Set(NODES.map((m) => macro(readFileSync(join('deploy/clickhouse/macros', `${m}.xml`), 'utf8'), 'shard')))
          .size,
      ).toBe(2);
    }
  });

  it('defines cluster "ixmeter" with 2 shards × 2 replicas, internal replication and Keeper', () => {
    const xml = readFileSync('deploy/clickhouse/config.d/cluster.xml', 'utf8');
    const cluster = /<ixmeter>([\s\S]*?)<\/ixmeter>/.exec(xml)![1]!;
    const shards = [...cluster.matchAll(/<shard>([\s\S]*?)<\/shard>/g)].map((m) => m[1]!);
    expect(shards).toHaveLength(2);
    const hosts = shards.map((s) => [...s.matchAll(/<host>([^<]+)<\/host>/g)].map((m) => m[1]));
    expect(hosts).toEqual([
      ['ch-s1-r1', 'ch-s1-r2'],
      ['ch-s2-r1', 'ch-s2-r2'],
    ]);
    for (const s of shards) expect(s).toContain('<internal_replication>true</internal_replication>');
    expect(cluster).toMatch(/<secret from_env="CLICKHOUSE_CLUSTER_SECRET"\/>/);
    const zk = /<zookeeper>([\s\S]*?)<\/zookeeper>/.exec(xml)![1]!;
    expect([...zk.matchAll(/<host>([^<]+)<\/host>/g)].map((m) => m[1])).toEqual(KEEPERS);
    const keeper = readFileSync('deploy/clickhouse/keeper/keeper.xml', 'utf8');
    expect([...keeper.matchAll(/<hostname>([^<]+)<\/hostname>/g)].map((m) => m[1])).toEqual(KEEPERS);
    expect(keeper).toContain('<server_id from_env="KEEPER_SERVER_ID"/>');
  });
});

describe('migrations rendered for the cluster', () => {
  it('renders every migration file in order: _local Replicated + Distributed tables, MVs on _local tables', () => {
    const vars = { RAW_RETENTION_DAYS: 190, ROLLUP_RETENTION_DAYS: 1827 };
    const sharded = new Set<string>();
    const files = readMigrations(defaultMigrationsDir());
    expect(files.length).toBeGreaterThan(0);
    const localTables = new Set<string>();
    for (const file of files) {
      const parsed = splitStatements(file.text);
      const out = renderStatements(parsed, { cluster: 'ixmeter', vars }, sharded);
      for (const sql of out) {
        // A backfill (INSERT … SELECT) or a check (SELECT throwIf) runs once, through the Distributed tables.
        if (/^(INSERT|SELECT)\b/i.test(sql)) {
          expect(sql, file.name).not.toMatch(/ ON CLUSTER /);
          if (/^INSERT\b/i.test(sql)) expect(sql, file.name).toMatch(/insert_distributed_sync = 1/);
        } else expect(sql, file.name).toMatch(/ ON CLUSTER ixmeter\b/);
        expect(sql, file.name).not.toMatch(/\{\{/);
      }
      let i = 0;
      for (const st of parsed) {
        const create = /^CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS\s+(\w+)/i.exec(st.sql);
        const mv = /^CREATE\s+MATERIALIZED\s+VIEW\s+IF\s+NOT\s+EXISTS\s+(\w+)\s+TO\s+(\w+)/i.exec(st.sql);
        if (create && st.replicated) {
          const name = create[1]!;
          expect(out[i], `${file.name} ${name}`).toMatch(
            new RegExp(
              `^CREATE TABLE IF NOT EXISTS ${name} ON CLUSTER ixmeter [\\s\\S]*ENGINE = Replicated\\w*MergeTree\\('/clickhouse/tables/all/\\{database\\}/${name}', '\\{replica\\}'`,
            ),
          );
          i += 1;
        } else if (create) {
          const name = create[1]!;
          expect(out[i], `${file.name} ${name}`).toMatch(
            new RegExp(
              `^CREATE TABLE IF NOT EXISTS ${name}_local ON CLUSTER ixmeter [\\s\\S]*ENGINE = Replicated\\w*MergeTree\\('/clickhouse/tables/\\{shard\\}/\\{database\\}/${name}_local', '\\{replica\\}'`,
            ),
          );
          const key = st.shardKey ?? 'rand()';
          expect(out[i + 1]).toBe(
            `CREATE TABLE IF NOT EXISTS ${name} ON CLUSTER ixmeter AS ${name}_local ENGINE = Distributed(ixmeter, currentDatabase(), ${name}_local, ${key})`,
          );
          localTables.add(name);
          i += 2;
        } else if (mv) {
          const [, name, target] = mv;
          expect(sharded.has(target!), `${name} writes to a sharded table`).toBe(true);
          expect(out[i]).toMatch(
            new RegExp(`^CREATE MATERIALIZED VIEW IF NOT EXISTS ${name} ON CLUSTER ixmeter TO ${target}_local AS`),
          );
          const sources = [...out[i]!.matchAll(/\b(?:FROM|JOIN)\s+(\w+)/gi)].map((m) => m[1]!);
          expect(sources.length).toBeGreaterThan(0);
          for (const src of sources) expect(src, `${name} reads ${src}`).toMatch(/_local$/);
          i += 1;
        } else {
          i += 1;
        }
      }
      expect(i, file.name).toBe(out.length);
    }
    // The big tables are sharded; the small ones are full copies on every node.
    for (const t of [
      'flows_raw',
      'interface_counters_raw',
      'member_traffic_5m',
      'member_io_5m',
      'member_traffic_1h',
      'port_counters_5m',
      'collector_activity_5m',
      'alert_events',
    ]) {
      expect(localTables.has(t), t).toBe(true);
    }
    for (const t of ['api_tokens', 'audit_log', 'members', 'member_assignments', 'statements', 'subsidy_policies'])
      expect(sharded.has(t), t).toBe(false);
  });
});
