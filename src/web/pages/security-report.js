// The month's supervision report (安全监管月报) for security and the regulator, with XLSX/PDF downloads.
import { useState } from 'preact/hooks';
import { html, api, Link, queryParams, setQuery, fmtInt, fmtTime, todayLocal } from '../lib.js';
import { t } from '../i18n.js';
import { useAsync, ErrorBox, Loading, Badge, Facts, DownloadButton } from '../components.js';

function Counts({ title, rows, label, testid }) {
  return html`<div><h3>${title}</h3><table class="table compact" data-testid=${testid}><thead><tr><th scope="col">${t('sup.category')}</th><th scope="col" class="num">${t('sup.count_col')}</th></tr></thead>
    <tbody>${rows.length ? rows.map((c) => html`<tr><td>${label ? label(c.key) : c.key}</td><td class="num">${fmtInt(c.count)}</td></tr>`) : html`<tr><td colspan="2" class="muted">—</td></tr>`}</tbody></table></div>`;
}

export function SecurityReport() {
  const q = queryParams();
  const [month, setMonth] = useState(
    /^\d{4}-\d{2}$/.test(q.get('month') ?? '') ? q.get('month') : todayLocal().slice(0, 7),
  );
  const [dlError, setDlError] = useState(null);
  const res = useAsync(() => api(`/reports/security/${month}`), [month]);
  const r = res.data;
  const dl = (
    format,
    lang,
  ) => html`<${DownloadButton} path=${`/reports/security/${month}?format=${format}&lang=${lang}`} name=${`security-report-${month}-${lang}.${format}`}
    label=${`${format.toUpperCase()} ${lang === 'zh' ? '中文' : 'EN'}`} onError=${setDlError} />`;
  return html`<section>
    <header class="page-head"><h1>${t('sup.report_title')}</h1></header>
    <form class="toolbar" onSubmit=${(e) => e.preventDefault()}>
      <label>${t('sup.month')}<input type="month" value=${month} data-testid="report-month" onChange=${(e) => {
        const v = e.currentTarget.value;
        if (/^\d{4}-\d{2}$/.test(v)) {
          setMonth(v);
          setQuery({ month: v });
        }
      }} /></label>
      ${dl('pdf', 'zh')} ${dl('pdf', 'en')} ${dl('xlsx', 'zh')} ${dl('xlsx', 'en')}
    </form>
    <${ErrorBox} error=${res.error || dlError} />
    ${res.loading && !r ? html`<${Loading} />` : null}
    ${
      r
        ? html`
      <div class="card" data-testid="report-summary">
        <${Facts} items=${[
          [
            t('sup.period'),
            `${fmtTime(r.period.start)} – ${fmtTime(r.period.end)}${r.partial ? ` (${t('sup.partial')})` : ''}`,
          ],
          [t('sup.alerts_total'), fmtInt(r.alerts.total)],
          [t('sup.hygiene_total'), fmtInt(r.hygiene.total)],
          [t('sup.n_issued'), fmtInt(r.notices.issued), 'report-issued'],
          [t('sup.n_rectified'), fmtInt(r.notices.rectified)],
          [t('sup.n_overdue'), fmtInt(r.notices.overdue)],
          [t('sup.n_reopened'), fmtInt(r.notices.reopened)],
          [
            t('sup.median'),
            r.notices.median_hours_to_rectify === null ? '—' : t('sup.hours', { h: r.notices.median_hours_to_rectify }),
          ],
        ]} />
        <p class="hint">${t('sup.hash')}: <code class="small">${r.inputs_hash}</code></p>
      </div>
      <div class="card grid-2">
        <${Counts} title=${t('sup.by_type')} rows=${r.alerts.by_type} label=${(k) => t(`alert_type.${k}`, {}, k)} testid="report-by-type" />
        <${Counts} title=${t('sup.by_severity')} rows=${r.alerts.by_severity} label=${(k) => html`<${Badge} group="severity" value=${k} />`} />
      </div>
      <div class="card"><h3>${t('sup.by_member')}</h3>
        <table class="table compact" data-testid="report-by-member"><thead><tr><th scope="col">ASN</th><th scope="col">${t('sup.member')}</th><th scope="col" class="num">${t('sup.as_source')}</th><th scope="col" class="num">${t('sup.as_victim')}</th></tr></thead>
        <tbody>${r.alerts.by_member.map((m) => html`<tr><td>AS${m.asn}</td><td>${m.name}</td><td class="num">${fmtInt(m.as_source)}</td><td class="num">${fmtInt(m.as_victim)}</td></tr>`)}</tbody></table></div>
      <div class="card grid-2">
        <${Counts} title=${t('sup.hygiene')} rows=${r.hygiene.by_type} label=${(k) => t(`alert_type.${k}`, {}, k)} />
        <${Counts} title=${t('sup.hygiene_members')} rows=${r.hygiene.by_member.map((m) => ({ key: `AS${m.asn} ${m.name}`, count: m.count }))} />
      </div>
      <div class="card"><h3>${t('sup.open_items')}</h3>
        <table class="table compact" data-testid="report-open-notices"><thead><tr><th scope="col">${t('sup.notice')}</th><th scope="col">${t('sup.member')}</th><th scope="col">${t('sup.status')}</th><th scope="col">${t('sup.deadline')}</th></tr></thead>
        <tbody>${r.open_items.notices.map(
          (
            n,
          ) => html`<tr class=${n.overdue ? 'flagged' : ''}><td><${Link} href=${`/notices/${n.id}`}>${n.title}<//></td><td>AS${n.asn}</td><td><${Badge} group="notice_status" value=${n.status} /></td>
          <td>${fmtTime(n.deadline)}${n.overdue ? html` <span class="badge badge-flag">${t('sup.overdue')}</span>` : null}</td></tr>`,
        )}</tbody></table>
        <p class="muted">${t('sup.open_alerts', { n: r.open_items.alerts_total })} <${Link} href="/security/alerts?status=open">${t('sup.to_queue')}<//></p>
      </div>`
        : null
    }
  </section>`;
}
