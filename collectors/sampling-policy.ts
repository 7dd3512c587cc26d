/**
 * Sampling-rate configuration per exporter subnet: `IXMETER_SAMPLING_OVERRIDES` (forced, the operator
 * knows better than the device) and `IXMETER_SAMPLING_DEFAULTS` (used only when the device says
 * nothing), each "CIDR=rate,CIDR=rate". Longest prefix wins.
 */
import { isIPv4 } from 'node:net';
import { parseSamplingRules, type Rule } from '../src/shared/sampling-rules.js';
import type { SamplingPolicy } from './decoders/types.js';

function lookup(rules: Rule[], exporter: string, cache: Map<string, number | undefined>): number | undefined {
  if (!rules.length) return undefined;
  if (cache.has(exporter)) return cache.get(exporter);
  let v4 = exporter;
  if (exporter.startsWith('::ffff:') && isIPv4(exporter.slice(7))) v4 = exporter.slice(7);
  const family = isIPv4(v4) ? 'ipv4' : 'ipv6';
  const hit = rules.find((r) => r.family === family && r.list.check(v4, family))?.rate;
  if (cache.size > 100_000) cache.clear();
  cache.set(exporter, hit);
  return hit;
}

export function createSamplingPolicy(overrides: string | undefined, defaults: string | undefined): SamplingPolicy {
  const o = parseSamplingRules(overrides, 'IXMETER_SAMPLING_OVERRIDES');
  const d = parseSamplingRules(defaults, 'IXMETER_SAMPLING_DEFAULTS');
  const oc = new Map<string, number | undefined>();
  const dc = new Map<string, number | undefined>();
  return { override: (e) => lookup(o, e, oc), fallback: (e) => lookup(d, e, dc) };
}
