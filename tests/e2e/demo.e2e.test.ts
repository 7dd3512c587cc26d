/**
 * `ixmeter demo` as a real process on a fresh embedded data directory: starts the service, seeds the
 * previous month, runs its statements, prints working tokens, sends live NetFlow v9/IPFIX/sFlow over
 * UDP with an attack and L2 violations, and exits 0 after --duration. Afterwards storage shows members,
 * previous-month and live flows, a statement per member and alerts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { openMigratedStorage } from '../../src/runtime/storage-setup.js';
import { previousMonthRange } from '../../src/demo/fabric.js';
import { freeTcpPort, freeUdpPort, silentLog, tempDir, uniqueName } from '../helpers/env.js';
import { spawnCli } from '../helpers/service.js';

const dir = tempDir('ixmeter-demo-e2e-');
afterAll(() => dir.cleanup());

describe('ixmeter demo', () => {
  it('seeds last month, runs statements, prints working tokens, drives the collectors and stops cleanly', async () => {
    const port = await freeTcpPort();
    const env = {
      IXMETER_DATA_DIR: dir.path,
      IXMETER_HTTP_PORT: String(port),
      IXMETER_CLICKHOUSE_DATABASE: uniqueName('demo'),
      IXMETER_REDIS_PREFIX: uniqueName('demo'),
      IXMETER_NETFLOW_PORT: String(await freeUdpPort()),
      IXMETER_IPFIX_PORT: String(await freeUdpPort()),
      IXMETER_SFLOW_PORT: String(await freeUdpPort()),
    };
    const t0 = Date.now();
    const p = spawnCli(['demo', '--duration', '25', '--members', '8', '--rate', '500'], env);
    const url = `http://127.0.0.1:${port}`;

    // While the demo runs: the printed tokens work against the API with their roles.
    const deadline = Date.now() + 85_000;
    while (!/^live: /m.test(p.stdout()) && p.child.exitCode === null && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 250));
    const out = p.stdout();
    expect(out, p.stderr()).toMatch(/^live: NetFlow v9 → udp\/\d+, IPFIX → udp\/\d+, sFlow v5/m);
    expect(out).toContain(`console   ${url}/`);
    expect(out).toContain(`API docs  ${url}/api/docs`);
    const tokens = Object.fromEntries(
      [...out.matchAll(/^\s+(admin|finance|security|auditor|member)\s+(ixm_\S+)/gm)].map((m) => [m[1]!, m[2]!]),
    );
    expect(Object.keys(tokens).sort()).toEqual(['admin', 'auditor', 'finance', 'member', 'security']);
    const get = async (token: string, path: string) =>
      (await fetch(`${url}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } })).status;
    expect(await get(tokens.admin!, '/tokens')).toBe(200);
    const { month } = previousMonthRange(Date.now(), 'Asia/Shanghai');
    expect(await get(tokens.finance!, `/statements/${month}`)).toBe(200);
    expect(await get(tokens.security!, '/alerts')).toBe(200);
    expect(await get(tokens.auditor!, '/tokens')).toBe(200);
    expect(await get(tokens.member!, '/members')).toBe(200);
    expect(await get(tokens.member!, '/tokens')).toBe(403);

    expect(await p.exited, p.stderr()).toBe(0);
    expect(Date.now() - t0).toBeLessThan(120_000);
    expect(p.stdout()).toMatch(/^demo stopped\.$/m);

    // After exit: what the demo left in storage.
    const { storage } = await openMigratedStorage(loadConfig({ ...env, IXMETER_LOG_LEVEL: 'silent' }), silentLog);
    try {
      const q = async (sql: string, params: Record<string, unknown> = {}) =>
        Number(
          (
            await (
              await storage.client.query({ query: sql, query_params: params, format: 'JSONEachRow' })
            ).json<{ n: string }>()
          )[0]?.n ?? 0,
        );
      const range = previousMonthRange(Date.now(), 'Asia/Shanghai');
      const asns = await q("SELECT toString(uniqExact(asn)) AS n FROM members WHERE startsWith(name, 'DEMO')");
      expect(asns).toBe(8);
      const histFlows = await q(
        `SELECT toString(count()) AS n FROM flows_raw WHERE received_at >= fromUnixTimestamp64Milli({f:Int64}) AND received_at < fromUnixTimestamp64Milli({t:Int64})
           AND src_asn != 0 AND dst_asn != 0 AND exporter IN (toIPv6('::ffff:198.18.0.1'), toIPv6('::ffff:198.18.0.2'), toIPv6('::ffff:198.18.0.3'))`,
        { f: range.startMs, t: range.endMs },
      );
      expect(histFlows).toBeGreaterThan(100_000);
      const liveByProto = await (
        await storage.client.query({
          query: `SELECT protocol, toString(count()) AS n FROM flows_raw WHERE received_at >= fromUnixTimestamp64Milli({t:Int64}) AND exporter IN (toIPv6('::ffff:127.0.0.1'), toIPv6('::ffff:198.18.0.3')) GROUP BY protocol`, // sFlow: the agent address is the exporter
          query_params: { t: t0 },
          format: 'JSONEachRow',
        })
      ).json<{ protocol: string; n: string }>();
      expect(Object.fromEntries(liveByProto.map((r) => [r.protocol, Number(r.n) > 0]))).toEqual({
        'netflow-v9': true,
        ipfix: true,
        'sflow-v5': true,
      });
      const stmts = await q(`SELECT toString(uniqExact(asn)) AS n FROM statements WHERE month = {m:String}`, {
        m: month,
      });
      expect(stmts).toBe(8);
      const paid = await q(
        `SELECT toString(countIf(amount_fen > 0)) AS n FROM (SELECT asn, argMax(amount_fen, version) AS amount_fen FROM statements WHERE month = {m:String} GROUP BY asn)`,
        { m: month },
      );
      expect(paid).toBeGreaterThan(0);
      const alertTypes = await (
        await storage.client.query({ query: 'SELECT DISTINCT type FROM alert_events', format: 'JSONEachRow' })
      ).json<{ type: string }>();
      const types = alertTypes.map((r) => r.type);
      expect(types.length, JSON.stringify(types)).toBeGreaterThan(0);
      expect(types).toContain('DDOS_AMPLIFICATION');
    } finally {
      await storage.close();
    }
  }, 150_000);
});
