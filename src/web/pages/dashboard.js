// Operations wall screen (综合监测大屏) for the monitoring centre: staff and the regulator. Large type on a
// dark background, readable across a room; refreshes every ?refresh= seconds (10–30, default 15): the last
// 24 hours at each refresh, the 7- and 30-day views every 5 minutes. zh-CN by default (?lang=en for English).
// Each panel loads on its own: a panel the role may not read (403) or a service not there yet (404, e.g.
// /notices) says so, and the others go on.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { html, api, fmtBps, fmtBytes, Link, navigate, session, TZ } from '../lib.js';
import { t, getLang, setLang } from '../i18n.js';
import { LineChart } from '../components.js';
import { nameOf, UtilGauge } from './member-portal.js';

const SEVERITIES = ['critical', 'major', 'warning', 'info'];
const shortFmt = {};
/** MM-DD HH:mm in the billing time zone, whatever the language. */
function short(iso) {
  if (!iso) return '';
  shortFmt.f ??= new Intl.DateTimeFormat('en-GB', {
    timeZone: TZ,
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const p = Object.fromEntries(shortFmt.f.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  return `${p.month}-${p.day} ${p.hour}:${p.minute}`;
}
const LONG_EVERY_MS = 300_000;

function refreshSeconds() {
  const r = Number(new URLSearchParams(location.search).get('refresh'));
  return Number.isFinite(r) && r >= 10 && r <= 30 ? r : 15;
}

const ago = (h) => new Date(Date.now() - h * 3600_000).toISOString();
const range = (hours, step) =>
  `/overview?from=${encodeURIComponent(ago(hours))}&to=${encodeURIComponent(new Date(Date.now() + 300_000).toISOString())}&step=${step}`;

/** A panel's data: {data} or {error} (status kept), loaded by `load` every `everyMs` and on `tick`. */
function usePanel(load, tick, everyMs = 0) {
  const [state, setState] = useState({ data: null, error: null, at: 0 });
  useEffect(() => {
    if (everyMs && state.at && Date.now() - state.at < everyMs) return;
    let live = true;
    load().then(
      (data) => live && setState({ data, error: null, at: Date.now() }),
      (error) => live && setState((s) => ({ data: s.data, error, at: Date.now() })),
    );
    return () => {
      live = false;
    };
  }, [tick]);
  return state;
}

function Unavailable({ error, missing }) {
  const text =
    error.status === 404 && missing
      ? missing
      : error.status === 403
        ? t('dash.unavailable')
        : `${error.code ?? ''} ${error.message ?? ''}`;
  return html`<p class="dash-muted" data-testid="panel-unavailable" data-status=${error.status ?? ''}>${text}</p>`;
}

function Figure({ label, value, note, testid, cls = '' }) {
  return html`<div class=${`dash-fig ${cls}`} data-testid=${testid}><div class="dash-fig-k">${label}</div><div class="dash-fig-v">${value}</div>${note ? html`<div class="dash-fig-n">${note}</div>` : null}</div>`;
}

function Headline({ d24, d7, d30 }) {
  const o = d24.data;
  const last = o?.series?.length > 1 ? o.series[o.series.length - 2] : o?.series?.[0];
  const pct = (part) => (last && last.bps > 0 ? `${((part / last.bps) * 100).toFixed(0)} %` : '—');
  return html`<section class="dash-figs" aria-label=${t('dash.now')}>
    <${Figure} cls="dash-fig-main" label=${t('dash.now')} value=${fmtBps(last?.bps)} note=${t('dash.now_note')} testid="dash-now" />
    <${Figure} label=${t('dash.ipv4')} value=${fmtBps(last?.ipv4_bps)} note=${t('dash.share', { pct: pct(last?.ipv4_bps ?? 0) })} testid="dash-v4" />
    <${Figure} label=${t('dash.ipv6')} value=${fmtBps(last?.ipv6_bps)} note=${t('dash.share', { pct: pct(last?.ipv6_bps ?? 0) })} testid="dash-v6" />
    <${Figure} label=${t('dash.peak_24h')} value=${fmtBps(o?.peak_bps)} note=${short(o?.peak_at)} testid="dash-peak" />
    <${Figure} label=${t('dash.p95_24h')} value=${fmtBps(o?.p95_bps)} />
    <${Figure} label=${t('dash.peak_7d')} value=${fmtBps(d7.data?.peak_bps)} />
    <${Figure} label=${t('dash.total_30d')} value=${fmtBytes(d30.data?.total_bytes)} />
    <${Figure} label=${t('dash.members_active')} value=${o ? `${o.members_active} ${t('dash.members_unit')}` : '—'} testid="dash-members" />
  </section>`;
}

function FabricChart({ o, title, height, testid }) {
  const lang = getLang();
  const chart = useMemo(() => {
    if (!o?.series?.length) return null;
    const xs = o.series.map((p) => Date.parse(p.ts) / 1000);
    return {
      xs,
      lines: [
        {
          label: t('dash.ipv4'),
          values: o.series.map((p) => p.ipv4_bps),
          color: '#4da3ff',
          fill: 'rgba(77,163,255,0.18)',
        },
        {
          label: t('dash.ipv6'),
          values: o.series.map((p) => p.ipv6_bps),
          color: '#3ddc84',
          fill: 'rgba(61,220,132,0.14)',
        },
        { label: t('dash.total'), values: o.series.map((p) => p.bps), color: '#ffffff' },
      ],
    };
  }, [o, lang]);
  const key = html`<span class="dash-key"><i class="k-v4"></i>${t('dash.ipv4')} <i class="k-v6"></i>${t('dash.ipv6')} <i class="k-all"></i>${t('dash.total')}</span>`;
  return html`<div class="dash-panel" data-testid=${testid}><h2>${title} ${key}</h2>${chart ? html`<${LineChart} xs=${chart.xs} lines=${chart.lines} height=${height} ariaLabel=${title} axisColor="#c9d4e3" gridColor="#2a3a52" axisFont="16px sans-serif" />` : null}</div>`;
}

function TopMembers({ o }) {
  return html`<div class="dash-panel" data-testid="dash-top-members"><h2>${t('dash.top_members')}</h2>
    <table class="dash-table"><thead><tr><th>${t('dash.rank')}</th><th>${t('dash.member')}</th><th class="num">${t('dash.sent')}</th><th class="num">${t('dash.received')}</th></tr></thead>
    <tbody>${(o?.top_members ?? []).slice(0, 7).map((m, i) => html`<tr><td>${i + 1}</td><td><span class="dash-name">${nameOf(m)}</span> <span class="dash-muted">AS${m.asn}</span></td><td class="num">${fmtBytes(m.in_bytes)}</td><td class="num">${fmtBytes(m.out_bytes)}</td></tr>`)}</tbody></table></div>`;
}

function TopPairs({ o }) {
  return html`<div class="dash-panel" data-testid="dash-top-pairs"><h2>${t('dash.top_pairs')}</h2>
    <table class="dash-table"><thead><tr><th>${t('dash.pair')}</th><th class="num">${t('dash.bytes')}</th></tr></thead>
    <tbody>${(o?.top_pairs ?? []).slice(0, 7).map((p) => html`<tr><td><span class="dash-name">${nameOf(p.src)}</span> → <span class="dash-name">${nameOf(p.dst)}</span></td><td class="num">${fmtBytes(p.bytes)}</td></tr>`)}</tbody></table></div>`;
}

function Ports({ util }) {
  const over = (util.data?.members ?? []).filter((m) => m.over_threshold);
  const shown = over.length ? over : (util.data?.members ?? []).filter((m) => m.capacity_bps > 0).slice(0, 3);
  return html`<div class="dash-panel" data-testid="dash-ports"><h2>${t('dash.ports')} ${over.length ? html`<span class="dash-count dash-bad">${over.length}</span>` : null}</h2>
    ${
      util.error
        ? html`<${Unavailable} error=${util.error} />`
        : html`
      ${!over.length ? html`<p class="dash-ok">${t('dash.ports_none')}</p><p class="dash-muted">${t('dash.ports_worst')}</p>` : null}
      ${shown.slice(0, 3).map((m) => html`<div class="dash-port"><div class="dash-port-name">${nameOf(m)} <span class="dash-muted">AS${m.asn}</span></div><${UtilGauge} u=${m} large /></div>`)}`
    }
  </div>`;
}

function Alerts({ alerts }) {
  const list = alerts.data?.alerts ?? [];
  const count = (s) => list.filter((a) => a.severity === s).length;
  return html`<div class="dash-panel" data-testid="dash-alerts"><h2>${t('dash.alerts')}</h2>
    ${
      alerts.error
        ? html`<${Unavailable} error=${alerts.error} />`
        : html`
      <div class="dash-sev">${SEVERITIES.map((s) => html`<div class=${`dash-sev-box sev-${s}`} data-severity=${s} data-count=${count(s)}><div class="dash-sev-n">${count(s)}</div><div>${t(`severity.${s}`)}</div></div>`)}</div>
      ${list.length ? html`<ul class="dash-list">${list.slice(0, 4).map((a) => html`<li><span class=${`dash-dot sev-${a.severity}`}></span>${t(`alert_type.${a.type}`, undefined, a.type)} · ${a.target} <span class="dash-muted">${short(a.last_seen)}</span></li>`)}</ul>` : html`<p class="dash-ok">${t('dash.alerts_none')}</p>`}`
    }
  </div>`;
}

/** Notices (整改通知) come from another part of the platform (GET /notices): a missing endpoint is tolerated. */
function Notices({ notices }) {
  const list = (notices.data?.notices ?? []).filter((n) => !['rectified', 'closed'].includes(n.status));
  return html`<div class="dash-panel" data-testid="dash-notices"><h2>${t('dash.notices')}</h2>
    ${
      notices.error
        ? html`<${Unavailable} error=${notices.error} missing=${t('dash.notices_unavailable')} />`
        : !list.length
          ? html`<p class="dash-ok">${t('dash.notices_none')}</p>`
          : html`
      <p class="dash-big-n">${list.length} <span class="dash-muted">${t('dash.overdue')}: ${list.filter((n) => n.overdue).length}</span></p>
      <ul class="dash-list">${list.slice(0, 4).map((n) => html`<li><span class=${`dash-dot ${n.overdue ? 'sev-major' : 'sev-info'}`}></span>AS${n.asn} · ${n.title}</li>`)}</ul>`
    }
  </div>`;
}

function Exporters({ exporters }) {
  const bad = (exporters.data?.exporters ?? []).filter((e) => e.status !== 'ok' || (e.problems ?? []).length);
  const text = (p) => (typeof p === 'string' ? p : (p.message ?? p.code));
  return html`<div class="dash-panel" data-testid="dash-exporters"><h2>${t('dash.exporters')} ${bad.length ? html`<span class="dash-count dash-bad">${bad.length}</span>` : null}</h2>
    ${
      exporters.error
        ? html`<${Unavailable} error=${exporters.error} />`
        : !bad.length
          ? html`<p class="dash-ok">${t('dash.exporters_none')}</p>`
          : html`
      <ul class="dash-list">${bad.slice(0, 5).map((e) => html`<li><span class="dash-dot sev-warning"></span>${e.address} · ${t(`exporter.${e.status}`, undefined, e.status)}${(e.problems ?? []).length ? html` <span class="dash-muted">${(e.problems ?? []).slice(0, 2).map(text).join('；')}</span>` : null}</li>`)}</ul>`
    }
  </div>`;
}

export function Dashboard() {
  const seconds = refreshSeconds();
  const [tick, setTick] = useState(0);
  const [, setLangState] = useState(getLang());
  useEffect(() => {
    const q = new URLSearchParams(location.search).get('lang');
    if (q === 'en' || q === 'zh') setLang(q);
    setLangState(getLang());
    document.body.classList.add('dash-body');
    const id = setInterval(() => setTick((x) => x + 1), seconds * 1000);
    return () => {
      clearInterval(id);
      document.body.classList.remove('dash-body');
    };
  }, []);
  const d24 = usePanel(() => api(range(24, 300)), tick);
  const d7 = usePanel(() => api(range(24 * 7, 1800)), tick, LONG_EVERY_MS);
  const d30 = usePanel(() => api(range(24 * 30, 7200)), tick, LONG_EVERY_MS);
  const util = usePanel(() => api(`/utilization?from=${encodeURIComponent(ago(1))}`), tick);
  const alerts = usePanel(() => api('/alerts?status=open&limit=200'), tick);
  const notices = usePanel(() => api('/notices?status=issued'), tick);
  const exporters = usePanel(() => api('/exporters'), tick);
  return html`<div class="dash" data-testid="dashboard" lang=${getLang() === 'en' ? 'en' : 'zh-CN'}>
    <header class="dash-head">
      <h1>${t('dash.title')}</h1>
      <div class="dash-clock" data-testid="dash-updated">${d24.at ? t('dash.updated', { time: short(new Date(d24.at).toISOString()).slice(6) }) : ''} · <span class="dash-muted">${t('dash.refresh_every', { s: seconds })}</span></div>
      <button type="button" class="dash-lang" data-testid="lang-switch" onClick=${() => {
        setLang(getLang() === 'zh' ? 'en' : 'zh');
        setLangState(getLang());
      }}>${getLang() === 'zh' ? 'English' : '中文'}</button>
      ${session.me()?.role !== 'regulator' ? html`<${Link} href="/" class="dash-lang" data-testid="dash-back">${t('dash.back')}<//>` : null}
      <button type="button" class="dash-lang" data-testid="signout" onClick=${() => {
        session.clear();
        dispatchEvent(new Event('ixm:session'));
        navigate('/signin');
      }}>${t('signout')}</button>
    </header>
    ${d24.error ? html`<${Unavailable} error=${d24.error} />` : null}
    <${Headline} d24=${d24} d7=${d7} d30=${d30} />
    <div class="dash-row dash-row-charts">
      <${FabricChart} o=${d24.data} title=${t('dash.chart_24h')} height=${380} testid="dash-chart-24h" />
      <div class="dash-col">
        <${FabricChart} o=${d7.data} title=${t('dash.chart_7d')} height=${150} testid="dash-chart-7d" />
        <${FabricChart} o=${d30.data} title=${t('dash.chart_30d')} height=${150} testid="dash-chart-30d" />
      </div>
    </div>
    <div class="dash-row dash-row-4">
      <${TopMembers} o=${d24.data} />
      <${TopPairs} o=${d24.data} />
      <div class="dash-col"><${Ports} util=${util} /><${Exporters} exporters=${exporters} /></div>
      <div class="dash-col"><${Alerts} alerts=${alerts} /><${Notices} notices=${notices} /></div>
    </div>
  </div>`;
}
