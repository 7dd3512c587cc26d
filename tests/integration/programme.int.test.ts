/**
 * The subsidy programme end to end on real chDB and real Redis (BullMQ statement workers, 8 jobs at once):
 * the simulation of the registered policy equals the stored statements to the fen; a doubled-rate
 * candidate follows the tiers; nothing is stored by a simulation; a budgeted month is scaled by one factor
 * whatever order the members finish in; `hold` stops the month at review; fee files (bad ones refused with
 * every problem); a cap to 30 % of fees; the quarterly payout file; the programme year report.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { createQueues, type QueueSet } from '../../src/jobs/queues.js';
import { startWorkers, type Workers } from '../../src/jobs/worker.js';
import { createDomainServices, type DomainServices } from '../../src/runtime/domain-services.js';
import { openMigratedStorage } from '../../src/runtime/storage-setup.js';
import { createMetrics } from '../../src/shared/metrics.js';
import type { Storage } from '../../src/storage/clickhouse/client.js';
import { connectRedis, type RedisHandle } from '../../src/storage/redis/connection.js';
import { silentLog, tempDir, testConfig } from '../helpers/env.js';
import { ixfDoc } from '../helpers/ixf.js';
import { waitFor } from '../helpers/in-process.js';

const dir = tempDir();
let storage: Storage;
let redis: RedisHandle;
let queues: QueueSet;
let workers: Workers;
let d: DomainServices;
let app: FastifyInstance;
const tok: Record<string, string> = {};

/** Gbps each member sends in every 5-minute bucket of Jan–Mar 2026 (64505 is not enrolled; 64506 has no payee). */
const RATES: Record<number, number> = { 64501: 2, 64502: 12, 64503: 0.5, 64504: 3.3, 64505: 1, 64506: 7 };
const ENROLLED = [64501, 64502, 64503, 64504, 64506];
const example = readFileSync('policies/example-policy.yaml', 'utf8');
const policy = (
  v: number,
  from: string,
  to: string | null,
  extra = '',
  rates: [string, string, string] = ['1000.00', '600.00', '300.00'],
) =>
  example
    .replace('policy_id: EXAMPLE-ZW-TRAFFIC-2022', 'policy_id: TEST-PROGRAMME')
    .replace('name_zh: 中卫交换中心流量补贴（示例参数，非正式）', 'name_zh: 测试政策')
    .replace('name_en: Zhongwei IXC traffic subsidy (EXAMPLE parameters, not official)', 'name_en: Test policy')
    .replace('version: 1', `version: ${v}`)
    .replace('effective_from: "2022-07-01"', `effective_from: "${from}"`)
    .replace('effective_to: "2025-12-31"', `effective_to: ${to ? `"${to}"` : 'null'}`)
    .replace('rate: "1000.00"', `rate: "${rates[0]}"`)
    .replace('rate: "600.00"', `rate: "${rates[1]}"`)
    .replace('rate: "300.00"', `rate: "${rates[2]}"`) + extra;

const inject = async (
  token: string,
  method: 'GET' | 'POST',
  url: string,
  body?: unknown,
  contentType = 'application/json',
) =>
  app.inject({
    method,
    url: `/api/v1${url}`,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
    payload:
      body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });

async function runMonth(month: string): Promise<void> {
  const id = await d.runs!.start(month, 'scheduler');
  await waitFor(async () => (await d.runs!.status(id)).state === 'completed', 120_000, `run ${month}`);
}

async function stored(month: string): Promise<Map<number, string>> {
  const rows = await (
    await storage.client.query({
      query: `SELECT asn, toString(argMax(amount_fen, version)) AS a FROM statements WHERE month = {m:String} GROUP BY asn`,
      query_params: { m: month },
      format: 'JSONEachRow',
    })
  ).json<{ asn: number; a: string }>();
  return new Map(rows.map((r) => [Number(r.asn), (Number(r.a) / 100).toFixed(2)]));
}

const count = async (table: string) =>
  Number(
    (
      await (
        await storage.client.query({ query: `SELECT count() AS n FROM ${table}`, format: 'JSONEachRow' })
      ).json<{ n: string }>()
    )[0]!.n,
  );

beforeAll(async () => {
  const config = testConfig(join(dir.path, 'd'));
  ({ storage } = await openMigratedStorage(config, silentLog));
  redis = await connectRedis(config, silentLog);
  queues = createQueues(config.IXMETER_REDIS_URL, config.IXMETER_REDIS_PREFIX);
  d = createDomainServices(storage, config, silentLog, {}, queues);
  const doc = ixfDoc(
    Object.keys(RATES).map((a) => ({ asn: Number(a), firstProduction: '2026-01-01', enrolled: Number(a) !== 64505 })),
  ) as { member_list: Array<{ asnum: number; ixmeter: Record<string, unknown> }> };
  for (const m of doc.member_list) {
    if (m.asnum !== 64506)
      m.ixmeter.payee = {
        name: `收款人 AS${m.asnum}`,
        bank: '中国银行中卫分行',
        account: `6222 0000 ${m.asnum}`,
        tax_id: '91640500MA76XXXX0A',
      };
    m.ixmeter.local_registration = { registered: true, date: '2025-06-01' };
  }
  await d.members.importRegistry(JSON.stringify(doc), { source: 't', actor: 't' });
  const START = Date.parse('2026-01-01T00:00:00+08:00') / 1000;
  const buckets = (90 * 86_400) / 300;
  for (const [asn, g] of Object.entries(RATES)) {
    await storage.client.command({
      query: `INSERT INTO member_traffic_5m (bucket, src_asn, dst_asn, ip_version, bytes, l3_bytes, packets, samples)
      SELECT toDateTime(${START} + number * 300, 'UTC'), ${asn}, 64999, 4, ${BigInt(Math.round(g * 1000)) * 37_500_000n}, 0, 0, 1 FROM numbers(${buckets})`,
      clickhouse_settings: { insert_deduplicate: 0 },
    });
  }
  await storage.client.command({
    query: `INSERT INTO collector_activity_5m (bucket, exporter, flows) SELECT toDateTime(${START} + number * 300, 'UTC'), toIPv6('::ffff:192.0.2.1'), 1 FROM numbers(${buckets})`,
    clickhouse_settings: { insert_deduplicate: 0 },
  });
  await d.policies.add(policy(1, '2026-01-01', '2026-01-31'), 'finance-a');
  // February: a budget that leaves 11,555.55 of a 24,000.00 month (January commits 24,000.00)
  await d.policies.add(
    policy(2, '2026-02-01', '2026-02-28', '\nbudget: { annual_cny: "35555.55", on_exceed: pro_rata }\n'),
    'finance-a',
  );
  await d.policies.add(
    policy(3, '2026-03-01', null, '\nbudget: { annual_cny: "36000.00", on_exceed: hold }\n'),
    'finance-a',
  );
  workers = await startWorkers({ config, log: silentLog, queues, statements: d.statements, runs: d.runs! });
  app = await buildApp({
    config,
    log: silentLog,
    storage,
    redis,
    metrics: createMetrics(),
    collectors: () => ({ status: 'stopped', listeners: [] }),
    ...d,
  });
  await app.ready();
  for (const r of ['finance', 'auditor'])
    tok[r] = (await d.tokens.create({ role: r as 'finance', asn: null, createdBy: 'test' })).token;
  tok.finance2 = (await d.tokens.create({ role: 'finance', asn: null, createdBy: 'test' })).token;
  for (const m of ['2026-01', '2026-02', '2026-03']) await runMonth(m);
}, 300_000);
afterAll(async () => {
  await workers?.close();
  await app?.close();
  await queues?.close();
  await redis?.close();
  await storage?.close();
  dir.cleanup();
});

describe('policy what-if', () => {
  it('the registered policy simulated over computed months equals the statements to the fen, per member', async () => {
    const r = await inject(tok.auditor!, 'POST', '/policies/simulate', { from: '2026-01', to: '2026-03' });
    expect(r.statusCode, r.body).toBe(200);
    const sim = r.json() as {
      total_cny: string;
      months: Array<{ month: string; total_cny: string; members: Array<{ asn: number; amount_cny: string }> }>;
    };
    expect(sim.months.map((m) => m.month)).toEqual(['2026-01', '2026-02', '2026-03']);
    for (const m of sim.months) {
      const s = await stored(m.month);
      expect(m.members.map((x) => [x.asn, x.amount_cny])).toEqual([...s].sort((a, b) => a[0] - b[0]));
    }
    expect(sim.months[0]!.total_cny).toBe('24000.00');
    expect(sim.months[1]!.total_cny).toBe('11555.55');
    expect(sim.months[2]!.total_cny).toBe('0.00'); // held
    expect(sim.total_cny).toBe('35555.55');
  });

  it('a doubled-rate candidate follows the tiers (by hand), stores nothing, and only audits that it ran', async () => {
    const before = {
      s: await count('statements'),
      e: await count('statement_events'),
      p: await count('subsidy_policies'),
      st: await count('budget_staging'),
    };
    const candidate = policy(9, '2026-01-01', null, '', ['2000.00', '1200.00', '600.00']);
    const r = await inject(tok.finance!, 'POST', '/policies/simulate', {
      policy: candidate,
      from: '2026-01',
      to: '2026-01',
    });
    expect(r.statusCode, r.body).toBe(200);
    const m = new Map(
      (r.json().months[0].members as Array<{ asn: number; amount_cny: string }>).map((x) => [x.asn, x.amount_cny]),
    );
    expect(m.get(64501)).toBe('4000.00'); // 2 Gbps × 2000
    expect(m.get(64502)).toBe('22400.00'); // 10 × 2000 + 2 × 1200
    expect(m.get(64503)).toBe('1000.00'); // 0.5 × 2000
    expect(m.get(64504)).toBe('6600.00'); // 3.3 × 2000
    expect(m.get(64505)).toBe('0.00'); // not enrolled
    expect(r.json().total_cny).toBe('48000.00');
    expect({
      s: await count('statements'),
      e: await count('statement_events'),
      p: await count('subsidy_policies'),
      st: await count('budget_staging'),
    }).toEqual(before);
    await d.audit.flush?.();
    const audit = await (
      await storage.client.query({
        query: `SELECT action, object FROM audit_log WHERE action LIKE 'policy.%' ORDER BY ts`,
        format: 'JSONEachRow',
      })
    ).json<{ action: string; object: string }>();
    expect(audit.filter((a) => a.action === 'policy.simulate').map((a) => a.object)).toEqual([
      '2026-01..2026-03',
      '2026-01..2026-01',
    ]);
  });

  it('a bad candidate is refused with the line of each problem', async () => {
    const bad = policy(9, '2026-01-01', null)
      .replace('rate: "2000.00"', 'rate: 2000')
      .replace('rate: "1000.00"', 'rate: 1000');
    const r = await inject(tok.finance!, 'POST', '/policies/check', bad, 'text/yaml');
    expect(r.json().ok).toBe(false);
    const line = bad.split('\n').findIndex((l) => l.includes('rate: 1000')) + 1;
    expect(r.json().problems[0]).toMatchObject({ line, path: 'tiers.0.rate' });
    const s = await inject(tok.finance!, 'POST', '/policies/simulate', { policy: bad, from: '2026-01', to: '2026-01' });
    expect(s.statusCode).toBe(400);
    expect(s.json().message).toContain(`line ${line}: tiers.0.rate`);
  });
});

describe('budget', () => {
  it('a month twice the remaining budget is scaled to it, every member on one factor ±0.01, a BUDGET line on each', async () => {
    const jan = await stored('2026-01');
    const feb = await stored('2026-02');
    const total = [...feb.values()].reduce((s, a) => s + Math.round(Number(a) * 100), 0);
    expect(total).toBe(1_155_555); // exactly the remaining budget
    const f = 11_555.55 / 24_000;
    for (const asn of ENROLLED) {
      expect(Math.abs(Number(feb.get(asn)) - Number(jan.get(asn)) * f)).toBeLessThanOrEqual(0.01);
      const doc = (await d.statements.get(asn, '2026-02')).document;
      const line = doc.subsidy.lines.at(-1)!;
      expect(line).toMatchObject({ code: 'BUDGET', unit: 'factor', rate: '11555.55' });
      expect(line.label_en).toMatch(/same factor 0\.48148125 \(to the fen by largest remainder/);
    }
    const view = await inject(tok.auditor!, 'GET', '/statements/2026-02/budget');
    expect(view.json()).toMatchObject({
      committed_before_cny: '24000.00',
      committed_month_cny: '11555.55',
      budget: {
        annual_cny: '35555.55',
        remaining_before_cny: '11555.55',
        unscaled_month_cny: '24000.00',
        remaining_after_cny: '0.00',
        action: 'pro_rata',
        factor: '0.48148125',
      },
    });
  });

  it('recomputing with members finishing in another order gives the same amounts', async () => {
    const first = await stored('2026-02');
    await storage.client.command({ query: `DELETE FROM statements WHERE month = '2026-02'` });
    await storage.client.command({ query: `DELETE FROM budget_staging WHERE month = '2026-02'` });
    const asns = [...Object.keys(RATES)].map(Number).reverse();
    const runId = 'reverse-order-run';
    await d.statementsRepo.insertRun({
      run_id: runId,
      month: '2026-02',
      asns,
      requested_at: Date.now(),
      requested_by: 't',
    });
    // every member at once, the largest first and with staggered starts: a different finishing order
    await Promise.all(
      asns.map(async (asn, i) => {
        await new Promise((r) => setTimeout(r, (asns.length - i) * 37));
        return d.statements.compute(asn, '2026-02', 't', runId);
      }),
    );
    expect(await stored('2026-02')).toEqual(first);
  });

  it('hold: a month over the budget stops at review; approval is refused', async () => {
    for (const asn of ENROLLED) {
      const s = await d.statements.get(asn, '2026-03');
      expect(s.document.subsidy.status).toBe('needs_review');
      expect(s.document.subsidy.lines.at(-1)).toMatchObject({ code: 'BUDGET_HOLD', subtotal: '0.00' });
    }
    expect((await inject(tok.finance!, 'POST', '/members/64501/statements/2026-03/review', {})).statusCode).toBe(200);
    const a = await inject(tok.finance2!, 'POST', '/members/64501/statements/2026-03/approve', {});
    expect(a.statusCode).toBe(409);
    expect(a.json().message).toMatch(/on_exceed: hold/);
  });
});

describe('fees', () => {
  it('bad fee files are refused with every problem and nothing is imported', async () => {
    const csv =
      'asn,month,invoiced_cny,paid_cny\r\n64501,2026-01,5000.00,5000.00\r\n65999,2026-01,1.00,1.00\r\n64501,2026-01,2.00,2.00\r\n64502,2026-01,-3.00,abc\r\n64503,2026-13,1.005,1\r\n';
    const r = await inject(tok.finance!, 'POST', '/fees', csv, 'text/csv');
    expect(r.statusCode).toBe(400);
    const msg = r.json().message as string;
    for (const want of [
      'row 3 (asn): unknown ASN 65999',
      'row 4 (month): AS64501 2026-01 appears twice (first on row 2)',
      'row 5 (invoiced_cny): invoiced_cny is negative',
      'row 5 (paid_cny): paid_cny is not an amount',
      'row 6 (month): month must be YYYY-MM',
      'row 6 (invoiced_cny)',
    ])
      expect(msg).toContain(want);
    const gbk = Buffer.concat([
      Buffer.from('asn,month,invoiced_cny,paid_cny,note\n64501,2026-01,1.00,1.00,'),
      Buffer.from([0xc4, 0xe3, 0xba, 0xc3]),
      Buffer.from('\n'),
    ]);
    const g = await inject(tok.finance!, 'POST', '/fees', gbk, 'text/csv');
    expect(g.statusCode).toBe(400);
    expect(g.json().message).toMatch(/row 2: bytes that are not UTF-8/);
    expect(await count('member_fees')).toBe(0);
  });

  it('imports CSV and XLSX; a cap to 30 % of fees paid and the FEE_PERCENT basis use them', async () => {
    const csv =
      '\uFEFF会员ASN,月份,开票金额,实缴金额\r\n64501,2026-01,5000.00,4000.00\r\n64502,2026-01,10000.00,10000.00\r\n';
    const r = await inject(tok.finance!, 'POST', '/fees', Buffer.from(csv), 'text/csv');
    expect(r.statusCode, r.body).toBe(200);
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('fees');
    ws.addRow(['asn', 'month', 'invoiced_cny', 'paid_cny']);
    ws.addRow([64503, '2026-01', 100, 100]);
    const x = await inject(
      tok.finance!,
      'POST',
      '/fees',
      Buffer.from(await wb.xlsx.writeBuffer()),
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(x.statusCode, x.body).toBe(200);
    expect((await inject(tok.auditor!, 'GET', '/fees?from=2026-01&to=2026-01')).json().fees).toHaveLength(3);
    const cap = policy(10, '2026-01-01', null).replace(
      'cap_to_actual_fees: { enabled: false, pct: 100 }',
      'cap_to_actual_fees: { enabled: true, pct: 30 }',
    );
    const s = await inject(tok.finance!, 'POST', '/policies/simulate', { policy: cap, from: '2026-01', to: '2026-01' });
    const m = new Map(
      (s.json().months[0].members as Array<{ asn: number; amount_cny: string; status: string }>).map((x) => [x.asn, x]),
    );
    expect(m.get(64501)).toMatchObject({ amount_cny: '1200.00', status: 'ok' }); // 30 % of 4000.00 paid < 2000.00
    expect(m.get(64502)!.amount_cny).toBe('3000.00'); // 30 % of 10000.00 < 11200.00
    expect(m.get(64503)!.amount_cny).toBe('30.00');
    expect(m.get(64504)).toMatchObject({ amount_cny: '0.00', status: 'needs_review' }); // no fees imported
    const fee = policy(11, '2026-01-01', null)
      .replace('basis: P95_RATE', 'basis: FEE_PERCENT')
      .replace(
        /tiers:[\s\S]*?min_billable: "0.1"/,
        'tiers:\n  - { lower: 0, upper: null, rate: "0.30" }\nmin_billable: null',
      );
    const f = await inject(tok.finance!, 'POST', '/policies/simulate', { policy: fee, from: '2026-01', to: '2026-01' });
    expect(f.statusCode, f.body).toBe(200);
    const fm = new Map(
      (f.json().months[0].members as Array<{ asn: number; amount_cny: string }>).map((x) => [x.asn, x.amount_cny]),
    );
    expect([fm.get(64501), fm.get(64502), fm.get(64503)]).toEqual(['1200.00', '3000.00', '30.00']);
  });
});

describe('payouts and the programme year', () => {
  it('the quarterly payout lists only approved member-months with payee, marks them exported; a second export lists nothing new', async () => {
    for (const [asn, month] of [
      [64501, '2026-01'],
      [64502, '2026-01'],
      [64501, '2026-02'],
      [64506, '2026-01'],
    ] as const) {
      expect((await inject(tok.finance!, 'POST', `/members/${asn}/statements/${month}/review`, {})).statusCode).toBe(
        200,
      );
      expect((await inject(tok.finance2!, 'POST', `/members/${asn}/statements/${month}/approve`, {})).statusCode).toBe(
        200,
      );
    }
    const r = await inject(tok.finance!, 'GET', '/statements/2026-02/payout?format=csv');
    expect(r.statusCode, r.body).toBe(200);
    expect(r.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const text = r.body;
    expect(text).toContain('2026-Q1');
    const feb = await stored('2026-02');
    const amount =
      (Math.round(Number((await stored('2026-01')).get(64501)) * 100) + Math.round(Number(feb.get(64501)) * 100)) / 100;
    expect(text).toMatch(
      new RegExp(`64501,.*,2026-01 2026-02,.*,${amount.toFixed(2)},收款人 AS64501,中国银行中卫分行,6222 0000 64501`),
    );
    expect(text).toMatch(/64502,.*,2026-01,/);
    expect(text).toMatch(/64506,2026-01,no payee/); // skipped, stays approved
    expect(text).not.toMatch(/^64503/m);
    expect((await d.statements.get(64501, '2026-01')).status).toBe('exported');
    expect((await d.statements.get(64506, '2026-01')).status).toBe('approved');
    const again = await inject(tok.finance!, 'GET', '/statements/2026-02/payout?format=xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(again.rawPayload as unknown as ArrayBuffer);
    expect(wb.getWorksheet('payout')!.rowCount).toBe(2); // the two header rows only
  });

  it('the programme report: totals equal the statements; PDF (pdftotext) and XLSX (read back) carry number and hash', async () => {
    const r = await inject(tok.auditor!, 'GET', '/reports/programme/2026');
    expect(r.statusCode, r.body).toBe(200);
    const rep = r.json();
    const all = [
      ...(await stored('2026-01')).values(),
      ...(await stored('2026-02')).values(),
      ...(await stored('2026-03')).values(),
    ];
    const sum = all.reduce((s, a) => s + Math.round(Number(a) * 100), 0);
    expect(rep.total.committed_cny).toBe((sum / 100).toFixed(2));
    expect(rep.months[0]).toMatchObject({
      month: '2026-01',
      committed_cny: '24000.00',
      approved_cny: '20200.00',
      paid_cny: '13200.00',
      members: 6,
    });
    expect(rep.months[1].budget_cny).toBe('35555.55');
    expect(rep.months[1].remaining_cny).toBe('0.00');
    expect(rep.document_no).toMatch(/^IXM-PRG-2026-[0-9A-F]{8}$/);
    expect(rep.policies).toEqual(
      expect.arrayContaining([
        { id: 'TEST-PROGRAMME', version: 1 },
        { id: 'TEST-PROGRAMME', version: 2 },
        { id: 'TEST-PROGRAMME', version: 3 },
      ]),
    );
    expect(rep.members.find((m: { asn: number }) => m.asn === 64501)).toMatchObject({ coverage: 1 });
    const pdf = await inject(tok.auditor!, 'GET', '/reports/programme/2026?format=pdf&lang=zh');
    const file = join(dir.path, 'p.pdf');
    writeFileSync(file, pdf.rawPayload);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    for (const want of [
      '流量补贴项目 2026 年度报告',
      rep.document_no,
      rep.inputs_hash,
      '24000.00',
      'TEST-PROGRAMME v2',
    ])
      expect(text).toContain(want);
    const en = await inject(tok.auditor!, 'GET', '/reports/programme/2026?format=pdf&lang=en');
    writeFileSync(file, en.rawPayload);
    expect(execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' })).toContain('Flow subsidy programme: year 2026');
    const x = await inject(tok.auditor!, 'GET', '/reports/programme/2026?format=xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(x.rawPayload as unknown as ArrayBuffer);
    const months = wb.getWorksheet('months')!;
    let committed = 0;
    months.eachRow((row, i) => {
      if (i > 2) committed += Number(row.getCell(4).value ?? 0);
    });
    expect(committed.toFixed(2)).toBe(rep.total.committed_cny);
    expect(JSON.stringify(wb.getWorksheet('Document')!.getSheetValues())).toContain(rep.document_no);
  });

  it('disputes: counted per month and member from the dispute workflow (issue 13, statement_disputes)', async () => {
    await storage.client.command({
      query: `CREATE TABLE IF NOT EXISTS statement_disputes (id String, asn UInt32, month String, version UInt32, status LowCardinality(String), note String,
      raised_by String, raised_by_name String, raised_role LowCardinality(String), raised_at DateTime64(3, 'UTC'), resolution_note String, resolved_by String, resolved_by_name String,
      resolved_at Nullable(DateTime64(3, 'UTC')), new_version UInt32, updated_at DateTime64(3, 'UTC')) ENGINE = ReplacingMergeTree(updated_at) ORDER BY id`,
    });
    const row = (id: string, asn: number, month: string, status: string, at: number) => ({
      id,
      asn,
      month,
      version: 1,
      status,
      note: '',
      raised_by: 'm',
      raised_by_name: 'm',
      raised_role: 'member',
      raised_at: at,
      resolution_note: '',
      resolved_by: '',
      resolved_by_name: '',
      resolved_at: null,
      new_version: 0,
      updated_at: at,
    });
    await storage.client.insert({
      table: 'statement_disputes',
      values: [
        row('d1', 64501, '2026-01', 'open', 1),
        row('d1', 64501, '2026-01', 'rejected', 2),
        row('d2', 64503, '2026-02', 'open', 3),
      ],
      format: 'JSONEachRow',
    });
    const rep = (await inject(tok.auditor!, 'GET', '/reports/programme/2026')).json();
    expect(rep.disputes).toMatchObject({ available: true, raised: 2, open: 1 });
    expect(rep.months[0].disputes).toEqual({ raised: 1, open: 0 });
    expect(rep.months[1].disputes).toEqual({ raised: 1, open: 1 });
    expect(rep.members.find((m: { asn: number }) => m.asn === 64503).disputes).toEqual({ raised: 1, open: 1 });
  });
});
