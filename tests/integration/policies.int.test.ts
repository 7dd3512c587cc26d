/**
 * Policy versions on real chDB: a policy that changes mid-year applies to the months it covers, the
 * annual cap counts the whole year across versions, documents are never edited in place.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDomainServices, type DomainServices } from '../../src/runtime/domain-services.js';
import { openMigratedStorage } from '../../src/runtime/storage-setup.js';
import type { Storage } from '../../src/storage/clickhouse/client.js';
import { silentLog, tempDir, testConfig } from '../helpers/env.js';
import { ixfDoc } from '../helpers/ixf.js';

const dir = tempDir();
let storage: Storage;
let d: DomainServices;
const example = readFileSync('policies/example-policy.yaml', 'utf8');
const version = (v: number, from: string, to: string | null, rate: string) =>
  example
    .replace('policy_id: EXAMPLE-ZW-TRAFFIC-2022', 'policy_id: TEST-MIDYEAR')
    .replace('version: 1', `version: ${v}`)
    .replace('effective_from: "2022-07-01"', `effective_from: "${from}"`)
    .replace('effective_to: "2025-12-31"', `effective_to: ${to ? `"${to}"` : 'null'}`)
    .replace('{ lower: 0, upper: 10, rate: "1000.00" }', `{ lower: 0, upper: 10, rate: "${rate}" }`);

beforeAll(async () => {
  const config = testConfig(join(dir.path, 'd'));
  ({ storage } = await openMigratedStorage(config, silentLog));
  d = createDomainServices(storage, config, silentLog);
  await d.members.importRegistry(
    JSON.stringify(
      ixfDoc([{ asn: 64500, macs: ['02:00:00:00:00:01'], firstProduction: '2026-01-01', enrolled: true }]),
    ),
    { source: 't', actor: 't' },
  );
});
afterAll(async () => {
  await storage?.close();
  dir.cleanup();
});

describe('policy versions', () => {
  it('applies the version in effect for each month and never edits one in place', async () => {
    await d.policies.add(version(1, '2026-01-01', '2026-06-30', '1000.00'), 'finance-a');
    await d.policies.add(version(2, '2026-07-01', null, '800.00'), 'finance-a');
    expect((await d.policies.forMonth('2026-06')).version).toBe(1);
    expect((await d.policies.forMonth('2026-07')).version).toBe(2);
    expect((await d.policies.forMonth('2025-12')).policy_id).toBe('EXAMPLE-ZW-TRAFFIC-2022'); // nothing registered covers it
    await expect(d.policies.add(version(2, '2026-07-01', null, '700.00'), 'finance-b')).rejects.toMatchObject({
      code: 'IXMETER_ERR_VALIDATION',
      message: expect.stringContaining('exists'),
    });
    await expect(d.policies.add(example.replace('"1000.00"', '1000.0'), 'finance-b')).rejects.toMatchObject({
      message: expect.stringContaining('decimal string'),
    });
  });

  it('prices June under version 1 and July under version 2, with year-to-date carried across', async () => {
    const START = (m: string) => Date.parse(`${m}-01T00:00:00+08:00`) / 1000;
    for (const m of ['2026-06', '2026-07']) {
      await storage.client.command({
        query: `INSERT INTO member_traffic_5m (bucket, src_asn, dst_asn, ip_version, bytes, l3_bytes, packets, samples)
        SELECT toDateTime(${START(m)} + number * 300, 'UTC'), 64500, 64501, 4, 75000000000, 0, 0, 1 FROM numbers(${30 * 288})`,
        clickhouse_settings: { insert_deduplicate: 0 },
      });
      await storage.client.command({
        query: `INSERT INTO collector_activity_5m (bucket, exporter, flows) SELECT toDateTime(${START(m)} + number * 300, 'UTC'), toIPv6('::ffff:192.0.2.1'), 1 FROM numbers(${31 * 288})`,
        clickhouse_settings: { insert_deduplicate: 0 },
      });
    }
    const june = await d.statements.compute(64500, '2026-06', 'finance-a', 'r1');
    const july = await d.statements.compute(64500, '2026-07', 'finance-a', 'r2');
    const jd = (await d.statements.get(64500, '2026-06')).document;
    const yd = (await d.statements.get(64500, '2026-07')).document;
    expect(jd.subsidy.policy).toMatchObject({ id: 'TEST-MIDYEAR', version: 1 });
    expect(yd.subsidy.policy).toMatchObject({ id: 'TEST-MIDYEAR', version: 2 });
    expect(jd.billable_bps).toBe(2_000_000_000); // 75 GB per 5 minutes = 2 Gbps
    expect(june.amount_cny).toBe('2000.00'); // 2 Gbps × 1000 CNY
    expect(july.amount_cny).toBe('1600.00'); // 2 Gbps × 800 CNY
    const cap = yd.subsidy.annual_cap as { ytdPaidFen: string } | null;
    expect(cap?.ytdPaidFen).toBe('200000'); // June's 2000.00 counted toward July's annual cap
  });
});
