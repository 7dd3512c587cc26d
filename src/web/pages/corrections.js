// Statement corrections (issue 13): finance's exclusions (four eyes) and dispute queue, and on a member's
// statement its per-member coverage (silent exporters, missing buckets) and its disputes.
import { useState } from 'preact/hooks';
import {
  html,
  api,
  Link,
  queryParams,
  setQuery,
  previousMonth,
  fmtTime,
  fmtInt,
  fmtPct,
  session,
  TZ_OFFSET,
} from '../lib.js';
import { t } from '../i18n.js';
import { useAsync, ErrorBox, Loading, Badge, Notice, Facts } from '../components.js';

const canWrite = () => ['admin', 'finance'].includes(session.me()?.role);
const who = (id, name) => (id === session.me()?.token_id ? t('corr.you') : name || id);

function useMonth() {
  const [month, setMonth] = useState(() =>
    /^\d{4}-\d{2}$/.test(queryParams().get('month') ?? '') ? queryParams().get('month') : previousMonth(),
  );
  const pick = (m) => {
    if (/^\d{4}-\d{2}$/.test(m)) {
      setMonth(m);
      setQuery({ month: m });
    }
  };
  return [month, pick];
}

function ProposeForm({ onDone }) {
  const [f, setF] = useState({ asn: '', from: '', to: '', reason: 'maintenance', note: '' });
  const [error, setError] = useState(null);
  const [ok, setOk] = useState(null);
  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value });
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    setOk(null);
    try {
      const r = await api('/exclusions', {
        method: 'POST',
        body: {
          asn: f.asn.trim() ? Number(f.asn) : null,
          from: `${f.from}:00${TZ_OFFSET}`,
          to: `${f.to}:00${TZ_OFFSET}`,
          reason: f.reason,
          note: f.note,
        },
      });
      setOk(t('corr.proposed', { id: r.id }));
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return html`<form class="card form-grid" onSubmit=${submit} data-testid="propose-exclusion">
    <h3>${t('corr.propose')}</h3>
    <label>${t('corr.asn')} <input type="text" inputmode="numeric" name="asn" value=${f.asn} onInput=${set('asn')} placeholder=${t('corr.asn_ph')} /></label>
    <label>${t('corr.from')} <input type="datetime-local" name="from" required value=${f.from} onInput=${set('from')} /></label>
    <label>${t('corr.to')} <input type="datetime-local" name="to" required value=${f.to} onInput=${set('to')} /></label>
    <label>${t('corr.reason')} <select name="reason" value=${f.reason} onChange=${set('reason')}>
      <option value="maintenance">${t('reason.maintenance')}</option><option value="data_fault">${t('reason.data_fault')}</option>
    </select></label>
    <label class="wide">${t('corr.note')} <input type="text" name="note" maxlength="2000" value=${f.note} onInput=${set('note')} placeholder=${t('corr.note_ph')} /></label>
    <div class="wide"><button type="submit" class="btn btn-primary" disabled=${!f.from || !f.to}>${t('corr.propose_submit')}</button></div>
    <p class="muted small wide">${t('corr.four_eyes')}</p>
    ${ok ? html`<${Notice} kind="ok">${ok}<//>` : null}
    <${ErrorBox} error=${error} />
  </form>`;
}

export function ExclusionsPage() {
  const [month, pick] = useMonth();
  const res = useAsync(() => api(`/exclusions?month=${month}`), [month]);
  const [error, setError] = useState(null);
  const write = canWrite();
  const approve = async (x) => {
    setError(null);
    try {
      await api(`/exclusions/${x.id}/approve`, { method: 'POST' });
      res.reload();
    } catch (e) {
      setError(e);
    }
  };
  const rows = res.data?.exclusions ?? [];
  return html`<section>
    <header class="page-head"><h1>${t('corr.exclusions_title')}</h1></header>
    <p class="muted">${t('corr.exclusions_intro')}</p>
    <form class="toolbar" onSubmit=${(e) => e.preventDefault()}>
      <label>${t('finance.month')} <input type="month" value=${month} onChange=${(e) => pick(e.currentTarget.value)} /></label>
      <button type="button" class="btn" onClick=${res.reload}>${t('refresh')}</button>
    </form>
    ${write ? html`<${ProposeForm} onDone=${res.reload} />` : null}
    <${ErrorBox} error=${res.error ?? error} />
    ${res.loading && !res.data ? html`<${Loading} />` : null}
    ${
      res.data
        ? rows.length
          ? html`<div class="card"><table class="table" data-testid="exclusions-table">
      <thead><tr><th scope="col">${t('corr.scope')}</th><th scope="col">${t('corr.from')}</th><th scope="col">${t('corr.to')}</th><th scope="col">${t('corr.reason')}</th>
        <th scope="col">${t('corr.note')}</th><th scope="col">${t('col.status')}</th><th scope="col">${t('corr.proposed_by')}</th><th scope="col">${t('corr.approved_by')}</th>${write ? html`<th scope="col">${t('col.actions')}</th>` : null}</tr></thead>
      <tbody>${rows.map(
        (x) => html`<tr data-id=${x.id}>
        <td>${x.asn === null ? html`<strong>${t('corr.fabric')}</strong>` : html`<${Link} href=${`/members/${x.asn}/statements`}>AS${x.asn}<//>`}</td>
        <td>${fmtTime(x.from)}</td><td>${fmtTime(x.to)}</td><td>${t(`reason.${x.reason}`)}</td><td>${x.note}</td>
        <td><${Badge} group="exclusion" value=${x.status} /></td>
        <td>${who(x.proposed_by, x.proposed_by_name)}<br /><span class="muted small">${fmtTime(x.proposed_at)}</span></td>
        <td>${x.approved_by ? html`${who(x.approved_by, x.approved_by_name)}<br /><span class="muted small">${fmtTime(x.approved_at)}</span>` : '—'}</td>
        ${
          write
            ? html`<td>${
                x.status === 'proposed'
                  ? html`<button type="button" class="btn btn-small btn-primary" onClick=${() => approve(x)}
          disabled=${x.proposed_by === session.me()?.token_id} title=${x.proposed_by === session.me()?.token_id ? t('corr.self') : ''}>${t('finance.action.approve')}</button>${x.proposed_by === session.me()?.token_id ? html`<br /><span class="muted small">${t('corr.own')}</span>` : null}`
                  : null
              }</td>`
            : null
        }
      </tr>`,
      )}</tbody></table></div>`
          : html`<${Notice}>${t('corr.no_exclusions', { month })}<//>`
        : null
    }
  </section>`;
}

function ResolveForm({ d, onDone }) {
  const [note, setNote] = useState('');
  const [error, setError] = useState(null);
  const go = async (outcome) => {
    setError(null);
    try {
      await api(`/disputes/${d.id}/resolve`, { method: 'POST', body: { outcome, note } });
      onDone();
    } catch (e) {
      setError(e);
    }
  };
  return html`<div class="resolve">
    <input type="text" maxlength="4000" value=${note} onInput=${(e) => setNote(e.currentTarget.value)} placeholder=${t('corr.resolution_ph')} aria-label=${t('corr.resolution')} />
    <button type="button" class="btn btn-small btn-primary" onClick=${() => go('upheld')}>${t('corr.uphold')}</button>
    <button type="button" class="btn btn-small" onClick=${() => go('rejected')} disabled=${!note.trim()} title=${note.trim() ? '' : t('corr.reject_needs_note')}>${t('corr.reject')}</button>
    <${ErrorBox} error=${error} />
  </div>`;
}

function DisputeTable({ rows, resolve, onDone, testid }) {
  return html`<table class="table" data-testid=${testid}>
    <thead><tr><th scope="col">ASN</th><th scope="col">${t('col.month')}</th><th scope="col">${t('col.version')}</th><th scope="col">${t('corr.raised')}</th>
      <th scope="col">${t('corr.dispute_note')}</th><th scope="col">${t('col.status')}</th><th scope="col">${t('corr.resolution')}</th></tr></thead>
    <tbody>${rows.map(
      (d) => html`<tr data-id=${d.id}>
      <td><${Link} href=${`/members/${d.asn}/statements`}>AS${d.asn}<//></td><td class="nowrap">${d.month}</td><td>v${d.version}</td>
      <td>${who(d.raised_by, d.raised_by_name)} <span class="muted small">(${t(`role.${d.raised_role}`)})</span><br /><span class="muted small">${fmtTime(d.raised_at)}</span></td>
      <td>${d.note}</td><td><${Badge} group="dispute" value=${d.status} /></td>
      <td>${
        d.status === 'open'
          ? resolve
            ? html`<${ResolveForm} d=${d} onDone=${onDone} />`
            : t('corr.awaiting')
          : html`${d.resolution_note ?? ''}${d.resolved_by ? html`<br /><span class="muted small">${who(d.resolved_by, d.resolved_by_name)} · ${fmtTime(d.resolved_at)}</span>` : null}${d.new_version ? html`<br /><span class="muted small">${t('corr.new_version', { v: d.new_version })}</span>` : null}`
      }</td>
    </tr>`,
    )}</tbody></table>`;
}

export function DisputeQueue() {
  const [status, setStatus] = useState(() => queryParams().get('status') ?? 'open');
  const res = useAsync(() => api(`/disputes${status ? `?status=${status}` : ''}`), [status]);
  const rows = res.data?.disputes ?? [];
  return html`<section>
    <header class="page-head"><h1>${t('corr.disputes_title')}</h1></header>
    <p class="muted">${t('corr.disputes_intro')}</p>
    <form class="toolbar" onSubmit=${(e) => e.preventDefault()}>
      <label>${t('col.status')} <select value=${status} onChange=${(e) => {
        setStatus(e.currentTarget.value);
        setQuery({ status: e.currentTarget.value });
      }}>
        <option value="open">${t('dispute.open')}</option><option value="upheld">${t('dispute.upheld')}</option><option value="rejected">${t('dispute.rejected')}</option><option value="">${t('all')}</option>
      </select></label>
      <button type="button" class="btn" onClick=${res.reload}>${t('refresh')}</button>
    </form>
    <${ErrorBox} error=${res.error} />
    ${res.loading && !res.data ? html`<${Loading} />` : null}
    ${res.data ? (rows.length ? html`<div class="card"><${DisputeTable} rows=${rows} resolve=${canWrite()} onDone=${res.reload} testid="dispute-queue" /></div>` : html`<${Notice}>${t('corr.no_disputes')}<//>`) : null}
  </section>`;
}

/** Coverage of one statement: bucket counts, basis and the silent exporters with their intervals. */
export function CoverageCard({ s }) {
  const silent = s.silent_exporters ?? [];
  return html`<div class="card" data-testid="coverage-card">
    <h3>${t('corr.coverage_title')}</h3>
    <${Facts} items=${[
      [t('statements.coverage'), fmtPct(s.coverage, 2)],
      [t('corr.expected'), fmtInt(s.expected_buckets ?? s.statement?.expected_buckets)],
      [t('corr.valid'), fmtInt(s.valid_buckets ?? s.statement?.valid_buckets)],
      [
        t('corr.missing'),
        html`<strong class=${(s.missing_buckets ?? 0) > 0 ? 'warn-text' : ''}>${fmtInt(s.missing_buckets ?? s.statement?.missing_buckets)}</strong>`,
        'missing-buckets',
      ],
      [t('corr.basis'), s.coverage_basis ? t(`basis.${s.coverage_basis}`) : t('corr.basis_unknown')],
      s.coverage_exporters?.length ? [t('corr.exporters'), s.coverage_exporters.join(', ')] : null,
    ]} />
    ${s.subsidy?.status === 'needs_review' ? html`<${Notice} kind="warn">${t('corr.needs_review')}<//>` : null}
    ${
      silent.length
        ? html`<table class="table compact" data-testid="silent-exporters"><caption>${t('corr.silent_caption')}</caption>
      <thead><tr><th scope="col">${t('corr.exporter')}</th><th scope="col">${t('corr.silent_from')}</th><th scope="col">${t('corr.silent_to')}</th><th scope="col" class="num">${t('corr.missing')}</th></tr></thead>
      <tbody>${silent.flatMap((x) => x.intervals.map((i) => html`<tr><td><code>${x.exporter}</code></td><td>${fmtTime(i.from)}</td><td>${fmtTime(i.to)}</td><td class="num">${fmtInt(i.buckets)}</td></tr>`))}</tbody>
    </table>${silent.some((x) => x.intervals_not_listed) ? html`<p class="muted small">${t('corr.more_intervals')}</p>` : null}`
        : null
    }
  </div>`;
}

/** A member-month's disputes and, within the window, the form to raise one (the member itself or finance). */
export function StatementDisputes({ asn, month, onChange }) {
  const res = useAsync(() => api(`/disputes?asn=${asn}&month=${month}`), [asn, month]);
  const [note, setNote] = useState('');
  const [error, setError] = useState(null);
  const role = session.me()?.role;
  const mayRaise = role === 'member' || role === 'finance' || role === 'admin';
  const rows = res.data?.disputes ?? [];
  const open = rows.some((d) => d.status === 'open');
  const w = res.data?.window;
  const raise = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      await api(`/members/${asn}/statements/${month}/disputes`, { method: 'POST', body: { note } });
      setNote('');
      res.reload();
      onChange?.();
    } catch (err) {
      setError(err);
    }
  };
  return html`<div class="card" data-testid="statement-disputes">
    <h3>${t('corr.member_disputes', { month })}</h3>
    <${ErrorBox} error=${res.error} />
    ${
      rows.length
        ? html`<${DisputeTable} rows=${rows} resolve=${canWrite()} onDone=${() => {
            res.reload();
            onChange?.();
          }} testid="member-disputes" />`
        : html`<p class="muted">${t('corr.no_member_disputes')}</p>`
    }
    ${w && !w.open ? html`<p class="muted" data-testid="window-closed">${t('corr.window_closed', { day: w.last_day })}</p>` : null}
    ${
      mayRaise && !open && (!w || w.open)
        ? html`<form class="form-inline" onSubmit=${raise}>
      <label class="wide">${t('corr.dispute_note')} <textarea name="note" rows="2" maxlength="4000" required value=${note} onInput=${(e) => setNote(e.currentTarget.value)} placeholder=${t('corr.dispute_ph')}></textarea></label>
      <button type="submit" class="btn" disabled=${!note.trim()}>${t('corr.raise')}</button>
      <p class="muted small" data-testid="window">${w ? t('corr.window_until', { day: w.last_day, n: w.working_days }) : t('corr.window')}${w?.calendar === 'provisional' ? ` ${t('corr.calendar_provisional')}` : ''}</p>
    </form>`
        : null
    }
    <${ErrorBox} error=${error} />
  </div>`;
}
