/** The minute job's detectors on real chDB: member traffic spike vs the same slots of previous weeks, and a silent exporter. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecurityScan } from '../../src/alerts/security-scan.js';
import { createDomainServices, type DomainServices } from '../../src/runtime/domain-services.js';
import { openMigratedStorage } from '../../src/runtime/storage-setup.js';
import { parseSecuritySettings } from '../../src/security/thresholds.js';
import type { Storage } from '../../src/storage/clickhouse/client.js';
import type { ExporterCounters } from '../../src/exporters/exporters.service.js';
import { silentLog, tempDir, testConfig } from '../helpers/env.js';

const dir = tempDir();
let storage: Storage;
let domain: DomainServices;
const SLOT = 300_000;
const NOW = Math.floor(Date.now() / SLOT) * SLOT + 60_000;
const exporter: ExporterCounters = {
  exporter: '192.0.2.77',
  firstSeenMs: NOW - 3600_000,
  lastSeenMs: NOW - 20 * 60_000,
  datagrams: 500,
  bytes: 1,
  datagramsByProtocol: { 'sflow-v5': 500 },
  flows: 4000,
  counterSamples: 0,
  errors: {},
  lostDatagrams: 0,
  lostSamples: 0,
  agentDrops: 0,
  pendingHeld: 0,
  templatesLearned: 0,
  templatesWithdrawn: 0,
  unknownSamplingFlows: 0,
  samplingRates: { 1024: 4000 },
  samplingSources: { sflow: 4000 },
};

beforeAll(async () => {
  const config = testConfig(join(dir.path, 'd'));
  ({ storage } = await openMigratedStorage(config, silentLog));
  domain = createDomainServices(storage, config, silentLog, {
    liveExporters: () => ({ id: 'c1', stats: [exporter], templates: {} }),
  });
});
afterAll(async () => {
  await storage?.close();
  dir.cleanup();
});

describe('security scan (minute job)', () => {
  it('raises a traffic spike against the previous weeks and a silent exporter', async () => {
    const last = Math.floor(NOW / SLOT) * SLOT - SLOT;
    const rows: string[] = [];
    const gbps = (g: number) => Math.round((g * 1e9 * 300) / 8);
    for (let w = 0; w <= 4; w++) {
      for (let s = 0; s < 3; s++) {
        const t = (last - s * SLOT - w * 7 * 86_400_000) / 1000;
        rows.push(JSON.stringify([t, 64500, 64501, 4, w === 0 ? gbps(12) : gbps(1 + 0.05 * w), 0, 0, 1]));
      }
    }
    await storage.client.command({
      query: `INSERT INTO member_traffic_5m (bucket, src_asn, dst_asn, ip_version, bytes, l3_bytes, packets, samples) FORMAT JSONCompactEachRow\n${rows.join('\n')}`,
    });
    const scan = createSecurityScan({
      client: storage.client,
      exporters: domain.exporters,
      reconciliation: domain.reconciliation,
      alerts: domain.alerts,
      settings: parseSecuritySettings({}),
    });
    const r = await scan(NOW);
    expect(r.candidates).toBeGreaterThanOrEqual(2);
    const staff = { tokenId: 't', name: 't', role: 'security' as const, asn: null };
    const alerts = await domain.alerts.list({ limit: 100, offset: 0 }, staff);
    const spike = alerts.find((a) => a.type === 'TRAFFIC_ANOMALY_SPIKE' && a.target === 'AS64500 in');
    expect(spike).toMatchObject({ source_asn: 64500, victim_asn: null });
    expect(alerts.find((a) => a.type === 'EXPORTER_SILENT')).toMatchObject({ target: '192.0.2.77' });
    expect(alerts.find((a) => a.type === 'TRAFFIC_ANOMALY_SPIKE' && a.target === 'AS64501 out')).toBeTruthy();
  });

  it('EXPORTER_SILENT: one alert per exporter and silent interval, not duplicated by a restart, ended with its interval when the exporter is back', async () => {
    const settings = parseSecuritySettings({});
    const staff = { tokenId: 't', name: 't', role: 'security' as const, asn: null };
    const silentOf = async (d: DomainServices) =>
      (await d.alerts.list({ limit: 100, offset: 0, type: 'EXPORTER_SILENT' }, staff)).filter(
        (a) => a.target === '192.0.2.77',
      );
    const before = await silentOf(domain);
    expect(before).toHaveLength(1); // opened by the previous test
    const silentFrom = exporter.lastSeenMs;
    // A restarted process: new services and a new checker on the same storage, the same persisted last-seen.
    const config = testConfig(join(dir.path, 'd'));
    const again = createDomainServices(storage, config, silentLog, {
      liveExporters: () => ({ id: 'c1', stats: [exporter], templates: {} }),
    });
    const scan2 = createSecurityScan({
      client: storage.client,
      exporters: again.exporters,
      reconciliation: again.reconciliation,
      alerts: again.alerts,
      settings,
    });
    await scan2(NOW + 60_000);
    expect((await silentOf(again)).map((a) => a.id)).toEqual(before.map((a) => a.id));
    // The exporter sends again: its counters show the quiet spell that ended.
    const back = NOW + 90_000;
    Object.assign(exporter, {
      lastSeenMs: back,
      lastGapFromMs: silentFrom,
      lastGapToMs: back,
      datagrams: exporter.datagrams + 1,
    });
    await scan2(NOW + 120_000);
    const ended = await again.alerts.get(before[0]!.id, staff);
    expect(ended).toMatchObject({
      status: 'resolved',
      first_seen: new Date(silentFrom).toISOString(),
      last_seen: new Date(back).toISOString(),
    });
    expect(ended.evidence).toMatchObject({ silentFromMs: silentFrom, silentToMs: back });
    expect(ended.history.at(-1)).toMatchObject({ event: 'resolved', actor: 'detector' });
    // A new silence is a new interval: a new alert.
    await scan2(back + 10 * 60_000);
    const now = await silentOf(again);
    expect(now).toHaveLength(2);
    expect(now.find((a) => a.id !== before[0]!.id)).toMatchObject({
      status: 'open',
      first_seen: new Date(back).toISOString(),
    });
  });
});
