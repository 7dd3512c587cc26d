import { beforeAll, describe, expect, it } from 'vitest';
import type { StatementDocument } from '../document.js';
import { fixtureDocument } from './fixture.js';
import { escapeHtml, renderStatementHtml, type StatementEvent } from './html.js';

let doc: StatementDocument;
beforeAll(() => {
  doc = fixtureDocument();
});

const events: StatementEvent[] = [
  {
    at: Date.parse('2025-05-02T01:00:00Z'),
    action: 'computed',
    from_status: '',
    to_status: 'draft',
    actor: 'finance.li',
    role: 'finance',
    note: '',
  },
  {
    at: Date.parse('2025-05-03T02:30:00Z'),
    action: 'review',
    from_status: 'draft',
    to_status: 'reviewed',
    actor: 'wang',
    role: 'finance',
    note: 'checked <script>alert(1)</script>',
  },
];

describe('renderStatementHtml', () => {
  it('a self-contained printable A4 page', () => {
    const html = renderStatementHtml(doc, { lang: 'zh', status: 'reviewed', events });
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('@page { size: A4;');
    expect(html).toContain('@media print');
    expect(html).not.toMatch(/<script|<link|<img|<iframe|url\(|src=|https?:\/\//i);
  });

  it('shows the figures with bilingual labels, the banner, the direction convention and the dispute procedure', () => {
    const html = renderStatementHtml(doc, { lang: 'zh', status: 'reviewed', events });
    expect(html).toContain('计费速率 <span class="sec">billable rate</span>');
    expect(html).toContain('8,055,838,434'); // billable bps
    expect(html).toContain('¥8,055.84');
    expect(html).toContain('CNY 8055.84');
    expect(html).toContain('1,328,772,859,048,558'); // in bytes, exact
    expect(html).toContain(doc.statement.samples_hash);
    expect(html).toContain('EXAMPLE-ZW-TRAFFIC-2022@1');
    expect(html).toContain('<div class="banner">示例（非正式）');
    expect(html).toContain('EXAMPLE — not official');
    expect(html).toContain(escapeHtml(doc.statement.direction_convention.zh));
    expect(html).toContain(escapeHtml(doc.statement.direction_convention.en));
    expect(html).toContain('第 14 个工作日');
    expect(html).toContain('by working day 14');
    expect(html).toContain('已复核 <span class="sec">reviewed</span>');
    expect(html).toContain('ALERT-42');
    expect(html).toContain('CHINANET');
    expect(html).toContain('2025-05-03 02:30:00 UTC');
    for (const l of doc.subsidy.lines) expect(html).toContain(`<td>${escapeHtml(l.code)}</td>`);
  });

  it('escapes every document value', () => {
    const html = renderStatementHtml(doc, { lang: 'en', status: '<b>odd</b>', events });
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('Acme &lt;CDN&gt; &amp; &quot;Co&quot;');
    expect(html).toContain('CMNET &lt;mobile&gt;');
    expect(html).toContain('checked &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;b&gt;odd&lt;/b&gt;');
    expect(html).not.toContain('<CDN>');
    expect(html).not.toContain('<b>odd');
    expect(html).toContain('billable rate <span class="sec">计费速率</span>');
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('no banner when the policy is official; empty history says so', () => {
    const official: StatementDocument = {
      ...doc,
      subsidy: { ...doc.subsidy, policy: { ...doc.subsidy.policy, official: true } },
    };
    const html = renderStatementHtml(official, { lang: 'en', status: 'approved', events: [] });
    expect(html).not.toContain('class="banner"');
    expect(html).not.toContain('EXAMPLE — not official');
    expect(html).toContain('none <span class="sec">无</span>');
  });
});
