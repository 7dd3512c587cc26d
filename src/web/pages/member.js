// Member portal: traffic (graph with P95, period picker, peers), statements with downloads and the
// subsidy summary, and the alerts that concern the member. Staff reach the same pages for any ASN.
import { useMemo, useState } from 'preact/hooks';
import {
  html,
  api,
  Link,
  queryParams,
  setQuery,
  fmtBps,
  fmtBytes,
  fmtInt,
  fmtCny,
  fmtPct,
  fmtTime,
  todayLocal,
  addDays,
  addMonths,
  weekStart,
  startOf,
  p95,
  sumBig,
  session,
  TZ_OFFSET,
} from '../lib.js';
import { t, getLang } from '../i18n.js';
import {
  useAsync,
  ErrorBox,
  Loading,
  LineChart,
  Facts,
  Badge,
  DownloadButton,
  ExampleBanner,
  Notice,
} from '../components.js';
import { CsvButton } from '../csv.js';
import { MemberPortalParts, padToRange } from './member-portal.js';
import { CoverageCard, StatementDisputes } from './corrections.js';

function MemberHeader({ asn, section }) {
  const m = useAsync(() => api(`/members/${asn}`), [asn]);
  const name = m.data ? (getLang() === 'en' ? m.data.name : m.data.name_zh || m.data.name) : '';
  return html`<header class="page-head">
    <h1>${t(section)} · AS${asn}${name ? html` <span class="muted">${name}</span>` : null}</h1>
    <nav class="tabs" aria-label=${t('member.sections')}>
      <${Link} href=${`/members/${asn}/traffic`} aria-current=${section === 'nav.traffic' ? 'page' : undefined}>${t('nav.traffic')}<//>
      ${session.me()?.role !== 'security' ? html`<${Link} href=${`/members/${asn}/statements`} aria-current=${section === 'nav.statements' ? 'page' : undefined}>${t('nav.statements')}<//>` : null}
      <${Link} href=${`/members/${asn}/alerts`} aria-current=${section === 'nav.alerts' ? 'page' : undefined}>${t('nav.alerts')}<//>
    </nav>
  </header>`;
}

/** An error of a member page; a member who followed a link to another member's page gets a way back. */
function MemberError({ asn, error }) {
  if (!error) return null;
  const me = session.me();
  const foreign = error.status === 403 && me?.role === 'member' && me.asn !== asn;
  return html`<${ErrorBox} error=${error} />
    ${foreign ? html`<p><${Link} href=${`/members/${me.asn}/traffic`} data-testid="own-pages">${t('member.back_to_own', { asn: me.asn })}<//></p>` : null}`;
}

/** [from, to) ISO times of the chosen period, in the billing time zone. */
export function periodRange(p) {
  switch (p.kind) {
    case 'week': {
      const s = weekStart(p.date);
      return { from: startOf(s), to: startOf(addDays(s, 7)) };
    }
    case 'month': {
      const m = p.date.slice(0, 7);
      return { from: `${m}-01T00:00:00${TZ_OFFSET}`, to: `${addMonths(m, 1)}-01T00:00:00${TZ_OFFSET}` };
    }
    case 'custom':
      return { from: `${p.from}:00${TZ_OFFSET}`, to: `${p.to}:00${TZ_OFFSET}` };
    default:
      return { from: startOf(p.date), to: startOf(addDays(p.date, 1)) };
  }
}

function PeriodPicker({ value, onChange }) {
  const kinds = ['day', 'week', 'month', 'custom'];
  const set = (patch) => onChange({ ...value, ...patch });
  return html`<form class="toolbar" onSubmit=${(e) => e.preventDefault()} aria-label=${t('period.aria')}>
    <fieldset class="segmented">
      <legend>${t('period.label')}</legend>
      ${kinds.map((k) => html`<label class=${value.kind === k ? 'on' : ''}><input type="radio" name="period" value=${k} checked=${value.kind === k} onChange=${() => set({ kind: k })} />${t(`period.${k}`)}</label>`)}
    </fieldset>
    ${
      value.kind === 'month'
        ? html`<label>${t('period.month')} <input type="month" name="month" value=${value.date.slice(0, 7)} onChange=${(e) => e.currentTarget.value && set({ date: `${e.currentTarget.value}-01` })} /></label>`
        : value.kind === 'custom'
          ? html`<label>${t('period.from')} <input type="datetime-local" name="from" value=${value.from} onChange=${(e) => e.currentTarget.value && set({ from: e.currentTarget.value })} /></label>
               <label>${t('period.to')} <input type="datetime-local" name="to" value=${value.to} onChange=${(e) => e.currentTarget.value && set({ to: e.currentTarget.value })} /></label>`
          : html`<label>${value.kind === 'week' ? t('period.week_of') : t('period.date')} <input type="date" name="date" value=${value.date} onChange=${(e) => e.currentTarget.value && set({ date: e.currentTarget.value })} /></label>`
    }
    <span class="muted tz-note">${t('period.tz')}</span>
  </form>`;
}

function initialPeriod() {
  const q = queryParams();
  const today = todayLocal();
  const kind = ['day', 'week', 'month', 'custom'].includes(q.get('period')) ? q.get('period') : 'day';
  const date = /^\d{4}-\d{2}-\d{2}$/.test(q.get('date') ?? '') ? q.get('date') : today;
  return { kind, date, from: q.get('from') ?? `${addDays(today, -2)}T00:00`, to: q.get('to') ?? `${today}T00:00` };
}

export function MemberTraffic({ asn }) {
  const [period, setPeriod] = useState(initialPeriod);
  const change = (p) => {
    setPeriod(p);
    setQuery({
      period: p.kind,
      date: p.kind === 'custom' ? null : p.date,
      from: p.kind === 'custom' ? p.from : null,
      to: p.kind === 'custom' ? p.to : null,
    });
  };
  const range = periodRange(period);
  const spanS = (Date.parse(range.to) - Date.parse(range.from)) / 1000;
  const step = Math.max(300, Math.ceil(spanS / 300 / 10_000) * 300);
  const traffic = useAsync(() => {
    if (!(spanS > 0)) throw Object.assign(new Error(t('period.invalid')), { status: 400, code: 'CONSOLE' });
    return api(
      `/members/${asn}/traffic?from=${encodeURIComponent(range.from)}&to=${encodeURIComponent(range.to)}&step=${step}`,
    );
  }, [asn, range.from, range.to, step]);
  const d = traffic.data;
  const chart = useMemo(() => {
    if (!d) return null;
    const ins = d.series.map((p) => p.in_bps);
    const outs = d.series.map((p) => p.out_bps);
    const p95In = p95(ins);
    const p95Out = p95(outs);
    // The API gives no points after now; the axis still spans the whole period, the future drawn as nothing.
    const { xs, values } = padToRange(d.series, d.to, d.step, [
      ins,
      outs,
      ins.map(() => p95In),
      outs.map(() => p95Out),
    ]);
    const lines = [
      { label: t('traffic.in'), values: values[0], color: '#0b5cad', fill: 'rgba(11,92,173,0.10)' },
      { label: t('traffic.out'), values: values[1], color: '#1e8a44', fill: 'rgba(30,138,68,0.08)' },
      { label: t('traffic.p95_in'), values: values[2], color: '#0b5cad', dash: [8, 5] },
      { label: t('traffic.p95_out'), values: values[3], color: '#c0392b', dash: [8, 5] },
    ];
    const peak = (v) => (v.length ? Math.max(...v) : null);
    const avg = (v) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : null);
    return { xs, lines, p95In, p95Out, peakIn: peak(ins), peakOut: peak(outs), avgIn: avg(ins), avgOut: avg(outs) };
  }, [d, getLang()]);

  return html`<section aria-labelledby="page-title">
    <${MemberHeader} asn=${asn} section="nav.traffic" />
    <h2 id="page-title" class="sr-only">${t('traffic.title')}</h2>
    <${PeriodPicker} value=${period} onChange=${change} />
    <${MemberError} asn=${asn} error=${traffic.error} />
    ${traffic.loading && !d ? html`<${Loading} />` : null}
    ${
      d && chart
        ? html`
      <div class="card">
        <div class="card-head"><h3>${t('traffic.graph_title')} <span class="muted small">${t('traffic.step', { step: d.step / 60 })}</span></h3>
          <${CsvButton} what=${t('traffic.graph_title')} name=${`ixmeter-AS${asn}-traffic.csv`} rows=${d.series} testid="csv-traffic"
            columns=${[
              [t('csv.time'), (p) => p.ts],
              ['in_bps', (p) => p.in_bps],
              ['out_bps', (p) => p.out_bps],
            ]} /></div>
        <ul class="chart-legend" data-testid="traffic-legend" aria-label=${t('traffic.summary')}>
          <li class="lg-in"><span class="swatch" aria-hidden="true"></span>${t('traffic.p95_in')} <strong data-testid="legend-p95-in" data-value=${chart.p95In ?? 0}>${fmtBps(chart.p95In)}</strong></li>
          <li class="lg-out"><span class="swatch" aria-hidden="true"></span>${t('traffic.p95_out')} <strong data-testid="legend-p95-out" data-value=${chart.p95Out ?? 0}>${fmtBps(chart.p95Out)}</strong></li>
          <li>${t('traffic.peak_in')} <strong data-testid="legend-peak-in" data-value=${chart.peakIn ?? 0}>${fmtBps(chart.peakIn)}</strong></li>
          <li>${t('traffic.peak_out')} <strong data-testid="legend-peak-out" data-value=${chart.peakOut ?? 0}>${fmtBps(chart.peakOut)}</strong></li>
          <li>${t('traffic.avg_in')} <strong>${fmtBps(chart.avgIn)}</strong></li>
          <li>${t('traffic.avg_out')} <strong>${fmtBps(chart.avgOut)}</strong></li>
        </ul>
        <${LineChart} xs=${chart.xs} lines=${chart.lines} ariaLabel=${t('traffic.chart_aria', { asn, from: fmtTime(d.from), to: fmtTime(d.to) })} testid="traffic-chart" />
        <p class="muted small">${t('traffic.p95_note')}</p>
      </div>
      <div class="card">
        <h3>${t('traffic.totals')}</h3>
        <${Facts} testid="traffic-totals" items=${[
          [t('traffic.in_bytes'), html`<span title=${fmtInt(d.in_bytes)}>${fmtBytes(d.in_bytes)}</span>`, 'total-in'],
          [
            t('traffic.out_bytes'),
            html`<span title=${fmtInt(d.out_bytes)}>${fmtBytes(d.out_bytes)}</span>`,
            'total-out',
          ],
          [t('traffic.in_packets'), fmtInt(d.in_packets)],
          [t('traffic.out_packets'), fmtInt(d.out_packets)],
        ]} />
      </div>
      <${MemberPortalParts} asn=${asn} range=${range} step=${step} />`
        : null
    }
  </section>`;
}

/** The member's statements of the last 12 months (404 = none for that month). */
async function loadStatements(asn) {
  const months = [];
  let m = todayLocal().slice(0, 7);
  for (let i = 0; i < 12; i++, m = addMonths(m, -1)) months.push(m);
  const got = await Promise.all(
    months.map((month) =>
      api(`/members/${asn}/statements/${month}`).catch((e) => {
        if (e.status === 404) return null;
        throw e;
      }),
    ),
  );
  return got.filter(Boolean);
}

export function MemberStatements({ asn }) {
  const res = useAsync(() => loadStatements(asn), [asn]);
  const [selected, setSelected] = useState(null);
  const [dlError, setDlError] = useState(null);
  const list = res.data ?? [];
  const current = list.find((s) => s.month === selected) ?? list[0] ?? null;
  const lang = getLang();
  return html`<section>
    <${MemberHeader} asn=${asn} section="nav.statements" />
    <${MemberError} asn=${asn} error=${res.error} />
    ${res.loading && !res.data ? html`<${Loading} />` : null}
    ${res.data && !list.length ? html`<p class="muted" data-testid="no-statements">${t('statements.none')}</p>` : null}
    ${
      list.length
        ? html`
      <div class="card">
        <h3 id="st-title">${t('statements.list')}</h3>
        <${ErrorBox} error=${dlError} />
        <table class="table" aria-labelledby="st-title" data-testid="statements-table">
          <thead><tr>
            <th scope="col">${t('col.month')}</th><th scope="col">${t('col.version')}</th><th scope="col">${t('col.status')}</th>
            <th scope="col" class="num">${t('col.volume')}</th><th scope="col" class="num">${t('col.p95_in')}</th><th scope="col" class="num">${t('col.p95_out')}</th>
            <th scope="col" class="num">${t('col.billable')}</th><th scope="col" class="num">${t('col.subsidy')}</th><th scope="col">${t('col.downloads')}</th>
          </tr></thead>
          <tbody>${list.map(
            (s) => html`<tr data-month=${s.month} class=${current?.month === s.month ? 'selected' : ''}>
            <th scope="row"><button type="button" class="linkish" onClick=${() => setSelected(s.month)} aria-pressed=${current?.month === s.month}>${s.month}</button></th>
            <td>v${s.version}</td>
            <td><${Badge} group="status" value=${s.status} /></td>
            <td class="num">${fmtBytes(sumBig(s.in_bytes, s.out_bytes))}</td>
            <td class="num">${fmtBps(s.p95_in_bps)}</td>
            <td class="num">${fmtBps(s.p95_out_bps)}</td>
            <td class="num">${fmtBps(s.billable_bps)}</td>
            <td class="num">${fmtCny(s.subsidy?.amount_cny)}</td>
            <td class="actions">${['csv', 'xlsx', 'pdf'].map(
              (
                f,
              ) => html`<${DownloadButton} path=${`/members/${asn}/statements/${s.month}?format=${f}&version=${s.version}&lang=${lang}`}
              name=${`ixmeter-statement-AS${asn}-${s.month}.${f}`} label=${f.toUpperCase()} aria=${t('statements.download', { month: s.month, format: f.toUpperCase() })} onError=${setDlError} />`,
            )}</td>
          </tr>`,
          )}</tbody>
        </table>
      </div>
      ${current ? html`<${StatementDetail} s=${current} />` : null}
      ${current ? html`<div class="grid-2"><${CoverageCard} s=${current} /><${StatementDisputes} asn=${asn} month=${current.month} onChange=${res.reload} /></div>` : null}`
        : null
    }
  </section>`;
}

function StatementDetail({ s }) {
  const lang = getLang();
  const sub = s.subsidy ?? {};
  const daily = s.statement?.daily ?? [];
  return html`<div class="grid-2">
    <div class="card" data-testid="subsidy-summary">
      <h3>${t('subsidy.title', { month: s.month })}</h3>
      <${ExampleBanner} policy=${sub.policy} />
      <${Facts} items=${[
        [t('subsidy.amount'), html`<strong class="big">${fmtCny(sub.amount_cny)}</strong>`, 'subsidy-amount'],
        [t('subsidy.status'), html`<${Badge} group="subsidy" value=${sub.status} />`],
        [
          t('subsidy.policy'),
          sub.policy
            ? `${lang === 'en' ? sub.policy.name_en : sub.policy.name_zh} (${sub.policy.id} v${sub.policy.version})`
            : '—',
        ],
        [t('col.billable'), fmtBps(s.billable_bps)],
        [t('statements.coverage'), fmtPct(s.coverage, 2)],
        [t('statements.method'), s.percentile_method],
      ]} />
      ${
        sub.lines?.length
          ? html`<table class="table compact" aria-label=${t('subsidy.lines')}>
        <thead><tr><th scope="col">${t('subsidy.line')}</th><th scope="col" class="num">${t('subsidy.quantity')}</th><th scope="col" class="num">${t('subsidy.rate')}</th><th scope="col" class="num">${t('subsidy.line_amount')}</th><th scope="col" class="num">${t('subsidy.subtotal')}</th></tr></thead>
        <tbody>${sub.lines.map((l) => html`<tr><td>${lang === 'en' ? l.label_en : l.label_zh}</td><td class="num">${l.quantity ?? ''} ${l.unit ?? ''}</td><td class="num">${l.rate ?? ''}</td><td class="num">${fmtCny(l.amount)}</td><td class="num">${fmtCny(l.subtotal)}</td></tr>`)}</tbody>
      </table>`
          : null
      }
    </div>
    <div class="card">
      <h3>${t('statements.figures', { month: s.month, version: s.version })}</h3>
      <${Facts} items=${[
        [t('traffic.in_bytes'), html`<span title=${fmtInt(s.in_bytes)}>${fmtBytes(s.in_bytes)}</span>`],
        [t('traffic.out_bytes'), html`<span title=${fmtInt(s.out_bytes)}>${fmtBytes(s.out_bytes)}</span>`],
        [t('col.p95_in'), fmtBps(s.p95_in_bps)],
        [t('col.p95_out'), fmtBps(s.p95_out_bps)],
        [t('traffic.peak_in'), fmtBps(s.peak_in_bps)],
        [t('traffic.peak_out'), fmtBps(s.peak_out_bps)],
        [t('traffic.avg_in'), fmtBps(s.avg_in_bps)],
        [t('traffic.avg_out'), fmtBps(s.avg_out_bps)],
        [t('statements.computed'), fmtTime(s.computed_at)],
      ]} />
      ${
        daily.length
          ? html`<details><summary>${t('statements.daily', { n: daily.length })}</summary>
        <table class="table compact"><thead><tr><th scope="col">${t('col.date')}</th><th scope="col" class="num">${t('traffic.in_bytes')}</th><th scope="col" class="num">${t('traffic.out_bytes')}</th><th scope="col" class="num">${t('traffic.peak_in')}</th><th scope="col" class="num">${t('traffic.peak_out')}</th></tr></thead>
        <tbody>${daily.filter((x) => x.valid_buckets > 0).map((x) => html`<tr><td>${x.date}</td><td class="num">${fmtBytes(x.in_bytes)}</td><td class="num">${fmtBytes(x.out_bytes)}</td><td class="num">${fmtBps(x.peak_in_bps)}</td><td class="num">${fmtBps(x.peak_out_bps)}</td></tr>`)}</tbody></table>
      </details>`
          : null
      }
    </div>
  </div>`;
}

export function AlertTable({ alerts, asn, testid }) {
  return html`<table class="table" data-testid=${testid} aria-label=${t('alerts.table')}>
    <thead><tr><th scope="col">${t('alerts.first_seen')}</th><th scope="col">${t('alerts.type')}</th><th scope="col">${t('alerts.severity')}</th><th scope="col">${t('alerts.status')}</th><th scope="col">${t('alerts.target')}</th>${asn ? html`<th scope="col">${t('alerts.role')}</th>` : html`<th scope="col">${t('alerts.source')}</th><th scope="col">${t('alerts.victim')}</th>`}</tr></thead>
    <tbody>${alerts.map(
      (a) => html`<tr data-alert=${a.id}>
      <td>${fmtTime(a.first_seen)}</td>
      <td><${Link} href=${`/alerts/${a.id}`}>${t(`alert_type.${a.type}`, {}, a.type)}<//></td>
      <td><${Badge} group="severity" value=${a.severity} /></td>
      <td><${Badge} group="alert_status" value=${a.status} /></td>
      <td><code>${a.target}</code></td>
      ${
        asn
          ? html`<td>${a.victim_asn === asn ? t('alerts.as_victim') : a.source_asn === asn ? t('alerts.as_source') : '—'}</td>`
          : html`<td>${a.source_asn ? `AS${a.source_asn}` : '—'}</td><td>${a.victim_asn ? `AS${a.victim_asn}` : '—'}</td>`
      }
    </tr>`,
    )}</tbody>
  </table>`;
}

export function MemberAlerts({ asn }) {
  const me = session.me();
  const res = useAsync(async () => {
    if (me?.role === 'member' && me.asn !== asn) await api(`/members/${asn}`); // surfaces the API's 403
    const r = await api('/alerts?limit=500');
    return r.alerts.filter((a) => a.source_asn === asn || a.victim_asn === asn);
  }, [asn]);
  return html`<section>
    <${MemberHeader} asn=${asn} section="nav.alerts" />
    <${MemberError} asn=${asn} error=${res.error} />
    ${res.loading && !res.data ? html`<${Loading} />` : null}
    ${res.data ? (res.data.length ? html`<div class="card"><${AlertTable} alerts=${res.data} asn=${asn} testid="member-alerts" /></div>` : html`<${Notice}>${t('alerts.none_member')}<//>`) : null}
  </section>`;
}
