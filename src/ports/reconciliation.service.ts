/**
 * Port reconciliation: flows vs counters per port and day. A difference above the threshold (default
 * 5 %) is the usual sign of ingress+egress double sampling, a wrong sampling rate, or a throttled
 * exporter; such ports are flagged with the likely cause.
 */
import { canonicalIp } from '../members/registry.js';
import type { createReconciliationRepository } from './reconciliation.repository.js';

export interface PortReconciliation {
  exporter: string;
  if_index: number;
  day: string;
  if_speed: number;
  flow_in_bytes: string;
  counter_in_bytes: string;
  flow_out_bytes: string;
  counter_out_bytes: string;
  flow_samples: number;
  counter_samples: number;
  in_diff_pct: number | null;
  out_diff_pct: number | null;
  flagged: boolean;
  hint: string | null;
}

function diffPct(flow: bigint, counter: bigint): number | null {
  if (counter === 0n) return flow === 0n ? 0 : null;
  return Math.round(Number(((flow - counter) * 1_000_000n) / counter) / 100) / 100;
}

export function hintFor(inPct: number | null, outPct: number | null): string | null {
  const worst = [inPct, outPct].filter((x): x is number => x !== null).sort((a, b) => Math.abs(b) - Math.abs(a))[0];
  if (worst === undefined) return 'no counter data for this port';
  if (worst > 80 && worst < 120)
    return 'flows are about twice the counters: the port is probably sampled on ingress and egress (sample ingress only on edge ports)';
  if (worst > 0) return 'flows exceed the counters: check the sampling rate the exporter reports';
  if (worst < -50)
    return 'flows are far below the counters: exporter throttled, samples dropped, or a sampling rate too low';
  return 'flows are below the counters: check for sample loss (agent drops, sequence gaps) and the sampling rate';
}

export function reconcile(
  rows: Awaited<ReturnType<ReturnType<typeof createReconciliationRepository>['portDays']>>,
  thresholdPct: number,
): PortReconciliation[] {
  return rows.map((r) => {
    const inPct = diffPct(BigInt(r.flow_in_bytes), BigInt(r.counter_in_bytes));
    const outPct = diffPct(BigInt(r.flow_out_bytes), BigInt(r.counter_out_bytes));
    const flagged = [inPct, outPct].some((p) => p === null || Math.abs(p) > thresholdPct);
    return {
      exporter: canonicalIp(r.exporter),
      if_index: r.if_index,
      day: r.day,
      if_speed: Number(r.if_speed),
      flow_in_bytes: r.flow_in_bytes,
      counter_in_bytes: r.counter_in_bytes,
      flow_out_bytes: r.flow_out_bytes,
      counter_out_bytes: r.counter_out_bytes,
      flow_samples: Number(r.flow_samples),
      counter_samples: Number(r.counter_samples),
      in_diff_pct: inPct,
      out_diff_pct: outPct,
      flagged,
      hint: flagged ? hintFor(inPct, outPct) : null,
    };
  });
}

export function createReconciliationService(
  repo: ReturnType<typeof createReconciliationRepository>,
  timezone: string,
  thresholdPct: number,
) {
  return {
    async ports(fromMs: number, toMs: number): Promise<PortReconciliation[]> {
      return reconcile(await repo.portDays(fromMs, toMs, timezone), thresholdPct);
    },
  };
}

export type ReconciliationService = ReturnType<typeof createReconciliationService>;
