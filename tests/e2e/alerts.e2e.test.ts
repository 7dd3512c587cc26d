/**
 * Alerts on the running service: one ongoing alert per (type, target), the review workflow through the
 * API (acknowledge, resolve as confirmed attack with an exclusion for the victim's statement, false
 * positive), member visibility, and webhook delivery to a local receiver with retries and a verified
 * HMAC signature.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/alerts/webhooks.js';
import type { AlertCandidateLike } from '../../src/alerts/alerts.service.js';
import { freeTcpPort, tempDir } from '../helpers/env.js';
import { startTestService, waitFor, type TestService } from '../helpers/in-process.js';

const dir = tempDir();
const SECRET = 'webhook-secret-0123456789';
let t: TestService;
let receiver: Server;
const received: Array<{ body: string; ok: boolean }> = [];
let failFirst = 2;

const call = async (method: string, path: string, body?: unknown, token = t.admin) => {
  const r = await fetch(`${t.svc.url}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  const port = await freeTcpPort();
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const ok = verifySignature(
        SECRET,
        String(req.headers['x-ixmeter-timestamp']),
        body,
        String(req.headers['x-ixmeter-signature']),
      );
      if (failFirst-- > 0) {
        res.statusCode = 503;
        res.end();
        return;
      }
      received.push({ body, ok });
      res.statusCode = ok ? 204 : 401;
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(port, '127.0.0.1', () => r()));
  t = await startTestService(dir.path, {
    IXMETER_WEBHOOKS: JSON.stringify([
      { url: `http://127.0.0.1:${port}/hook`, secret: SECRET, min_severity: 'major', types: ['DDOS_*'] },
    ]),
  });
});
afterAll(async () => {
  await t?.svc.stop();
  receiver?.close();
  dir.cleanup();
});

const candidate = (over: Partial<AlertCandidateLike> = {}): AlertCandidateLike => ({
  type: 'DDOS_AMPLIFICATION',
  severity: 'major',
  target: '203.0.113.10',
  sourceAsn: 64501,
  victimAsn: 64500,
  firstSeenMs: Date.now() - 5000,
  lastSeenMs: Date.now(),
  ruleId: 'DDOS_AMPLIFICATION@1',
  metrics: { pps: 50_000, bps: 4e9 },
  thresholds: { pps: 20_000 },
  evidence: {
    topSources: [
      { addr: '198.51.100.1', asn: 64501, pps: 40_000 },
      { addr: '198.51.100.2', asn: 64502, pps: 10_000 },
    ],
    sampleFlows: [],
  },
  ...over,
});

describe('alerts', () => {
  it('keeps one ongoing alert per type and target, and notifies by signed webhook with retries', async () => {
    const alerts = t.svc.domain.alerts;
    const first = await alerts.ingest([candidate()]);
    const again = await alerts.ingest([candidate(), candidate()], Date.now() + 1000);
    expect(first).toHaveLength(1);
    expect(again).toHaveLength(0); // within the update interval: folded into the ongoing alert
    const later = await alerts.ingest([candidate({ severity: 'critical' })], Date.now() + 2000);
    expect(later).toMatchObject([{ event: 'updated', severity: 'critical', alert_id: first[0]!.alert_id }]);
    await alerts.ingest([
      candidate({ type: 'L2_UNKNOWN_SRC_MAC', severity: 'warning', target: '02:00:00:00:00:99', victimAsn: null }),
    ]);
    const list = await call('GET', '/alerts?status=open');
    expect((list.body.alerts as unknown[]).length).toBe(2);
    await waitFor(async () => received.length >= 2, 30_000, 'webhook deliveries after retries');
    expect(received.every((r) => r.ok)).toBe(true);
    const events = received.map((r) => JSON.parse(r.body) as { event: string; alert: { type: string } });
    expect(events.map((e) => e.event).sort()).toEqual(['escalated', 'opened']);
    expect(events.every((e) => e.alert.type === 'DDOS_AMPLIFICATION')).toBe(true); // warning-level L2 alert filtered out
  });

  it('reviews through the API; members see only their alerts, with their own evidence', async () => {
    const list = (await call('GET', '/alerts?type=DDOS_AMPLIFICATION')).body.alerts as Array<{ id: string }>;
    const id = list[0]!.id;
    const member = String((await call('POST', '/tokens', { role: 'member', asn: 64502 })).body.token);
    const seen = (await call('GET', '/alerts', undefined, member)).body.alerts as unknown[];
    expect(seen).toHaveLength(0); // AS64502 is neither source nor victim (only one of the sources)
    const victim = String((await call('POST', '/tokens', { role: 'member', asn: 64500 })).body.token);
    const v = (await call('GET', `/alerts/${id}`, undefined, victim)).body as {
      evidence: { topSources: Array<{ addr: string; asn: number | null }> };
    };
    // the victim sees the attack sources' addresses, not which other members they belong to
    expect(v.evidence.topSources.map((x) => [x.addr, x.asn])).toEqual([
      ['198.51.100.1', null],
      ['198.51.100.2', null],
    ]);
    const staff = (await call('GET', `/alerts/${id}`)).body as {
      evidence: { topSources: Array<{ asn: number | null }>; metrics: { pps: number } };
    };
    expect(staff.evidence.topSources.map((x) => x.asn)).toEqual([64501, 64502]);
    expect(staff.evidence.metrics.pps).toBe(50_000);
    expect((await call('POST', `/alerts/${id}/ack`, { note: 'looking' }, victim)).status).toBe(403);
    expect((await call('POST', `/alerts/${id}/ack`, { note: 'looking' })).body).toMatchObject({
      status: 'acknowledged',
    });
    const resolved = await call('POST', `/alerts/${id}/resolve`, {
      note: 'NTP amplification confirmed',
      confirmed: true,
      exclude_from_statement: true,
    });
    expect(resolved.body).toMatchObject({
      status: 'resolved',
      confirmed: true,
      exclusion_id: expect.stringMatching(/^ex_/),
    });
    const history = (await call('GET', `/alerts/${id}`)).body.history as Array<{ event: string }>;
    expect(history.map((h) => h.event)).toEqual(['opened', 'updated', 'acknowledged', 'resolved']);
    const excl = await t.svc.domain.statementsRepo.exclusions(64500, 0, Date.now() + 86_400_000);
    expect(excl).toMatchObject([{ reason: 'confirmed_attack', ref: id }]);
    const twice = await call('POST', `/alerts/${id}/resolve`, { note: 'again' });
    expect(twice.body).toMatchObject({ statusCode: 409 });
    // a resolved condition that fires again opens a new alert
    const reopened = await t.svc.domain.alerts.ingest([candidate()]);
    expect(reopened[0]).toMatchObject({ event: 'opened' });
    expect(reopened[0]!.alert_id).not.toBe(id);
  });
});
