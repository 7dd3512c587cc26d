// Operations: exporter health, port reconciliation flags and the member registry (with IX-F import).
import { useState } from 'preact/hooks';
import {
  html,
  api,
  Link,
  fmtBytes,
  fmtInt,
  fmtNum,
  fmtTime,
  fmtBps,
  todayLocal,
  addDays,
  startOf,
  session,
} from '../lib.js';
import { t, getLang } from '../i18n.js';
import { UtilizationOverview } from './ops-utilization.js';
import { useAsync, ErrorBox, Loading, Badge, Notice, Facts } from '../components.js';

export function Exporters() {
  const res = useAsync(() => api('/exporters'), []);
  const list = res.data?.exporters ?? [];
  return html`<section>
    <header class="page-head"><h1>${t('ops.exporters')}</h1><button type="button" class="btn" onClick=${res.reload}>${t('refresh')}</button></header>
    ${res.error ? html`<${ErrorBox} error=${res.error} />` : null}
    ${res.loading && !res.data ? html`<${Loading} />` : null}
    ${res.data && !list.length ? html`<${Notice} testid="no-exporters">${t('ops.no_exporters')}<//>` : null}
    ${
      list.length
        ? html`<div class="card table-scroll">
      <table class="table" data-testid="exporters-table" aria-label=${t('ops.exporters')}>
        <thead><tr>
          <th scope="col">${t('ops.exporter')}</th><th scope="col">${t('col.status')}</th><th scope="col">${t('ops.protocols')}</th>
          <th scope="col" class="num">${t('ops.datagrams')}</th><th scope="col" class="num">${t('ops.flows')}</th><th scope="col" class="num">${t('ops.decode_errors')}</th>
          <th scope="col" class="num">${t('ops.lost')}</th><th scope="col">${t('ops.sampling')}</th><th scope="col">${t('ops.last_seen')}</th><th scope="col">${t('ops.problems')}</th>
        </tr></thead>
        <tbody>${list.map(
          (e) => html`<tr data-exporter=${e.address}>
          <th scope="row"><code>${e.address}</code><div class="muted small">${e.collector_id}</div></th>
          <td><${Badge} group="exporter" value=${e.status} /></td>
          <td>${e.protocols.join(', ')}</td>
          <td class="num">${fmtInt(e.packets)}<div class="muted small">${fmtBytes(e.bytes)}</div></td>
          <td class="num">${fmtInt(e.flows)}<div class="muted small">${t('ops.counter_samples', { n: fmtInt(e.counter_samples) })}</div></td>
          <td class="num" title=${Object.entries(e.decode_errors)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')}>${fmtInt(e.decode_errors_total)}
            ${
              Object.keys(e.decode_errors).length
                ? html`<div class="muted small">${Object.entries(e.decode_errors)
                    .map(([k, v]) => `${k}: ${v}`)
                    .join(' · ')}</div>`
                : null
            }</td>
          <td class="num">${fmtInt(e.lost_datagrams)} / ${fmtInt(e.lost_samples)}</td>
          <td>${Object.entries(e.sampling_rates).map(([r, n]) => html`<div>1:${r} <span class="muted small">(${fmtInt(n)})</span></div>`)}
            ${e.unknown_sampling_flows ? html`<div class="warn-text small">${t('ops.unknown_sampling', { n: fmtInt(e.unknown_sampling_flows) })}</div>` : null}</td>
          <td>${fmtTime(e.last_seen)}</td>
          <td>${e.problems.length ? html`<ul class="problems">${e.problems.map((p) => html`<li><strong>${t(`quality.problem.${p.code}`, undefined, p.code)}</strong> <code>${p.code}</code><br />${p.message}</li>`)}</ul>` : html`<span class="muted">—</span>`}</td>
        </tr>`,
        )}</tbody>
      </table></div>`
        : null
    }
  </section>`;
}

export function Ports() {
  const [days, setDays] = useState(7);
  const [flagged, setFlagged] = useState(false);
  const res = useAsync(() => {
    const to = startOf(addDays(todayLocal(), 1));
    const from = startOf(addDays(todayLocal(), 1 - days));
    return api(
      `/ports/reconciliation?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}${flagged ? '&flagged=true' : ''}`,
    );
  }, [days, flagged]);
  const pct = (x) => (x === null || x === undefined ? '—' : `${x > 0 ? '+' : ''}${fmtNum(x, 2)} %`);
  return html`<section>
    <header class="page-head"><h1>${t('ops.ports')}</h1></header>
    <form class="toolbar" onSubmit=${(e) => e.preventDefault()}>
      <label>${t('ops.range')} <select name="days" value=${days} onChange=${(e) => setDays(Number(e.currentTarget.value))}>
        ${[1, 7, 31].map((d) => html`<option value=${d}>${t('ops.last_days', { n: d })}</option>`)}
      </select></label>
      <label><input type="checkbox" name="flagged" checked=${flagged} onChange=${(e) => setFlagged(e.currentTarget.checked)} /> ${t('ops.flagged_only')}</label>
      ${res.data ? html`<span class="muted">${t('ops.threshold', { pct: res.data.threshold_pct })}</span>` : null}
    </form>
    <${UtilizationOverview} days=${days} />
    ${res.error ? html`<${ErrorBox} error=${res.error} />` : null}
    ${res.loading && !res.data ? html`<${Loading} />` : null}
    ${res.data && !res.data.ports.length ? html`<${Notice} testid="no-ports">${t('ops.no_ports')}<//>` : null}
    ${
      res.data?.ports.length
        ? html`<div class="card table-scroll"><table class="table" data-testid="ports-table" aria-label=${t('ops.ports')}>
      <thead><tr><th scope="col">${t('ops.port')}</th><th scope="col">${t('col.date')}</th><th scope="col">${t('ops.speed')}</th>
        <th scope="col" class="num">${t('ops.flow_in')}</th><th scope="col" class="num">${t('ops.counter_in')}</th><th scope="col" class="num">${t('ops.diff_in')}</th>
        <th scope="col" class="num">${t('ops.flow_out')}</th><th scope="col" class="num">${t('ops.counter_out')}</th><th scope="col" class="num">${t('ops.diff_out')}</th>
        <th scope="col">${t('ops.flag')}</th></tr></thead>
      <tbody>${res.data.ports.map(
        (p) => html`<tr class=${p.flagged ? 'flagged' : ''}>
        <th scope="row"><code>${p.exporter}</code> #${p.if_index}</th><td>${p.day}</td><td>${p.if_speed ? fmtBps(p.if_speed) : '—'}</td>
        <td class="num">${fmtBytes(p.flow_in_bytes)}</td><td class="num">${fmtBytes(p.counter_in_bytes)}</td><td class="num">${pct(p.in_diff_pct)}</td>
        <td class="num">${fmtBytes(p.flow_out_bytes)}</td><td class="num">${fmtBytes(p.counter_out_bytes)}</td><td class="num">${pct(p.out_diff_pct)}</td>
        <td>${p.flagged ? html`<span class="badge badge-flag">${t('ops.flagged')}</span>${p.hint ? html`<div class="small">${p.hint}</div>` : null}` : html`<span class="muted">${t('ops.ok')}</span>`}</td>
      </tr>`,
      )}</tbody></table></div>`
        : null
    }
  </section>`;
}

function Import({ onDone }) {
  const [file, setFile] = useState(null);
  const [effective, setEffective] = useState('');
  const [error, setError] = useState(null);
  const [result, setResult] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      let doc;
      try {
        doc = JSON.parse(await file.text());
      } catch (err) {
        throw Object.assign(new Error(t('ops.import_not_json', { error: err.message })), {
          status: 400,
          code: 'CONSOLE',
        });
      }
      const q = effective ? `?effective=${encodeURIComponent(`${effective}:00+08:00`)}` : '';
      const r = await api(`/members/import${q}`, { method: 'POST', body: doc });
      setResult(r);
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="card" onSubmit=${submit} aria-labelledby="import-title" data-testid="import-form">
    <h3 id="import-title">${t('ops.import')}</h3>
    <p class="muted">${t('ops.import_intro')}</p>
    <label for="ixf-file">${t('ops.import_file')}</label>
    <input id="ixf-file" type="file" name="file" accept=".json,application/json" onChange=${(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
    <label for="ixf-effective">${t('ops.import_effective')}</label>
    <input id="ixf-effective" type="datetime-local" name="effective" value=${effective} onInput=${(e) => setEffective(e.currentTarget.value)} />
    <button type="submit" class="btn btn-primary" disabled=${!file || busy}>${busy ? t('ops.importing') : t('ops.import_submit')}</button>
    <${ErrorBox} error=${error} />
    ${
      result
        ? html`<${Notice} kind="ok" testid="import-result">${result.unchanged ? t('ops.import_unchanged') : t('ops.import_done')}
      <${Facts} items=${[
        [t('ops.import_id'), html`<code>${result.import_id}</code>`],
        [t('ops.import_members'), result.members],
        [t('ops.import_deactivated'), result.deactivated],
        [t('ops.import_opened'), result.opened],
        [t('ops.import_closed'), result.closed],
        [t('ops.import_effective'), fmtTime(result.effective_at)],
      ]} /><//>`
        : null
    }
  </form>`;
}

export function Members() {
  const res = useAsync(() => api('/members?include_inactive=true'), []);
  const admin = session.me()?.role === 'admin';
  const statements = ['admin', 'finance', 'auditor'].includes(session.me()?.role);
  const lang = getLang();
  const list = res.data?.members ?? [];
  return html`<section>
    <header class="page-head"><h1>${t('ops.members')}</h1></header>
    ${admin ? html`<${Import} onDone=${res.reload} />` : null}
    ${res.error ? html`<${ErrorBox} error=${res.error} />` : null}
    ${res.loading && !res.data ? html`<${Loading} />` : null}
    ${res.data && !list.length ? html`<${Notice}>${t('ops.no_members')}<//>` : null}
    ${
      list.length
        ? html`<div class="card table-scroll"><table class="table" data-testid="members-table" aria-label=${t('ops.members')}>
      <thead><tr><th scope="col">ASN</th><th scope="col">${t('col.member')}</th><th scope="col">${t('ops.member_type')}</th><th scope="col">${t('ops.enrolled')}</th>
        <th scope="col" class="num">${t('ops.capacity')}</th><th scope="col">${t('ops.first_production')}</th><th scope="col">${t('ops.active')}</th><th scope="col">${t('col.links')}</th></tr></thead>
      <tbody>${list.map(
        (m) => html`<tr data-asn=${m.asn} class=${m.active ? '' : 'inactive'}>
        <th scope="row">AS${m.asn}</th><td>${lang === 'en' ? m.name : m.name_zh || m.name}</td><td>${t(`member_type.${m.member_type}`, {}, m.member_type)}</td>
        <td>${m.subsidy_enrolled ? t('yes') : t('no')}</td><td class="num">${m.port_capacity_mbps ? fmtBps(m.port_capacity_mbps * 1e6) : '—'}</td>
        <td>${m.first_production_date ?? '—'}</td><td>${m.active ? t('yes') : t('no')}</td>
        <td><${Link} href=${`/members/${m.asn}/traffic`}>${t('nav.traffic')}<//>${statements ? html` · <${Link} href=${`/members/${m.asn}/statements`}>${t('nav.statements')}<//>` : null}</td>
      </tr>`,
      )}</tbody></table></div>`
        : null
    }
  </section>`;
}
