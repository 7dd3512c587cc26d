/**
 * A realistic statement document for the renderer tests, built with the real engine: two ports with a
 * diurnal traffic curve (~8–12 Gbps), a few missing samples, a confirmed-attack exclusion, peers whose
 * byte counts exceed 2^53, the shipped EXAMPLE policy, and a member name that needs escaping.
 */
import { buildDocument, type StatementDocument } from '../document.js';
import { buildMonthlyStatement } from '../statement.js';
import type { PortInput } from '../statement.types.js';
import { monthBounds } from '../time.js';
import { computeSubsidy } from '../../subsidies/engine.js';
import { loadExamplePolicy } from '../../subsidies/policy.loader.js';

export const FIXTURE_MONTH = '2025-04';
const TZ = 'Asia/Shanghai';

export function fixtureDocument(over: { name?: string; nameZh?: string; version?: number } = {}): StatementDocument {
  const b = monthBounds(FIXTURE_MONTH, TZ);
  const ports: PortInput[] = ['zw-sw1:Eth1/1', 'zw-sw2:Eth1/1'].map((portId, p) => ({
    portId,
    speedGbps: 10,
    samples: Array.from({ length: b.expectedBuckets }, (_, i) => i)
      .filter((i) => !(p === 0 && i % 97 === 5))
      .map((i) => {
        const phase = (2 * Math.PI * (i % 288)) / 288;
        const inGbps = 2.0 + 1.2 * Math.sin(phase) + 0.1 * p + (i % 7) * 0.01;
        const outGbps = 2.6 + 1.4 * Math.sin(phase + 0.4) + 0.05 * p + (i % 5) * 0.013;
        return {
          ts: b.start + i * 300_000,
          inBytes: BigInt(Math.round((inGbps * 1e9 * 300) / 8)),
          outBytes: BigInt(Math.round((outGbps * 1e9 * 300) / 8)),
        };
      }),
  }));
  const attackFrom = Date.parse('2025-04-10T02:00:00+08:00');
  const statement = buildMonthlyStatement({
    asn: 64500,
    memberName: over.name ?? 'Acme <CDN> & "Co"',
    month: FIXTURE_MONTH,
    timeZone: TZ,
    percentileMethod: 'MAX_DIRECTION',
    ports,
    exclusions: [{ from: attackFrom, to: attackFrom + 2 * 3_600_000, reason: 'confirmed_attack', ref: 'ALERT-42' }],
    peers: [
      { asn: 4134, name: 'CHINANET', inBytes: 9_100_000_000_000_000n, outBytes: 4_200_000_000_000_000n },
      { asn: 4837, name: 'CHINA169', inBytes: 3_000_000_000_000n, outBytes: 2_500_000_000_000n },
      { asn: 9808, name: 'CMNET <mobile>', inBytes: 1_234_567_890_123n, outBytes: 987_654_321n },
    ],
  });
  const policy = loadExamplePolicy();
  const subsidy = computeSubsidy({
    policy,
    member: { type: 'cdn', firstProductionDate: '2024-11-15', portCapacityGbps: 20, enrolled: true },
    month: FIXTURE_MONTH,
    statement,
    yearToDatePaidFen: 1_234_500n,
  });
  return buildDocument({
    version: over.version ?? 2,
    member: {
      asn: 64500,
      name: over.name ?? 'Acme <CDN> & "Co"',
      name_zh: over.nameZh ?? '艾克米云分发有限公司',
      member_type: 'cdn',
      first_production_date: '2024-11-15',
      subsidy_enrolled: true,
      port_capacity_mbps: 20_000,
    },
    statement,
    subsidy,
    policy: subsidy.policy,
    inputsHash: 'a'.repeat(64),
    computedAt: '2025-05-02T01:00:00.000Z',
    computedBy: 'finance.li',
  });
}
