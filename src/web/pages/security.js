// Security: the alert queue with filters, and an alert's evidence with acknowledge / resolve.
import { useMemo, useState } from 'preact/hooks';
import { html, api, Link, queryParams, setQuery, fmtBps, fmtNum, fmtTime, session } from '../lib.js';
import { t } from '../i18n.js';
import { useAsync, ErrorBox, Loading, Badge, Notice, Facts, LineChart } from '../components.js';
import { AlertTable } from './member.js';
import { AlertDeliveries } from './notices.js';

const STATUSES = ['open', 'acknowledged', 'resolved', 'false_positive'];
export const KNOWN_TYPES = [
  'DDOS_VOLUMETRIC_DST',
  'DDOS_AMPLIFICATION',
  'DDOS_SYN_FLOOD',
  'DDOS_FRAGMENTS',
  'L2_UNKNOWN_SRC_MAC',
  'L2_MULTIPLE_MACS',
  'L2_FORBIDDEN_ETHERTYPE',
  'L2_LINK_LOCAL_PROTOCOL',
  'L2_NON_UNICAST',
  'L2_MAC_IP_MISMATCH',
  'IP_BOGON_SOURCE',
  'SCAN_PORT',
  'SCAN_ADDRESS',
  'TRAFFIC_ANOMALY_SPIKE',
  'TRAFFIC_ANOMALY_DROP',
  'EXPORTER_SILENT',
  'EXPORTER_SAMPLING_CHANGED',
  'EXPORTER_COUNTER_MISMATCH',
];

export function AlertQueue() {
  const q = queryParams();
  const [status, setStatus] = useState(STATUSES.includes(q.get('status')) ? q.get('status') : '');
  const [type, setType] = useState(/^[A-Z0-9_]+$/.test(q.get('type') ?? '') ? q.get('type') : '');
  const res = useAsync(() => {
    const p = new URLSearchParams({ limit: '500' });
    if (status) p.set('status', status);
    if (type) p.set('type', type);
    return api(`/alerts?${p}`);
  }, [status, type]);
  const types = useMemo(
    () => [...new Set([...KNOWN_TYPES, ...(res.data?.alerts ?? []).map((a) => a.type)])].sort(),
    [res.data],
  );
  const pickStatus = (v) => {
    setStatus(v);
    setQuery({ status: v });
  };
  const pickType = (v) => {
    const x = v.trim().toUpperCase();
    if (x === '' || /^[A-Z0-9_]+$/.test(x)) {
      setType(x);
      setQuery({ type: x });
    }
  };
  return html`<section>
    <header class="page-head"><h1>${t('security.title')}</h1></header>
    <form class="toolbar" onSubmit=${(e) => e.preventDefault()} aria-label=${t('security.filters')}>
      <label>${t('alerts.status')}
        <select name="status" value=${status} onChange=${(e) => pickStatus(e.currentTarget.value)} data-testid="filter-status">
          <option value="">${t('all')}</option>
          ${STATUSES.map((s) => html`<option value=${s}>${t(`alert_status.${s}`)}</option>`)}
        </select>
      </label>
      <label>${t('alerts.type')}
        <select name="type" value=${type} onChange=${(e) => pickType(e.currentTarget.value)} data-testid="filter-type">
          <option value="">${t('all')}</option>
          ${types.map((x) => html`<option value=${x}>${t(`alert_type.${x}`, {}, x)}</option>`)}
        </select>
      </label>
      <button type="button" class="btn" onClick=${res.reload}>${t('refresh')}</button>
      ${res.data ? html`<span class="muted" role="status">${t('security.count', { n: res.data.alerts.length })}</span>` : null}
    </form>
    ${res.error ? html`<${ErrorBox} error=${res.error} />` : null}
    ${res.loading && !res.data ? html`<${Loading} />` : null}
    ${res.data ? (res.data.alerts.length ? html`<div class="card"><${AlertTable} alerts=${res.data.alerts} testid="alert-queue" /></div>` : html`<${Notice}>${t('security.none')}<//>`) : null}
  </section>`;
}

/** Evidence is stored as {thresholds, metrics, evidence:{topSources…}} (detectors) or flat (tests/tools): read both. */
function normalise(ev) {
  const inner = ev && typeof ev.evidence === 'object' && ev.evidence !== null ? ev.evidence : (ev ?? {});
  const pick = (k) => inner[k] ?? ev?.[k];
  let series = null;
  for (const k of ['series', 'rateSeries', 'rate_series', 'timeline']) {
    const s = pick(k);
    if (Array.isArray(s) && s.length && typeof s[0] === 'object') {
      series = s;
      break;
    }
  }
  return {
    metrics: ev?.metrics ?? null,
    thresholds: ev?.thresholds ?? null,
    topSources: pick('topSources') ?? [],
    topSrcPorts: pick('topSrcPorts') ?? [],
    topDstPorts: pick('topDstPorts') ?? [],
    protocols: pick('protocols') ?? [],
    sampleFlows: pick('sampleFlows') ?? [],
    samplingRates: pick('samplingRates') ?? [],
    details: pick('details') ?? null,
    series,
  };
}

function SeriesChart({ series }) {
  const data = useMemo(() => {
    const tsOf = (p) => {
      const v = p.ts ?? p.t ?? p.time ?? p.at;
      return typeof v === 'number' ? (v > 1e12 ? v / 1000 : v) : Date.parse(v) / 1000;
    };
    const pts = series.filter((p) => Number.isFinite(tsOf(p))).sort((a, b) => tsOf(a) - tsOf(b));
    const xs = pts.map(tsOf);
    const hasBps = pts.some((p) => typeof p.bps === 'number');
    const hasPps = pts.some((p) => typeof p.pps === 'number');
    return { xs, hasBps, hasPps, bps: pts.map((p) => p.bps ?? null), pps: pts.map((p) => p.pps ?? null) };
  }, [series]);
  if (!data.xs.length) return null;
  return html`<div class="card">
    <h3>${t('alert.rate_series')}</h3>
    ${data.hasBps ? html`<${LineChart} xs=${data.xs} lines=${[{ label: 'bps', values: data.bps, color: '#c0392b', fill: 'rgba(192,57,43,0.1)' }]} height=${220} ariaLabel=${t('alert.rate_series_aria', { unit: 'bit/s' })} testid="alert-bps-chart" />` : null}
    ${data.hasPps ? html`<${LineChart} xs=${data.xs} lines=${[{ label: 'pps', values: data.pps, color: '#7d3cb5' }]} format=${(v) => `${fmtNum(v, 0)} pps`} height=${220} ariaLabel=${t('alert.rate_series_aria', { unit: 'packets/s' })} />` : null}
  </div>`;
}

function KV({ title, obj, fmt }) {
  if (!obj || !Object.keys(obj).length) return null;
  return html`<div><h4>${title}</h4><table class="table compact"><tbody>${Object.entries(obj).map(([k, v]) => html`<tr><th scope="row">${k}</th><td class="num">${fmt(k, v)}</td></tr>`)}</tbody></table></div>`;
}

const metricFmt = (k, v) =>
  typeof v !== 'number'
    ? Array.isArray(v)
      ? v.join(', ')
      : String(v)
    : /bps/i.test(k)
      ? fmtBps(v)
      : /share|ratio/i.test(k)
        ? fmtNum(v, 3)
        : fmtNum(v, 1);

function Evidence({ a }) {
  const e = normalise(a.evidence);
  const counts = (title, list, keyLabel) =>
    list.length
      ? html`<div><h4>${title}</h4><table class="table compact"><thead><tr><th scope="col">${keyLabel}</th><th scope="col" class="num">pps</th></tr></thead>
    <tbody>${list.map((x) => html`<tr><td>${x.key}</td><td class="num">${fmtNum(x.pps, 1)}</td></tr>`)}</tbody></table></div>`
      : null;
  return html`
    ${e.series ? html`<${SeriesChart} series=${e.series} />` : null}
    <div class="card" data-testid="evidence">
      <h3>${t('alert.evidence')}</h3>
      <div class="grid-2">
        <${KV} title=${t('alert.metrics')} obj=${e.metrics} fmt=${metricFmt} />
        <${KV} title=${t('alert.thresholds')} obj=${e.thresholds} fmt=${metricFmt} />
      </div>
      ${
        e.topSources.length
          ? html`<h4>${t('alert.top_sources')}</h4>
        <table class="table compact" data-testid="top-sources"><thead><tr><th scope="col">${t('alert.addr')}</th><th scope="col">ASN</th><th scope="col" class="num">pps</th><th scope="col" class="num">bps</th></tr></thead>
        <tbody>${e.topSources.map((s) => html`<tr><td><code>${s.addr}</code></td><td>${s.asn ? `AS${s.asn}` : '—'}</td><td class="num">${fmtNum(s.pps, 1)}</td><td class="num">${s.bps !== undefined ? fmtBps(s.bps) : '—'}</td></tr>`)}</tbody></table>`
          : html`<p class="muted">${t('alert.no_sources')}</p>`
      }
      <div class="grid-3">
        ${counts(t('alert.top_src_ports'), e.topSrcPorts, t('alert.port'))}
        ${counts(t('alert.top_dst_ports'), e.topDstPorts, t('alert.port'))}
        ${counts(t('alert.protocols'), e.protocols, t('alert.protocol'))}
      </div>
      ${e.samplingRates.length ? html`<p>${t('alert.sampling_rates')}: ${e.samplingRates.map((r) => `1:${r}`).join(', ')}</p>` : null}
      <${KV} title=${t('alert.details')} obj=${e.details} fmt=${metricFmt} />
      ${
        e.sampleFlows.length
          ? html`<details><summary>${t('alert.sample_flows', { n: e.sampleFlows.length })}</summary>
        <table class="table compact"><thead><tr><th scope="col">${t('alert.time')}</th><th scope="col">${t('alert.src')}</th><th scope="col">${t('alert.dst')}</th><th scope="col">${t('alert.protocol')}</th><th scope="col" class="num">${t('alert.packets')}</th><th scope="col" class="num">${t('alert.bytes')}</th></tr></thead>
        <tbody>${e.sampleFlows.map((f) => html`<tr><td>${fmtTime(typeof f.ts === 'number' ? new Date(f.ts).toISOString() : f.ts)}</td><td><code>${f.src}:${f.srcPort}</code></td><td><code>${f.dst}:${f.dstPort}</code></td><td>${f.proto}</td><td class="num">${f.packets}</td><td class="num">${f.bytes}</td></tr>`)}</tbody></table>
      </details>`
          : null
      }
    </div>`;
}

function Actions({ a, onDone }) {
  const [note, setNote] = useState('');
  const [verdict, setVerdict] = useState('confirmed');
  const [exclude, setExclude] = useState(false);
  const [error, setError] = useState(null);
  const [ok, setOk] = useState(null);
  const [busy, setBusy] = useState(false);
  const closed = a.status === 'resolved' || a.status === 'false_positive';
  const canExclude = verdict === 'confirmed' && a.victim_asn !== null;
  const run = async (action) => {
    setBusy(true);
    setError(null);
    setOk(null);
    try {
      const body =
        action === 'ack'
          ? { note }
          : { note, confirmed: verdict === 'confirmed', exclude_from_statement: canExclude && exclude };
      const r = await api(`/alerts/${encodeURIComponent(a.id)}/${action}`, { method: 'POST', body });
      setOk(
        action === 'ack'
          ? t('alert.acked')
          : r.exclusion_id
            ? t('alert.resolved_excluded', { id: r.exclusion_id })
            : t('alert.resolved'),
      );
      setNote('');
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  if (closed) {
    return html`${ok ? html`<${Notice} kind="ok" testid="alert-action-ok">${ok}<//>` : null}
      <${Notice} testid="alert-closed">${t('alert.closed', { status: t(`alert_status.${a.status}`) })}<//>`;
  }
  return html`<form class="card actions-card" onSubmit=${(e) => e.preventDefault()} aria-labelledby="act-title">
    <h3 id="act-title">${t('alert.review')}</h3>
    ${ok ? html`<${Notice} kind="ok" testid="alert-action-ok">${ok}<//>` : null}
    <${ErrorBox} error=${error} />
    <label for="alert-note">${t('alert.note')}</label>
    <textarea id="alert-note" name="note" rows="2" maxlength="4000" value=${note} onInput=${(e) => setNote(e.currentTarget.value)}></textarea>
    <div class="row">
      <button type="button" class="btn" data-testid="ack" disabled=${busy || a.status !== 'open'} onClick=${() => run('ack')}>${t('alert.ack')}</button>
    </div>
    <fieldset>
      <legend>${t('alert.resolve_as')}</legend>
      <label><input type="radio" name="verdict" value="confirmed" checked=${verdict === 'confirmed'} onChange=${() => setVerdict('confirmed')} /> ${t('alert.confirmed')}</label>
      <label><input type="radio" name="verdict" value="false_positive" checked=${verdict === 'false_positive'} onChange=${() => setVerdict('false_positive')} /> ${t('alert.false_positive')}</label>
      <label class=${canExclude ? '' : 'disabled'}><input type="checkbox" name="exclude" checked=${canExclude && exclude} disabled=${!canExclude} onChange=${(e) => setExclude(e.currentTarget.checked)} />
        ${t('alert.exclude', { asn: a.victim_asn ?? '—' })}</label>
      ${a.victim_asn === null ? html`<p class="hint">${t('alert.no_victim')}</p>` : null}
    </fieldset>
    <button type="button" class="btn btn-primary" data-testid="resolve" disabled=${busy} onClick=${() => run('resolve')}>${t('alert.resolve')}</button>
  </form>`;
}

export function AlertDetail({ id }) {
  const res = useAsync(() => api(`/alerts/${encodeURIComponent(id)}`), [id]);
  const me = session.me();
  const a = res.data;
  const staff = me && me.role !== 'member';
  return html`<section>
    <header class="page-head">
      <h1>${t('alert.title')} <code>${id}</code></h1>
      ${staff ? html`<${Link} href="/security/alerts">← ${t('alert.back')}<//>` : me?.asn ? html`<${Link} href=${`/members/${me.asn}/alerts`}>← ${t('alert.back')}<//>` : null}
    </header>
    ${res.error ? html`<${ErrorBox} error=${res.error} />` : null}
    ${res.loading && !a ? html`<${Loading} />` : null}
    ${
      a
        ? html`
      <div class="card">
        <${Facts} testid="alert-facts" items=${[
          [t('alerts.type'), html`${t(`alert_type.${a.type}`, {}, a.type)} <code class="small">${a.type}</code>`],
          [t('alerts.severity'), html`<${Badge} group="severity" value=${a.severity} />`],
          [t('alerts.status'), html`<${Badge} group="alert_status" value=${a.status} />`, 'alert-status'],
          [t('alerts.target'), html`<code>${a.target}</code>`],
          [t('alerts.source'), a.source_asn ? `AS${a.source_asn}` : '—'],
          [t('alerts.victim'), a.victim_asn ? `AS${a.victim_asn}` : '—'],
          [t('alerts.first_seen'), fmtTime(a.first_seen)],
          [t('alerts.last_seen'), fmtTime(a.last_seen)],
          [t('alert.rule'), a.rule_id],
          [t('alert.confirmed_flag'), a.confirmed ? t('yes') : t('no')],
        ]} />
      </div>
      ${['admin', 'security'].includes(me?.role) ? html`<${Actions} a=${a} onDone=${res.reload} />` : null}
      ${['admin', 'security'].includes(me?.role) ? html`<p><${Link} href=${`/security/notices?alert=${encodeURIComponent(a.id)}&asn=${a.source_asn ?? a.victim_asn ?? ''}`} data-testid="issue-from-alert">${t('sup.issue')} →<//></p>` : null}
      <${Evidence} a=${a} />
      ${
        a.history?.length
          ? html`<div class="card"><h3>${t('alert.history')}</h3>
        <table class="table compact" data-testid="alert-history"><thead><tr><th scope="col">${t('alert.time')}</th><th scope="col">${t('alert.event')}</th><th scope="col">${t('alerts.status')}</th><th scope="col">${t('alert.actor')}</th><th scope="col">${t('alert.note')}</th></tr></thead>
        <tbody>${a.history.map((h) => html`<tr><td>${fmtTime(h.at)}</td><td>${t(`alert_event.${h.event}`, {}, h.event)}</td><td><${Badge} group="alert_status" value=${h.status} /></td><td><code>${h.actor}</code></td><td>${h.note}</td></tr>`)}</tbody></table></div>`
          : null
      }
      ${['admin', 'security', 'auditor', 'regulator'].includes(me?.role) ? html`<${AlertDeliveries} id=${a.id} />` : null}`
        : null
    }
  </section>`;
}
