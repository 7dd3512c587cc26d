/**
 * `ixmeter demo`: a living exchange within a minute.
 *
 * - A service answers at the configured HTTP address → use it through its API (IXMETER_ADMIN_TOKEN):
 *   members, tokens, statements; history cannot be seeded (the service holds the storage) unless it
 *   was seeded before.
 * - Otherwise → start the all-in-one service in this process (embedded), import the demo registry,
 *   seed the previous calendar month (plus the last 15 days, for baselines) through the collector's decoders,
 *   attribution and RowBinary writer, run that month's statements and subsidies.
 * Then drive the collectors with synthetic NetFlow v9 / IPFIX / sFlow v5 exporters over UDP until
 * --duration elapses or SIGINT/SIGTERM, and stop everything cleanly.
 */
import { createSamplingPolicy } from '../../collectors/sampling-policy.js';
import { loadConfig, type Config } from '../config/load.js';
import { AppError } from '../shared/errors.js';
import { createLogger } from '../shared/logger.js';
import { startService, type RunningService } from '../runtime/service.js';
import type { Role } from '../auth/roles.js';
import { buildFabric, DEMO_PREFIX, ixfDocument, trafficPairs, type Fabric } from './fabric.js';
import { seededFlows, seedHistory } from './seed.js';
import { startLive, type LiveSenders } from './live.js';
import { DEMO_POLICY_ID, demoPolicyText } from './policy.js';
import { BUCKET_MS } from './traffic.js';

export interface DemoOptions {
  /** Seconds of live traffic; undefined = until Ctrl-C. */
  durationS?: number;
  members: number;
  rate: number;
}

type Out = (line: string) => void;

const DEMO_ROLES: Role[] = ['admin', 'finance', 'security', 'auditor'];
const RECENT_DAYS = 15;

function apiBase(config: Config): string {
  const host =
    config.IXMETER_HTTP_HOST === '0.0.0.0' || config.IXMETER_HTTP_HOST === '::'
      ? '127.0.0.1'
      : config.IXMETER_HTTP_HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.IXMETER_HTTP_PORT}`;
}

async function answers(url: string): Promise<boolean> {
  if (/:0$/.test(url)) return false;
  try {
    const r = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(1500) });
    return r.status === 200 || r.status === 503;
  } catch {
    return false;
  }
}

/** Demo members are recognisable by name; a registry with anything else is a real installation. */
function assertDemoRegistry(names: Array<{ asn: number; name: string }>): void {
  const foreign = names.filter((m) => !m.name.startsWith(DEMO_PREFIX));
  if (foreign.length) {
    throw new AppError(
      'IXMETER_ERR_CONFLICT',
      `this registry has ${foreign.length} non-demo member(s) (e.g. AS${foreign[0]!.asn} ${foreign[0]!.name}); the demo would deactivate them. ` +
        'Run the demo on its own data directory, e.g. IXMETER_DATA_DIR=./demo-data ixmeter demo',
    );
  }
}

interface Printed {
  url: string;
  tokens: Array<{ role: string; token: string; note?: string }>;
}

function banner(out: Out, f: Fabric, p: Printed): void {
  out('');
  out('  ixmeter demo — a synthetic exchange (all data marked DEMO; exporters in 198.18.0.0/15)');
  out(`    console   ${p.url}/`);
  out(`    API docs  ${p.url}/api/docs`);
  out('    tokens (demo; shown once):');
  for (const t of p.tokens) out(`      ${t.role.padEnd(9)} ${t.token}${t.note ? `   ${t.note}` : ''}`);
  out('      (export IXMETER_ADMIN_TOKEN=<the admin token> to use the CLI against this service)');
  out(
    `    fabric    ${f.members.length} members; ${f.late.name} (AS${f.late.asn}) joined ${f.late.firstProductionDate}`,
  );
  out('');
}

async function waitRun(
  status: () => Promise<{ state: string; progress: { done: number; total: number } }>,
  timeoutMs: number,
): Promise<{ done: number; total: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await status();
    if (s.state === 'completed') return s.progress;
    if (Date.now() > deadline)
      throw new AppError(
        'IXMETER_ERR_INTERNAL',
        `statements run did not complete within ${timeoutMs / 1000} s (${s.progress.done}/${s.progress.total})`,
      );
    await new Promise((r) => setTimeout(r, 400));
  }
}

export async function runDemo(o: DemoOptions, out: Out = (l) => process.stdout.write(`${l}\n`)): Promise<void> {
  if (!Number.isInteger(o.members) || o.members < 3 || o.members > 200)
    throw new AppError('IXMETER_ERR_VALIDATION', '--members must be an integer from 3 to 200');
  if (!(o.rate > 0 && o.rate <= 200_000))
    throw new AppError('IXMETER_ERR_VALIDATION', '--rate must be a number of flows per second from 1 to 200000');
  if (o.durationS !== undefined && !(o.durationS > 0))
    throw new AppError('IXMETER_ERR_VALIDATION', '--duration must be a positive number of seconds');
  const config = loadConfig();
  // The demo's own lines are the interface; service logs below 'error' only when asked for (IXMETER_LOG_LEVEL≠info).
  const log = createLogger(config.IXMETER_LOG_LEVEL === 'info' ? 'error' : config.IXMETER_LOG_LEVEL, { part: 'demo' });
  const now = Date.now();
  const fabric = buildFabric(o.members, now, config.IXMETER_TIMEZONE);
  const pairs = trafficPairs(fabric);
  const base = apiBase(config);

  // Stop requests may arrive while we are still preparing: remember them and act at the next step.
  let stopRequested = false;
  let wake: (() => void) | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopRequested) {
      out(`second ${sig}: exiting now`);
      process.exit(1);
    }
    stopRequested = true;
    out(`${sig}: stopping the demo…`);
    wake?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let svc: RunningService | null = null;
  let live: LiveSenders | null = null;
  try {
    let url: string;
    if (await answers(base)) {
      url = base;
      await prepareThroughApi(config, base, fabric, out);
    } else {
      out(`starting the all-in-one service (embedded storage in ${config.dataDir}) …`);
      svc = await startService(config, log, { parts: ['api', 'collector', 'worker'], installSignalHandlers: false });
      url = svc.url ?? base;
      if (!stopRequested) await prepareEmbedded(config, svc, fabric, pairs, now, out, () => stopRequested);
    }
    if (!stopRequested) {
      const targets = {
        host: '127.0.0.1',
        netflowPort: config.IXMETER_NETFLOW_PORT,
        ipfixPort: config.IXMETER_IPFIX_PORT,
        sflowPort: config.IXMETER_SFLOW_PORT,
      };
      if (svc) {
        // Ports may be 0 in config (ephemeral) only if disabled; report what is listening.
        const ls = svc.collectorListeners();
        if (ls.length && ls.every((l) => !l.bound))
          out('warning: no collector port is bound; live traffic will not be received');
      }
      live = await startLive({
        fabric,
        pairs,
        targets,
        recordsPerS: o.rate,
        onEvent: (l) => out(`  ${new Date().toISOString().slice(11, 19)} ${l}`),
      });
      out(
        `live: NetFlow v9 → udp/${targets.netflowPort}, IPFIX → udp/${targets.ipfixPort}, sFlow v5 (1:1024) → udp/${targets.sflowPort}; ~${o.rate} records/s` +
          `${o.durationS ? ` for ${o.durationS} s` : ''} — Ctrl-C stops`,
      );
      out(`      console: ${url}/`);
      const started = Date.now();
      const report = setInterval(() => {
        const s = live!.stats();
        out(
          `  ${new Date().toISOString().slice(11, 19)} live ${s.seconds}s: ${s.datagrams} datagrams, ${s.records} NetFlow/IPFIX records, ${s.samples} sFlow samples${s.current ? `; ongoing: ${s.current}` : ''}`,
        );
      }, 15_000);
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (stopRequested) resolve();
        if (o.durationS !== undefined)
          setTimeout(resolve, Math.max(0, o.durationS * 1000 - (Date.now() - started))).unref();
      });
      clearInterval(report);
      const s = live.stats();
      out(
        `demo: sent ${s.datagrams} datagrams (${s.records} NetFlow/IPFIX records, ${s.samples} sFlow samples), ${s.attacks} attack(s), ${s.violations} peering-LAN violation(s)`,
      );
    }
  } finally {
    if (live) await live.stop().catch(() => undefined);
    if (svc) {
      // Let the collector decode and write what is still in flight before it stops.
      await new Promise((r) => setTimeout(r, Math.min(3000, config.IXMETER_FLUSH_INTERVAL_MS + 1500)));
      await svc.stop();
    }
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  out('demo stopped.');
}

async function prepareEmbedded(
  config: Config,
  svc: RunningService,
  f: Fabric,
  pairs: ReturnType<typeof trafficPairs>,
  now: number,
  out: Out,
  stopped: () => boolean,
): Promise<void> {
  const d = svc.domain;
  const existing = await d.members.list(true);
  assertDemoRegistry(existing);
  const have = new Set(existing.map((m) => m.asn));
  if (f.members.every((m) => have.has(m.asn))) {
    out(`members: the ${f.members.length} demo members are already registered`);
  } else if (existing.length === 0) {
    const s1 = await d.members.importRegistry(JSON.stringify(ixfDocument(f, false)), {
      source: 'ixmeter demo',
      actor: 'demo',
      effectiveAtMs: f.monthStartMs - 86_400_000,
    });
    const s2 = await d.members.importRegistry(JSON.stringify(ixfDocument(f, true)), {
      source: 'ixmeter demo',
      actor: 'demo',
      effectiveAtMs: f.late.joinsAtMs,
    });
    out(
      `members: imported ${s2.members} DEMO members (${s1.opened + s2.opened} attribution keys); ${f.late.name} (AS${f.late.asn}) from ${new Date(f.late.joinsAtMs).toISOString()}`,
    );
  } else {
    const s = await d.members.importRegistry(JSON.stringify(ixfDocument(f, true)), {
      source: 'ixmeter demo',
      actor: 'demo',
    });
    out(`members: demo registry updated to ${s.members} members (new keys effective now; history is not rewritten)`);
  }

  const fromMs = f.monthStartMs;
  // The last 15 days too: the baseline detector compares a 5-minute slot with the same slot of ≥ 2 previous weeks.
  const recentFrom = Math.max(f.monthEndMs, Math.floor((now - RECENT_DAYS * 86_400_000) / BUCKET_MS) * BUCKET_MS);
  const recentTo = Math.floor(now / BUCKET_MS) * BUCKET_MS;
  const seededBefore = await seededFlows(svc.storage.client, fromMs, f.monthEndMs);
  if (seededBefore > 0) {
    out(`history: ${f.month} was seeded before (${seededBefore} demo flows); not seeding again`);
  } else {
    const assignments = await d.members.assignments(0);
    const sampling = createSamplingPolicy(config.IXMETER_SAMPLING_OVERRIDES, config.IXMETER_SAMPLING_DEFAULTS);
    out(
      `history: seeding ${f.month} (${config.IXMETER_TIMEZONE}) and the last ${RECENT_DAYS} days through the decoders and the RowBinary writer …`,
    );
    let lastPct = -1;
    const month = await seedHistory({
      client: svc.storage.client,
      mode: svc.storage.mode,
      fabric: f,
      pairs,
      assignments,
      sampling,
      fromMs,
      toMs: f.monthEndMs,
      shouldStop: stopped,
      onProgress: (done, total) => {
        const pct = Math.floor((done * 100) / Math.max(1, total) / 25) * 25;
        if (pct !== lastPct && pct < 100) {
          lastPct = pct;
          process.stderr.write(`  history ${f.month}: ${pct}%\n`);
        }
      },
    });
    if (stopped()) {
      out(
        `history: interrupted after ${month.flows} flows; ${f.month} is incomplete (a later demo run will not re-seed it — use a fresh IXMETER_DATA_DIR)`,
      );
      return;
    }
    const recent =
      recentTo > recentFrom
        ? await seedHistory({
            client: svc.storage.client,
            mode: svc.storage.mode,
            fabric: f,
            pairs,
            assignments,
            sampling,
            fromMs: recentFrom,
            toMs: recentTo,
          })
        : { flows: 0, ms: 0, decodeErrors: 0 };
    out(
      `history: ${month.flows} flows for ${f.month} + ${recent.flows} for the last ${RECENT_DAYS} days in ${((month.ms + recent.ms) / 1000).toFixed(1)} s` +
        `${month.decodeErrors + recent.decodeErrors ? ` (${month.decodeErrors + recent.decodeErrors} decode errors!)` : ''}`,
    );
  }
  if (stopped()) return;
  if (!(await d.policies.all()).some((x) => x.policy_id === DEMO_POLICY_ID)) {
    await d.policies.add(demoPolicyText(), 'ixmeter demo');
    await d.audit.append({
      actor: 'demo',
      role: 'admin',
      action: 'policy.add',
      object: `${DEMO_POLICY_ID}/v1`,
      outcome: 'ok',
      sourceIp: 'local',
    });
    out(`policy: registered ${DEMO_POLICY_ID} v1 (the shipped EXAMPLE parameters, open-ended; not an official rule)`);
  }
  if (!d.runs) throw new AppError('IXMETER_ERR_SERVICE_UNAVAILABLE', 'no job queue in this process');
  const t0 = Date.now();
  const runId = await d.runs.start(f.month, 'ixmeter demo');
  const p = await waitRun(() => d.runs!.status(runId), 180_000);
  out(
    `statements ${f.month}: ${p.done}/${p.total} members computed with subsidies (DEMO copy of the EXAMPLE policy) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );

  const tokens: Printed['tokens'] = [];
  for (const role of DEMO_ROLES) {
    const c = await d.tokens.create({ role, asn: null, name: `DEMO ${role}`, createdBy: 'ixmeter demo' });
    await d.audit.append({
      actor: 'demo',
      role: 'admin',
      action: 'token.create',
      object: c.id,
      outcome: 'ok',
      sourceIp: 'local',
      details: { role, asn: null, name: `DEMO ${role}` },
    });
    tokens.push({ role, token: c.token });
  }
  const m = memberForToken(f);
  const c = await d.tokens.create({
    role: 'member',
    asn: m.asn,
    name: `DEMO member AS${m.asn}`,
    createdBy: 'ixmeter demo',
  });
  await d.audit.append({
    actor: 'demo',
    role: 'admin',
    action: 'token.create',
    object: c.id,
    outcome: 'ok',
    sourceIp: 'local',
    details: { role: 'member', asn: m.asn },
  });
  tokens.push({ role: 'member', token: c.token, note: `(AS${m.asn} ${m.name})` });
  banner(out, f, { url: svc.url ?? '', tokens });
}

function memberForToken(f: Fabric) {
  return f.members.find((m) => m.type === 'cdn') ?? f.members[1]!;
}

async function prepareThroughApi(config: Config, base: string, f: Fabric, out: Out): Promise<void> {
  const admin = config.IXMETER_ADMIN_TOKEN;
  if (!admin) {
    throw new AppError(
      'IXMETER_ERR_STORAGE_LOCKED',
      `an ixmeter service answers at ${base}; set IXMETER_ADMIN_TOKEN to its admin token so the demo can use its API (or stop it and run the demo alone)`,
    );
  }
  out(`using the running service at ${base} through its API`);
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = (await res.json().catch(() => ({}))) as T & { code?: string; message?: string };
    if (!res.ok)
      throw new AppError(
        (json.code as never) ?? 'IXMETER_ERR_INTERNAL',
        `API ${method} ${path}: ${json.message ?? res.status}`,
      );
    return json;
  };
  const existing = (
    await api<{ members: Array<{ asn: number; name: string }> }>('GET', '/members?include_inactive=true').catch(() =>
      api<{ members: Array<{ asn: number; name: string }> }>('GET', '/members'),
    )
  ).members;
  assertDemoRegistry(existing);
  const have = new Set(existing.map((m) => m.asn));
  if (f.members.every((m) => have.has(m.asn))) {
    out(`members: the ${f.members.length} demo members are already registered`);
  } else if (existing.length === 0) {
    await api(
      'POST',
      `/members/import?effective=${encodeURIComponent(new Date(f.monthStartMs - 86_400_000).toISOString())}`,
      ixfDocument(f, false),
    );
    const s = await api<{ members: number }>(
      'POST',
      `/members/import?effective=${encodeURIComponent(new Date(f.late.joinsAtMs).toISOString())}`,
      ixfDocument(f, true),
    );
    out(`members: imported ${s.members} DEMO members through the API`);
  } else {
    const s = await api<{ members: number }>('POST', '/members/import', ixfDocument(f, true));
    out(`members: demo registry updated to ${s.members} members through the API`);
  }
  // Seeded before? The finance period view of the month shows traffic for demo members.
  const asns = new Set(f.members.map((m) => m.asn));
  const period = await api<{ statements: Array<{ asn: number; in_bytes: string; out_bytes: string }> }>(
    'GET',
    `/statements/${f.month}`,
  ).catch(() => null);
  const seeded = (period?.statements ?? []).some((r) => asns.has(r.asn) && (r.in_bytes !== '0' || r.out_bytes !== '0'));
  const policies = await api<{ policies: Array<{ policy_id: string }> }>('GET', '/policies');
  if (!policies.policies.some((x) => x.policy_id === DEMO_POLICY_ID)) {
    const res = await fetch(`${base}/api/v1/policies`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/yaml' },
      body: demoPolicyText(),
    });
    if (res.ok) out(`policy: registered ${DEMO_POLICY_ID} v1 through the API`);
    else out(`policy: could not register ${DEMO_POLICY_ID} (${res.status}); the shipped EXAMPLE applies`);
  }
  if (seeded) {
    out(`history: ${f.month} was seeded before; recomputing its statements through the API`);
    const { job_id } = await api<{ job_id: string }>('POST', `/statements/${f.month}/run`);
    const p = await waitRun(() => api('GET', `/jobs/${encodeURIComponent(job_id)}`), 180_000);
    out(`statements ${f.month}: ${p.done}/${p.total} members`);
  } else {
    out(
      `history: NOT seeded — the running service holds the storage. Stop it and run 'ixmeter demo' once on its own to seed ${f.month}; live traffic works now.`,
    );
  }
  const tokens: Printed['tokens'] = [];
  for (const role of DEMO_ROLES) {
    const c = await api<{ token: string }>('POST', '/tokens', { role, name: `DEMO ${role}` });
    tokens.push({ role, token: c.token });
  }
  const m = memberForToken(f);
  const c = await api<{ token: string }>('POST', '/tokens', {
    role: 'member',
    asn: m.asn,
    name: `DEMO member AS${m.asn}`,
  });
  tokens.push({ role: 'member', token: c.token, note: `(AS${m.asn} ${m.name})` });
  banner(out, f, { url: base, tokens });
}
