/** Markdown rendering of the end-to-end collector benchmark's report (the README table, ratios, zero-loss summary). */
import type { BlastProtocol } from '../udp-blaster.js';
import type { CollectorName, E2eReport, RunResult } from './types.js';

const fmt = (n: number | null | undefined, d = 0) =>
  n === null || n === undefined || !Number.isFinite(n)
    ? '–'
    : n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const rateLabel = (r: number) => (r === 0 ? 'max' : `${fmt(r / 1000)}k`);
const PROTO_LABEL: Record<BlastProtocol, string> = { 'netflow-v9': 'NetFlow v9', ipfix: 'IPFIX', sflow: 'sFlow v5' };

export function e2eMarkdown(rep: E2eReport): string {
  const L: string[] = [];
  L.push(
    `Offered: same datagrams to each collector, ${fmt(rep.durationMs / 1000)} s per step, 127.0.0.1; SO_RCVBUF asked 32 MiB by all; net.core.rmem_max = ${fmt(rep.rmemMax.used)}.`,
  );
  L.push('');
  L.push(
    '| protocol | target | collector | offered flows/s | sent flows | stored flows | loss % | sustained flows/s | socket drain s | all stored s | kernel drops (datagrams) | CPU % of a core | CPU s / 10⁶ flows |',
  );
  L.push('|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rep.runs) {
    const who =
      r.collector === 'ixmeter' ? '**ixmeter**' : `${r.daemon} (${r.collector === 'nfcapd' ? 'nfdump' : 'pmacct'})`;
    if (r.error) {
      L.push(
        `| ${PROTO_LABEL[r.protocol]} | ${rateLabel(r.targetFlowsPerSecond)} | ${who} | ${fmt(r.sent?.offeredFlowsPerSecond)} | ${fmt(r.sent?.flows)} | error | – | – | – | – | – | – | – |`,
      );
      continue;
    }
    L.push(
      `| ${PROTO_LABEL[r.protocol]} | ${rateLabel(r.targetFlowsPerSecond)} | ${who} | ${fmt(r.sent?.offeredFlowsPerSecond)} | ${fmt(r.sent?.flows)} | ${fmt(r.stored)} | ${fmt(r.lossPct, 2)} | ${fmt(r.sustainedFlowsPerSecond)} | ${fmt(r.socketDrainSeconds, 1)} | ${r.storedSeconds === null ? '–' : fmt(r.storedSeconds, 1)} | ${fmt(r.kernelDrops)} | ${fmt(r.cpuPctOfCore)} | ${fmt(r.cpuSecondsPerMillionFlows, 2)} |`,
    );
  }
  L.push('');
  L.push(
    'Columns: *offered* = flows/s the blaster actually sent (target "max" = as fast as one Node thread sends, competing for the same 2 cores); ' +
      '*stored* = ixmeter rows in `flows_raw` (chDB count after SIGTERM) / nfcapd flows (`nfdump -I`) / pmacct Σ packets in the print CSV (packets = 1 per record, after SIGINT); ' +
      '*sustained* = stored ÷ (blast duration + the longer of socket drain and all stored), *socket drain* = seconds after the blast until the socket receive queue was empty ' +
      '(> 0: the collector fell behind and lived on its socket buffer), *all stored* = ixmeter only: seconds after the blast until the last row was in ClickHouse ' +
      '(> 0: it lived on its decode queue and writer queue; the others write files, counted after they stop); *kernel drops* = /proc/net/udp drops of the socket; ' +
      '*CPU* = collector process tree during the blast, and total CPU (blast + drain) per million stored flows.',
  );
  // Ratios
  const ratios: string[] = [];
  for (const proto of [...new Set(rep.runs.map((r) => r.protocol))]) {
    for (const rate of [...new Set(rep.runs.filter((r) => r.protocol === proto).map((r) => r.targetFlowsPerSecond))]) {
      const get = (c: CollectorName) =>
        rep.runs.find((r) => r.protocol === proto && r.targetFlowsPerSecond === rate && r.collector === c && !r.error);
      const ix = get('ixmeter');
      if (!ix?.sustainedFlowsPerSecond) continue;
      const nf = get('nfcapd');
      const pm = get('nfacctd');
      const ratio = (o: RunResult | undefined) =>
        o?.sustainedFlowsPerSecond ? (ix.sustainedFlowsPerSecond! / o.sustainedFlowsPerSecond).toFixed(2) : '–';
      ratios.push(`| ${PROTO_LABEL[proto]} | ${rateLabel(rate)} | ${ratio(nf)} | ${ratio(pm)} |`);
    }
  }
  if (ratios.length > 0) {
    L.push('');
    L.push('Sustained flows/s ratio (stored ÷ (blast duration + time to catch up); 1.00 = same):');
    L.push('');
    L.push('| protocol | target | ixmeter / nfcapd | ixmeter / nfacctd (sfacctd for sFlow) |');
    L.push('|---|---:|---:|---:|');
    L.push(...ratios);
  }
  if (rep.ixmeterZeroLoss.some((z) => z.sustainedFlowsPerSecond !== null)) {
    L.push('');
    L.push(
      'ixmeter at zero loss (largest step with loss 0; a step that needed socket drain lived on the socket buffer):',
    );
    L.push('');
    for (const z of rep.ixmeterZeroLoss) {
      const run = rep.runs.find(
        (r) =>
          r.collector === 'ixmeter' &&
          r.protocol === z.protocol &&
          r.targetFlowsPerSecond === z.targetFlowsPerSecond &&
          !r.error,
      );
      L.push(
        `- ${PROTO_LABEL[z.protocol]}: ${
          z.targetFlowsPerSecond === null || !run
            ? 'none of the steps'
            : `${rateLabel(z.targetFlowsPerSecond)} flows/s offered for ${fmt(rep.durationMs / 1000)} s without loss; sustained ${fmt(z.sustainedFlowsPerSecond)} flows/s (socket drain ${fmt(run.socketDrainSeconds, 1)} s, all stored ${fmt(run.storedSeconds, 1)} s after the blast)`
        }`,
      );
    }
  }
  const un = Object.entries(rep.unavailable);
  if (un.length > 0) {
    L.push('');
    for (const [c, why] of un) L.push(`- ${c} not measured: ${why.split('\n')[0]!.slice(0, 300)}`);
  }
  return L.join('\n');
}
