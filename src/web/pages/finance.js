// Finance: the month's statements of every member, runs with progress, the four-eyes workflow,
// period exports, and the subsidy policy versions.
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  html,
  api,
  Link,
  queryParams,
  setQuery,
  previousMonth,
  fmtBps,
  fmtBytes,
  fmtInt,
  fmtCny,
  fmtPct,
  sumBig,
  sumCny,
  session,
} from '../lib.js';
import { t, getLang } from '../i18n.js';
import { useAsync, ErrorBox, Loading, Badge, DownloadButton, ExampleBanner, Notice, Facts } from '../components.js';
import { BudgetPanel } from './programme.js';

const canWrite = () => ['admin', 'finance'].includes(session.me()?.role);

function RunButton({ month, onDone }) {
  const [job, setJob] = useState(null);
  const [error, setError] = useState(null);
  const timer = useRef(null);
  useEffect(() => () => clearTimeout(timer.current), []);
  const poll = async (id) => {
    try {
      const j = await api(`/jobs/${encodeURIComponent(id)}`);
      setJob(j);
      if (j.state === 'completed') {
        onDone(j);
        return;
      }
      timer.current = setTimeout(() => poll(id), 500);
    } catch (e) {
      setError(e);
      setJob(null);
    }
  };
  const start = async () => {
    setError(null);
    try {
      const { job_id } = await api(`/statements/${month}/run`, { method: 'POST' });
      setJob({ id: job_id, state: 'active', progress: { done: 0, total: 0, percent: 0 } });
      poll(job_id);
    } catch (e) {
      setError(e);
    }
  };
  const running = job && job.state !== 'completed';
  const pct = job?.progress?.percent ?? 0;
  return html`<div class="run-box">
    <button type="button" class="btn btn-primary" onClick=${start} disabled=${running} data-testid="run-statements">${t('finance.run', { month })}</button>
    ${
      job
        ? html`<div class="progress-wrap" data-testid="run-progress" data-state=${job.state}>
      <label for="run-progress">${job.state === 'completed' ? t('finance.run_done', { done: job.progress.done, total: job.progress.total }) : t('finance.running', { done: job.progress.done, total: job.progress.total || '…' })}</label>
      <progress id="run-progress" max="100" value=${pct} aria-valuetext=${`${pct}%`}>${pct}%</progress>
      <span class="pct">${pct}%</span>
      ${job.missing?.length ? html`<span class="warn-text">${t('finance.missing', { list: job.missing.map((a) => `AS${a}`).join(', ') })}</span>` : null}
    </div>`
        : null
    }
    <${ErrorBox} error=${error} />
  </div>`;
}

export function FinanceStatements() {
  const [month, setMonth] = useState(() =>
    /^\d{4}-\d{2}$/.test(queryParams().get('month') ?? '') ? queryParams().get('month') : previousMonth(),
  );
  const res = useAsync(() => api(`/statements/${month}`), [month]);
  const [actionError, setActionError] = useState(null);
  const [actionOk, setActionOk] = useState(null);
  const [busy, setBusy] = useState(null);
  const [note, setNote] = useState('');
  const write = canWrite();
  // A statement without workflow events is a draft (the period view has returned '' for those).
  const rows = (res.data?.statements ?? []).map((r) => ({ ...r, status: r.status || 'draft' }));
  const lang = getLang();

  const pick = (m) => {
    if (/^\d{4}-\d{2}$/.test(m)) {
      setMonth(m);
      setQuery({ month: m });
      setActionError(null);
      setActionOk(null);
    }
  };
  const act = async (row, action) => {
    setBusy(`${row.asn}:${action}`);
    setActionError(null);
    setActionOk(null);
    try {
      const r = await api(`/members/${row.asn}/statements/${month}/${action}`, {
        method: 'POST',
        body: { note, version: row.version },
      });
      setActionOk(
        t('finance.action_ok', {
          action: t(`finance.action.${action}`),
          asn: row.asn,
          version: r.version,
          status: t(`status.${r.status}`),
        }),
      );
      res.reload();
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(null);
    }
  };

  return html`<section>
    <header class="page-head"><h1>${t('finance.title')}</h1></header>
    <form class="toolbar" onSubmit=${(e) => e.preventDefault()}>
      <label>${t('finance.month')} <input type="month" name="month" value=${month} onChange=${(e) => pick(e.currentTarget.value)} data-testid="month-picker" /></label>
      <${DownloadButton} path=${`/statements/${month}?format=csv&lang=both`} name=${`ixmeter-statements-${month}.csv`} label=${t('finance.export_csv')} onError=${setActionError} />
      <${DownloadButton} path=${`/statements/${month}?format=xlsx&lang=${lang}`} name=${`ixmeter-statements-${month}.xlsx`} label=${t('finance.export_xlsx')} onError=${setActionError} />
      <button type="button" class="btn" onClick=${res.reload}>${t('refresh')}</button>
    </form>
    ${write ? html`<div class="card"><${RunButton} month=${month} onDone=${() => res.reload()} /></div>` : null}
    <${BudgetPanel} month=${month} key=${`${month}:${res.data ? 'loaded' : ''}`} />
    ${res.error ? html`<${ErrorBox} error=${res.error} />` : null}
    ${res.loading && !res.data ? html`<${Loading} />` : null}
    ${actionOk ? html`<${Notice} kind="ok" testid="action-ok">${actionOk}<//>` : null}
    <div data-testid="action-error"><${ErrorBox} error=${actionError} title=${actionError?.status === 403 ? t('finance.denied') : undefined} /></div>
    ${
      res.data
        ? rows.length
          ? html`<div class="card">
      ${write ? html`<label class="note-field">${t('finance.note')} <input type="text" name="note" maxlength="2000" value=${note} onInput=${(e) => setNote(e.currentTarget.value)} placeholder=${t('finance.note_ph')} /></label>` : null}
      <table class="table" data-testid="period-table" aria-label=${t('finance.table', { month })}>
        <thead><tr>
          <th scope="col">ASN</th><th scope="col">${t('col.member')}</th><th scope="col">${t('col.status')}</th><th scope="col">${t('col.version')}</th>
          <th scope="col" class="num">${t('col.volume')}</th><th scope="col" class="num">${t('col.p95_in')}</th><th scope="col" class="num">${t('col.p95_out')}</th>
          <th scope="col" class="num">${t('col.billable')}</th><th scope="col" class="num">${t('statements.coverage')}</th><th scope="col" class="num">${t('col.subsidy')}</th>
          ${write ? html`<th scope="col">${t('col.actions')}</th>` : null}
        </tr></thead>
        <tbody>${rows.map(
          (r) => html`<tr data-asn=${r.asn}>
          <th scope="row"><${Link} href=${`/members/${r.asn}/statements`}>AS${r.asn}<//></th>
          <td>${r.name}</td>
          <td data-testid="row-status"><${Badge} group="status" value=${r.status} /></td>
          <td>v${r.version}</td>
          <td class="num" title=${fmtInt(sumBig(r.in_bytes, r.out_bytes))}>${fmtBytes(sumBig(r.in_bytes, r.out_bytes))}</td>
          <td class="num">${fmtBps(r.p95_in_bps)}</td>
          <td class="num">${fmtBps(r.p95_out_bps)}</td>
          <td class="num">${fmtBps(r.billable_bps)}</td>
          <td class="num">${fmtPct(r.coverage, 1)}</td>
          <td class="num">${fmtCny(r.subsidy_amount_cny)}</td>
          ${
            write
              ? html`<td class="actions">
            <button type="button" class="btn btn-small" data-action="review" disabled=${r.status !== 'draft' || busy !== null} onClick=${() => act(r, 'review')} aria-label=${t('finance.review_aria', { asn: r.asn })}>${t('finance.action.review')}</button>
            <button type="button" class="btn btn-small btn-primary" data-action="approve" disabled=${r.status !== 'reviewed' || busy !== null} onClick=${() => act(r, 'approve')} aria-label=${t('finance.approve_aria', { asn: r.asn })}>${t('finance.action.approve')}</button>
          </td>`
              : null
          }
        </tr>`,
        )}</tbody>
        <tfoot><tr>
          <th scope="row" colspan="4">${t('finance.total', { n: rows.length })}</th>
          <td class="num">${fmtBytes(sumBig(...rows.flatMap((r) => [r.in_bytes, r.out_bytes])))}</td>
          <td colspan="4"></td>
          <td class="num" data-testid="total-subsidy">${fmtCny(sumCny(rows.map((r) => r.subsidy_amount_cny)))}</td>
          ${write ? html`<td></td>` : null}
        </tr></tfoot>
      </table>
      <p class="muted small">${t('finance.four_eyes')}</p>
    </div>`
          : html`<${Notice} testid="no-period">${t('finance.empty', { month })}<//>`
        : null
    }
  </section>`;
}

function Tiers({ p }) {
  if (!p.tiers?.length) return null;
  return html`<table class="table compact" aria-label=${t('policy.tiers')}>
    <thead><tr><th scope="col">${t('policy.lower')}</th><th scope="col">${t('policy.upper')}</th><th scope="col" class="num">${t('policy.rate')}</th></tr></thead>
    <tbody>${p.tiers.map((x) => html`<tr><td>${x.lower}</td><td>${x.upper ?? '∞'}</td><td class="num">${fmtCny(x.rate)}</td></tr>`)}</tbody>
  </table>`;
}

function PolicyCard({ p, example }) {
  const lang = getLang();
  return html`<article class="card policy" data-policy=${`${p.policy_id}@${p.version}`}>
    <h3>${lang === 'en' ? p.name_en : p.name_zh} <span class="muted small">${p.policy_id} v${p.version}</span></h3>
    <${ExampleBanner} policy=${p} />
    ${example ? html`<${Notice} kind="warn">${t('policy.example_applies')}<//>` : null}
    <${Facts} items=${[
      [t('policy.official'), p.official ? t('yes') : t('no')],
      [t('policy.effective'), `${p.effective_from} – ${p.effective_to ?? t('policy.open_end')}`],
      [
        t('policy.basis'),
        `${p.basis}${p.percentile ? ` · P${p.percentile}` : ''}${p.percentile_method ? ` · ${p.percentile_method}` : ''}`,
      ],
      [
        t('policy.types'),
        (p.eligible_member_types ?? []).map((x) => t(`member_type.${x}`, {}, x)).join(lang === 'en' ? ', ' : '、'),
      ],
      [t('policy.months'), p.eligibility_months ?? '—'],
      [t('policy.min_coverage'), p.min_coverage_pct !== undefined ? `${p.min_coverage_pct} %` : '—'],
    ]} />
    <${Tiers} p=${p} />
  </article>`;
}

export function Policies() {
  const res = useAsync(() => api('/policies'), []);
  return html`<section>
    <header class="page-head"><h1>${t('policy.title')}</h1></header>
    ${res.error ? html`<${ErrorBox} error=${res.error} />` : null}
    ${res.loading && !res.data ? html`<${Loading} />` : null}
    ${
      res.data
        ? html`
      ${res.data.policies.length ? res.data.policies.map((p) => html`<${PolicyCard} p=${p} />`) : html`<${Notice} kind="warn" testid="no-policy">${t('policy.none')}<//>`}
      <h2 class="section-title">${t('policy.shipped_example')}</h2>
      <${PolicyCard} p=${res.data.example} example=${!res.data.policies.length} />`
        : null
    }
  </section>`;
}
