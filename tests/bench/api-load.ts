/**
 * API under load on loopback (issue target: member traffic and statement endpoints at 200 requests/s
 * for 60 s, p99 < 100 ms, zero errors). Starts the all-in-one service in this process (embedded chDB,
 * private data dir, collectors off), seeds a month of member traffic and its statements, then drives
 * autocannon at a fixed rate. Run: node dist/tests/bench/api-load.js (BENCH_LOAD_SECONDS, BENCH_LOAD_RATE).
 *
 * Before the measured run every path is requested once, one at a time (BENCH_LOAD_WARMUP=0 skips it):
 * the measured run is the steady state, and the cold first touches (one query per answer, response
 * cache empty) are reported beside it. Note autocannon's coordinated-omission correction at a fixed rate
 * records a response of L ms as L samples (L, L−1, …, 1 ms), so a few slow responses weigh heavily on p99.
 */
import autocannon from 'autocannon';
import { loadConfig } from '../../src/config/load.js';
import { startService } from '../../src/runtime/service.js';
import { createLogger } from '../../src/shared/logger.js';
import { freeTcpPort, tempDir, uniqueName } from '../helpers/env.js';
import { childMain } from './queries.js';

const MONTH = '2026-10';
const START = Date.UTC(2026, 8, 30, 16) / 1000;

export async function benchApiLoad(
  seconds = Number(process.env.BENCH_LOAD_SECONDS ?? 60),
  rate = Number(process.env.BENCH_LOAD_RATE ?? 200),
  warmup = process.env.BENCH_LOAD_WARMUP !== '0',
) {
  const dir = tempDir('ixmeter-load-');
  const admin = 'load-admin-token-0123456789';
  const config = loadConfig({
    IXMETER_DATA_DIR: dir.path,
    IXMETER_HTTP_PORT: String(await freeTcpPort()),
    IXMETER_ADMIN_TOKEN: admin,
    IXMETER_LOG_LEVEL: 'warn',
    IXMETER_NETFLOW_PORT: '0',
    IXMETER_IPFIX_PORT: '0',
    IXMETER_SFLOW_PORT: '0',
    IXMETER_REDIS_PREFIX: uniqueName('load'),
    IXMETER_RATE_LIMIT_PER_MINUTE: '1000000',
  });
  const svc = await startService(config, createLogger('warn'), {
    parts: ['api', 'collector', 'worker'],
    installSignalHandlers: false,
  });
  try {
    const members = Array.from({ length: 50 }, (_, i) => ({
      asnum: 65000 + i,
      name: `LOAD ${i}`,
      connection_list: [],
      ixmeter: { member_type: 'cdn', first_production_date: '2026-01-01', subsidy_enrolled: true },
    }));
    await svc.domain.members.importRegistry(JSON.stringify({ member_list: members }), {
      source: 'bench',
      actor: 'bench',
    });
    await svc.storage.client.command({
      query: `INSERT INTO member_traffic_5m (bucket, src_asn, dst_asn, ip_version, bytes, l3_bytes, packets, samples)
      SELECT toDateTime(${START} + (number % 8928) * 300, 'UTC'), 65000 + intDiv(number, 8928) % 50, 65000 + (intDiv(number, 8928) * 7 + 3) % 50, 4,
             1000000000 + cityHash64(number) % 9000000000, 0, 0, 1 FROM numbers(${8928 * 50 * 4})`,
      clickhouse_settings: { insert_deduplicate: 0 },
    });
    await svc.storage.client.command({
      query: `INSERT INTO collector_activity_5m (bucket, exporter, flows) SELECT toDateTime(${START} + number * 300, 'UTC'), toIPv6('::ffff:192.0.2.1'), 1 FROM numbers(8928)`,
      clickhouse_settings: { insert_deduplicate: 0 },
    });
    for (const m of members) await svc.domain.statements.compute(m.asnum, MONTH, 'bench', 'bench');
    const token = (await svc.domain.tokens.create({ role: 'finance', createdBy: 'bench' })).token;
    const from = encodeURIComponent('2026-10-01T00:00:00+08:00');
    const to = encodeURIComponent('2026-11-01T00:00:00+08:00');
    const paths = members.flatMap((m) => [
      `/api/v1/members/${m.asnum}/traffic?from=${from}&to=${to}`,
      `/api/v1/members/${m.asnum}/statements/${MONTH}`,
    ]);
    const cold: number[] = [];
    if (warmup) {
      for (const p of paths) {
        const t0 = performance.now();
        const r = await fetch(`${svc.url!}${p}`, { headers: { authorization: `Bearer ${token}` } });
        await r.arrayBuffer();
        if (!r.ok) throw new Error(`warm-up ${p}: HTTP ${r.status}`);
        cold.push(performance.now() - t0);
      }
      cold.sort((a, b) => a - b);
    }
    let i = 0;
    const result = await autocannon({
      url: svc.url!,
      connections: 16,
      overallRate: rate,
      duration: seconds,
      headers: { authorization: `Bearer ${token}` },
      requests: [{ setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length]! }) }],
    });
    return {
      name: 'api load: member traffic (30 days) + statements, 50 members',
      rate,
      seconds,
      requests: result.requests.total,
      errors: result.errors + result.non2xx,
      timeouts: result.timeouts,
      latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
      /** The warm-up pass: each path once, sequentially, before the measured run (null: no warm-up). */
      firstTouchMs: cold.length
        ? { requests: cold.length, p50: Math.round(cold[cold.length >> 1]!), max: Math.round(cold.at(-1)!) }
        : null,
    };
  } finally {
    await svc.stop();
    dir.cleanup();
  }
}

export type ApiLoadReport = Awaited<ReturnType<typeof benchApiLoad>>;

export function apiLoadMarkdown(r: ApiLoadReport): string {
  return [
    `${r.name}: target ${r.rate} requests/s for ${r.seconds} s with p99 < 100 ms and zero errors (autocannon, 16 connections, loopback)` +
      (r.firstTouchMs
        ? `, after a warm-up pass requesting each of the ${r.firstTouchMs.requests} paths once (first touch: median ${r.firstTouchMs.p50} ms, max ${r.firstTouchMs.max} ms).`
        : ', no warm-up.'),
    '',
    '| requests | achieved req/s | errors | timeouts | p50 ms | p90 ms | p99 ms | max ms | target |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    `| ${r.requests} | ${(r.requests / r.seconds).toFixed(1)} | ${r.errors} | ${r.timeouts} | ${r.latencyMs.p50} | ${r.latencyMs.p90} | ${r.latencyMs.p99} | ${r.latencyMs.max} | ${r.latencyMs.p99 < 100 && r.errors === 0 && r.requests >= r.rate * r.seconds * 0.95 ? '✓' : '✗'} |`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  childMain('api-load', () => benchApiLoad());
}
