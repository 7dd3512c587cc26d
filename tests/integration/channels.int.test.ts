/**
 * Notification channels end to end: real HTTP receivers (a node http server per test run) check the exact
 * DingTalk, WeCom, Feishu and webhook signatures and bodies; a real SMTP server (smtp-server) receives the
 * mail; deliveries go through BullMQ workers on real Redis. A failing channel is retried, shown as failing
 * in /health and on the alert's delivery status, and the others are delivered. Bad channel config → clear error.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { verifySignature } from '../../src/alerts/webhooks.js';
import { loadConfig } from '../../src/config/load.js';
import { createQueues, type QueueSet } from '../../src/jobs/queues.js';
import { startWorkers, type Workers } from '../../src/jobs/worker.js';
import { createDomainServices, type DomainServices } from '../../src/runtime/domain-services.js';
import { openMigratedStorage } from '../../src/runtime/storage-setup.js';
import { closeTransports } from '../../src/channels/send.js';
import { createMetrics } from '../../src/shared/metrics.js';
import type { Storage } from '../../src/storage/clickhouse/client.js';
import { connectRedis, type RedisHandle } from '../../src/storage/redis/connection.js';
import { silentLog, tempDir, testConfig } from '../helpers/env.js';
import { ixfDoc } from '../helpers/ixf.js';

interface Hit {
  path: string;
  query: URLSearchParams;
  rawQuery: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}
interface Mail {
  to: string[];
  raw: string;
}

const DING_SECRET = 'SECdingtalk0123456789abcdef';
const FEISHU_SECRET = 'feishu-secret-0123';
const HOOK_SECRET = 'webhook-secret-0123456789';
const dir = tempDir();
const hits: Hit[] = [];
const mails: Mail[] = [];
let http: Server;
let smtp: SMTPServer;
let storage: Storage;
let redis: RedisHandle;
let queues: QueueSet;
let workers: Workers;
let domain: DomainServices;
let app: FastifyInstance;

const until = async (what: string, ok: () => boolean, ms = 40_000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

/** Decode RFC 2047 words (=?UTF-8?B?…?=) of a header, and a base64 or quoted-printable text part. */
function decodeWords(s: string): string {
  return s.replace(/\r?\n\s+/g, ' ').replace(/=\?UTF-8\?([BQ])\?([^?]*)\?=\s*/gi, (_m, enc: string, t: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(t, 'base64').toString('utf8')
      : Buffer.from(
          t.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
          'latin1',
        ).toString('utf8'),
  );
}
function mailSubject(raw: string): string {
  return decodeWords(/^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(raw)?.[1] ?? '');
}
function mailText(raw: string): string {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join('\n\n');
  if (/Content-Transfer-Encoding: base64/i.test(head!))
    return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/Content-Transfer-Encoding: quoted-printable/i.test(head!))
    return Buffer.from(
      body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    ).toString('utf8');
  return body;
}

beforeAll(async () => {
  http = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const u = new URL(req.url!, 'http://x');
      hits.push({
        path: u.pathname,
        query: u.searchParams,
        rawQuery: u.search,
        headers: req.headers,
        body,
        at: Date.now(),
      });
      if (u.pathname === '/fail') {
        res.writeHead(503).end('down');
        return;
      }
      const answer =
        u.pathname === '/feishu'
          ? { code: 0, msg: 'success', data: {} }
          : u.pathname === '/webhook'
            ? { ok: true }
            : { errcode: 0, errmsg: 'ok' };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, cb) {
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (c: string) => (raw += c));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const channels = [
    {
      kind: 'dingtalk',
      name: 'soc-dingtalk',
      url: `${base}/dingtalk?access_token=tok123`,
      secret: DING_SECRET,
      min_severity: 'major',
    },
    { kind: 'wecom', name: 'noc-wecom', url: `${base}/wecom?key=k-123`, types: ['DDOS_*'] },
    {
      kind: 'feishu',
      name: 'soc-feishu',
      url: `${base}/feishu`,
      secret: FEISHU_SECRET,
      events: ['alert', 'notice'],
      lang: 'en',
    },
    { url: `${base}/webhook`, secret: HOOK_SECRET },
    { kind: 'email', name: 'soc-mail', to: ['soc@ix.example'], events: ['alert', 'overdue'] },
    { kind: 'webhook', name: 'broken', url: `${base}/fail`, secret: HOOK_SECRET },
    {
      kind: 'dingtalk',
      name: 'other-member',
      url: `${base}/dingtalk-other?access_token=t`,
      secret: DING_SECRET,
      members: [64999],
    },
  ];
  const config = testConfig(join(dir.path, 'd'), {
    IXMETER_WEBHOOKS: JSON.stringify(channels),
    IXMETER_SMTP_URL: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`,
    IXMETER_SMTP_FROM: 'ixmeter <noreply@ix.example>',
  });
  ({ storage } = await openMigratedStorage(config, silentLog));
  redis = await connectRedis(config, silentLog);
  queues = createQueues(config.IXMETER_REDIS_URL, config.IXMETER_REDIS_PREFIX);
  domain = createDomainServices(storage, config, silentLog, {}, queues);
  const doc = ixfDoc([{ asn: 64500, name: 'Alpha Net' }, { asn: 64501 }]) as {
    member_list: Array<{ ixmeter: Record<string, unknown> }>;
  };
  doc.member_list[0]!.ixmeter.contacts = [
    { name: 'NOC', email: 'noc@as64500.example', roles: ['noc'] },
    { name: 'Billing', email: 'bill@as64500.example', roles: ['billing'] },
  ];
  await domain.members.importRegistry(JSON.stringify(doc), { source: 't', actor: 't' });
  workers = await startWorkers({
    config,
    log: silentLog,
    queues,
    statements: domain.statements,
    runs: domain.runs!,
    deliverChannel: (j, a, m) => domain.channels.process(j, a, m),
  });
  app = await buildApp({
    config,
    log: silentLog,
    storage,
    redis,
    metrics: createMetrics(),
    collectors: () => ({ status: 'stopped', listeners: [] }),
    ...domain,
  });
  await app.ready();
}, 60_000);
afterAll(async () => {
  await workers?.close();
  await app?.close();
  await queues?.close();
  await redis?.close();
  await storage?.close();
  await closeTransports();
  await new Promise((r) => http?.close(r));
  await new Promise((r) => smtp?.close(() => r(null)));
  dir.cleanup();
});

describe('channels', () => {
  let alertId = '';

  it('delivers an alert to every matching channel with the exact signature and body format', async () => {
    const now = Date.now();
    const [ev] = await domain.alerts.ingest([
      {
        type: 'DDOS_AMPLIFICATION',
        severity: 'critical',
        target: '198.51.100.7',
        sourceAsn: 64500,
        victimAsn: 64501,
        firstSeenMs: now - 5000,
        lastSeenMs: now,
        ruleId: 'DDOS_AMPLIFICATION@1',
      },
    ]);
    alertId = ev!.alert_id;
    await until(
      'alert deliveries',
      () =>
        ['/dingtalk', '/wecom', '/feishu', '/webhook'].every((p) => hits.some((h) => h.path === p)) &&
        mails.length >= 1,
    );

    const ding = hits.find((h) => h.path === '/dingtalk')!;
    const ts = ding.query.get('timestamp')!;
    expect(ding.query.get('access_token')).toBe('tok123');
    expect(Math.abs(Number(ts) - Date.now())).toBeLessThan(3_600_000); // milliseconds
    const want = createHmac('sha256', DING_SECRET).update(`${ts}\n${DING_SECRET}`).digest('base64');
    expect(ding.query.get('sign')).toBe(want);
    expect(ding.rawQuery).toContain(`sign=${encodeURIComponent(want)}`);
    const dbody = JSON.parse(ding.body);
    expect(Object.keys(dbody)).toEqual(['msgtype', 'markdown']);
    expect(dbody.msgtype).toBe('markdown');
    expect(dbody.markdown.title).toBe('【ixmeter 安全告警】新告警：反射放大攻击（紧急）');
    expect(dbody.markdown.text).toContain('- **目标**：198.51.100.7');
    expect(dbody.markdown.text).toContain(alertId);

    const wecom = hits.find((h) => h.path === '/wecom')!;
    expect(wecom.query.get('key')).toBe('k-123');
    const wbody = JSON.parse(wecom.body);
    expect(Object.keys(wbody)).toEqual(['msgtype', 'markdown']);
    expect(Object.keys(wbody.markdown)).toEqual(['content']);
    expect(wbody.markdown.content).toContain('**来源**：AS64500');

    const fs = hits.find((h) => h.path === '/feishu')!;
    const fbody = JSON.parse(fs.body);
    expect(fbody.timestamp).toMatch(/^\d{10}$/); // seconds, as a string
    expect(fbody.sign).toBe(createHmac('sha256', `${fbody.timestamp}\n${FEISHU_SECRET}`).update('').digest('base64'));
    expect(fbody.msg_type).toBe('interactive');
    expect(fbody.card.header.title).toEqual({
      tag: 'plain_text',
      content: '[ixmeter alert] new alert: DDOS_AMPLIFICATION (critical)',
    });
    expect(fbody.card.elements[0].text.tag).toBe('lark_md');

    const hook = hits.find((h) => h.path === '/webhook')!;
    expect(
      verifySignature(
        HOOK_SECRET,
        String(hook.headers['x-ixmeter-timestamp']),
        hook.body,
        String(hook.headers['x-ixmeter-signature']),
      ),
    ).toBe(true);
    expect(JSON.parse(hook.body)).toMatchObject({
      event: 'opened',
      alert: { id: alertId, type: 'DDOS_AMPLIFICATION' },
    });

    const mail = mails.find((m) => m.to.includes('soc@ix.example'))!;
    expect(mailSubject(mail.raw)).toBe('【ixmeter 安全告警】新告警：反射放大攻击（紧急）');
    expect(mail.raw).toMatch(/^From: ixmeter <noreply@ix\.example>/m);
    expect(mailText(mail.raw)).toContain('目标：198.51.100.7');
    expect(hits.some((h) => h.path === '/dingtalk-other')).toBe(false); // routed to another member only
  });

  it('keeps retrying a failing channel, reports it in /health and on the alert, without holding up the others', async () => {
    await until('three failed attempts', () => hits.filter((h) => h.path === '/fail').length >= 3);
    let health: Record<string, any> = {};
    for (let i = 0; i < 50 && !(health.channels?.failing?.length === 1); i++) {
      health = (await app.inject({ method: 'GET', url: '/api/v1/health' })).json();
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(health.status).toBe('degraded');
    expect(health.channels.failing[0]).toMatchObject({
      name: 'broken',
      kind: 'webhook',
      last_error: expect.stringContaining('503'),
    });
    expect(health.channels.failing[0].consecutive_failures).toBeGreaterThanOrEqual(3);
    const admin = (await domain.tokens.create({ role: 'security', asn: null, createdBy: 't' })).token;
    const want = {
      'soc-dingtalk': 'sent',
      'noc-wecom': 'sent',
      'soc-feishu': 'sent',
      'webhook#3': 'sent',
      'soc-mail:soc@ix.example': 'sent',
      broken: 'failed',
    };
    // Each status row is written after its attempt: read until every channel has reported (a loaded machine is slow).
    let by: Record<string, string> = {};
    for (let i = 0; i < 50; i++) {
      const d = (
        await app.inject({
          method: 'GET',
          url: `/api/v1/alerts/${alertId}/deliveries`,
          headers: { authorization: `Bearer ${admin}` },
        })
      ).json().deliveries;
      by = Object.fromEntries(
        d.map((x: { channel: string; status: string; recipient: string }) => [
          `${x.channel}${x.recipient ? `:${x.recipient}` : ''}`,
          x.status,
        ]),
      );
      if (JSON.stringify(by) === JSON.stringify(want)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(by).toEqual(want);
  }, 60_000);

  it("sends a notice to the member's own contacts by email and to the channels that take notices", async () => {
    const sec = (await domain.tokens.create({ role: 'security', asn: null, createdBy: 't' })).token;
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/notices',
      headers: { authorization: `Bearer ${sec}` },
      payload: {
        asn: 64500,
        alert_id: alertId,
        title: '关闭开放的反射源',
        body: '请于期限内整改。',
        deadline: new Date(Date.now() + 86_400_000).toISOString(),
      },
    });
    expect(r.statusCode).toBe(201);
    const id = r.json().id as string;
    await until(
      'notice mail and feishu',
      () =>
        mails.some((m) => m.to.includes('noc@as64500.example')) &&
        hits.some((h) => h.path === '/feishu' && h.body.includes(id)),
    );
    const mail = mails.find((m) => m.to.includes('noc@as64500.example'))!;
    expect(mailSubject(mail.raw)).toBe('【整改通知】整改通知已下发：关闭开放的反射源');
    expect(mailText(mail.raw)).toContain('请于期限内整改。');
    expect(mails.some((m) => m.to.includes('bill@as64500.example'))).toBe(false); // billing contacts get no notices
    expect(mails.some((m) => m.to.includes('soc@ix.example') && mailSubject(m.raw).startsWith('【整改通知】'))).toBe(
      false,
    ); // soc-mail takes alerts and overdue only
    const feishu = JSON.parse(hits.find((h) => h.path === '/feishu' && h.body.includes(id))!.body);
    expect(feishu.card.header.title.content).toBe(
      '[rectification notice] rectification notice issued: 关闭开放的反射源',
    );
    let d: Array<{ channel: string; status: string }> = [];
    for (let i = 0; i < 50 && d.filter((x) => x.status === 'sent').length < 2; i++) {
      d = (
        await app.inject({ method: 'GET', url: `/api/v1/notices/${id}`, headers: { authorization: `Bearer ${sec}` } })
      ).json().deliveries;
      await new Promise((res) => setTimeout(res, 200));
    }
    expect(d.map((x) => `${x.channel}:${x.status}`).sort()).toEqual(['soc-feishu:sent', 'soc-mail:sent']);
  }, 60_000);
});

describe('overdue notices', () => {
  it('notify the channels that take overdue events (security) and the member contacts', async () => {
    const sec = (await domain.tokens.create({ role: 'security', asn: null, createdBy: 't' })).token;
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/notices',
      headers: { authorization: `Bearer ${sec}` },
      payload: {
        asn: 64500,
        title: '清理未登记 MAC',
        body: '请清理。',
        deadline: new Date(Date.now() + 1500).toISOString(),
      },
    });
    const id = r.json().id as string;
    await new Promise((res) => setTimeout(res, 1600));
    expect((await domain.notices.flagOverdue()).flagged).toEqual([id]);
    const overdue = (m: Mail) => mailSubject(m.raw) === '【整改通知】整改通知已逾期：清理未登记 MAC';
    await until('overdue mails', () => mails.filter(overdue).length >= 2);
    expect(
      mails
        .filter(overdue)
        .flatMap((m) => m.to)
        .sort(),
    ).toEqual(['noc@as64500.example', 'soc@ix.example']);
    expect(mailText(mails.find(overdue)!.raw)).toContain(id);
  }, 60_000);
});

describe('channel configuration', () => {
  const load =
    (entries: unknown[], env: Record<string, string> = {}) =>
    () =>
      loadConfig({ IXMETER_WEBHOOKS: JSON.stringify(entries), ...env });
  it('names the entry of an unknown kind, a missing secret, a secret where none is taken, and email without SMTP', () => {
    expect(
      load([
        { url: 'https://a.example/h', secret: HOOK_SECRET },
        { kind: 'slack', name: 'ops', url: 'https://b.example' },
      ]),
    ).toThrow(/\[1\] "ops": unknown kind "slack" \(one of webhook, dingtalk, wecom, feishu, email\)/);
    expect(load([{ kind: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send?access_token=x' }])).toThrow(
      /\[0\] \(kind dingtalk\) secret: secret is required for kind dingtalk/,
    );
    expect(load([{ kind: 'feishu', url: 'https://open.feishu.cn/open-apis/bot/v2/hook/x' }])).toThrow(
      /\[0\] \(kind feishu\) secret: secret is required for kind feishu/,
    );
    expect(
      load([{ kind: 'wecom', url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x', secret: 'x' }]),
    ).toThrow(/kind wecom takes no secret/);
    expect(load([{ kind: 'email', to: ['soc@ix.example'] }])).toThrow(
      /IXMETER_WEBHOOKS\[0\] \(kind email\) needs IXMETER_SMTP_URL/,
    );
    expect(
      load([{ kind: 'email', to: ['soc@ix.example'] }], { IXMETER_SMTP_URL: 'smtp://127.0.0.1:25' })()
        .IXMETER_WEBHOOKS[0],
    ).toMatchObject({ kind: 'email', member_contacts: true, events: ['alert'] });
    expect(load([{ url: 'https://a.example/h', secret: HOOK_SECRET }])().IXMETER_WEBHOOKS[0]).toMatchObject({
      kind: 'webhook',
      events: ['alert'],
      lang: 'zh',
    });
  });
});
