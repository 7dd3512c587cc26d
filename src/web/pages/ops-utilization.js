// Operations console: port utilisation of every member over the chosen days, worst first (the members over
// their PORT_UTILIZATION threshold on top), with the gauge and, where the member's ports send counters, per port.
import { useState } from 'preact/hooks';
import { html, api, startOf, addDays, todayLocal, fmtBps } from '../lib.js';
import { t } from '../i18n.js';
import { useAsync, ErrorBox, Loading } from '../components.js';
import { nameOf, pctText, UtilGauge } from './member-portal.js';

export function UtilizationOverview({ days }) {
  const [all, setAll] = useState(false);
  const res = useAsync(
    () =>
      api(
        `/utilization?from=${encodeURIComponent(startOf(addDays(todayLocal(), 1 - days)))}&to=${encodeURIComponent(startOf(addDays(todayLocal(), 1)))}`,
      ),
    [days],
  );
  const list = (res.data?.members ?? []).filter((m) => m.capacity_bps > 0);
  const shown = all ? list : list.slice(0, 8);
  return html`<div class="card" data-testid="ops-utilization">
    <div class="card-head"><h3>${t('util.title')} <span class="muted small">${res.data ? t('util.threshold', { pct: res.data.threshold_pct }) : ''}</span></h3>
      ${list.length > 8 ? html`<button type="button" class="btn btn-small" onClick=${() => setAll(!all)}>${all ? '−' : `+${list.length - 8}`}</button>` : null}</div>
    ${
      res.error
        ? html`<${ErrorBox} error=${res.error} />`
        : !res.data
          ? html`<${Loading} />`
          : !list.length
            ? html`<p class="muted">${t('util.unknown')}</p>`
            : html`
      <table class="table" aria-label=${t('util.title')}>
        <thead><tr><th scope="col">${t('dash.member')}</th><th scope="col" style="width: 45%">${t('util.title')}</th><th scope="col" class="num">${t('util.capacity')}</th></tr></thead>
        <tbody>${shown.map(
          (m) => html`<tr data-asn=${m.asn} class=${m.over_threshold ? 'over' : ''}>
          <th scope="row">${nameOf(m)} <span class="muted">AS${m.asn}</span>${m.over_threshold ? html` <span class="badge badge-severity-warning">${t('util.over')}</span>` : null}
            ${m.ports.map((p) => html`<div class="small muted">${t('util.port')} ${p.exporter} · ifIndex ${p.if_index}: ${t('util.peak')} ${pctText(p.peak_pct)}, ${t('util.p95')} ${pctText(p.p95_pct)}</div>`)}</th>
          <td><${UtilGauge} u=${m} /></td>
          <td class="num">${fmtBps(m.capacity_bps)}</td>
        </tr>`,
        )}</tbody>
      </table>`
    }
  </div>`;
}
