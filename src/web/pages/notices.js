// Rectification notices (整改通知): the security queue (filters, deadlines, issue form), a member's own
// notices (acknowledge / report), one notice with its evidence, detector check, history and deliveries.
import { useState } from 'preact/hooks';
import { html, api, Link, navigate, queryParams, setQuery, fmtTime, fmtNum, session, TZ_OFFSET } from '../lib.js';
import { t } from '../i18n.js';
import { useAsync, ErrorBox, Loading, Badge, Notice, Facts } from '../components.js';

export const NOTICE_STATUSES = ['issued', 'acknowledged', 'reported', 'rectified', 'reopened'];
const canIssue = (me) => ['admin', 'security'].includes(me?.role);

function Deadline({ n }) {
  return html`<span class=${n.overdue ? 'overdue' : ''}>${fmtTime(n.deadline)}</span>${n.overdue ? html` <span class="badge badge-flag" data-testid="overdue-flag">${t('sup.overdue')}</span>` : null}`;
}

export function NoticeTable({ notices, showAsn = true, testid = 'notice-table' }) {
  return html`<div class="table-scroll"><table class="table" data-testid=${testid}>
    <thead><tr><th scope="col">${t('sup.title_col')}</th>${showAsn ? html`<th scope="col">${t('sup.member')}</th>` : null}<th scope="col">${t('sup.status')}</th>
      <th scope="col">${t('sup.deadline')}</th><th scope="col">${t('sup.issued_at')}</th><th scope="col">${t('sup.alert')}</th></tr></thead>
    <tbody>${notices.map(
      (n) => html`<tr class=${n.overdue ? 'flagged' : ''} data-notice=${n.id}>
      <td><${Link} href=${`/notices/${n.id}`}>${n.title}<//><br /><code class="small">${n.id}</code></td>
      ${showAsn ? html`<td>AS${n.asn}</td>` : null}
      <td><${Badge} group="notice_status" value=${n.status} /></td>
      <td><${Deadline} n=${n} /></td>
      <td>${fmtTime(n.issued_at)}</td>
      <td>${n.alert_id ? html`<${Link} href=${`/alerts/${n.alert_id}`}>${t(`alert_type.${n.alert_type}`, {}, n.alert_type ?? n.alert_id)}<//>` : '—'}</td>
    </tr>`,
    )}</tbody></table></div>`;
}

/** datetime-local (billing time zone, +08:00) → ISO with offset. */
const localToIso = (v) => (v ? `${v}:00${TZ_OFFSET}` : '');

function IssueForm({ onDone }) {
  const q = queryParams();
  const [f, setF] = useState({
    asn: q.get('asn') ?? '',
    alert_id: q.get('alert') ?? '',
    title: '',
    body: '',
    deadline: '',
  });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value });
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = {
        asn: Number(f.asn),
        title: f.title,
        body: f.body,
        deadline: localToIso(f.deadline),
        ...(f.alert_id.trim() ? { alert_id: f.alert_id.trim() } : {}),
      };
      const r = await api('/notices', { method: 'POST', body });
      onDone(r.id);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<details class="card" open=${Boolean(q.get('alert'))}>
    <summary><strong>${t('sup.issue')}</strong></summary>
    <form onSubmit=${submit} data-testid="issue-form" class="form-grid">
      <label>${t('sup.member_asn')}<input name="asn" inputmode="numeric" required value=${f.asn} onInput=${set('asn')} placeholder="64500" /></label>
      <label>${t('sup.alert_id')}<input name="alert_id" value=${f.alert_id} onInput=${set('alert_id')} placeholder="al_…" /></label>
      <label>${t('sup.title_col')}<input name="title" required maxlength="200" value=${f.title} onInput=${set('title')} /></label>
      <label>${t('sup.deadline')} (UTC${TZ_OFFSET})<input name="deadline" type="datetime-local" required value=${f.deadline} onInput=${set('deadline')} /></label>
      <label class="wide">${t('sup.body')}<textarea name="body" rows="4" required maxlength="20000" value=${f.body} onInput=${set('body')}></textarea></label>
      <p class="hint wide">${t('sup.issue_hint')}</p>
      <${ErrorBox} error=${error} />
      <div><button type="submit" class="btn btn-primary" disabled=${busy} data-testid="issue-submit">${t('sup.issue_submit')}</button></div>
    </form>
  </details>`;
}

export function NoticeQueue() {
  const me = session.me();
  const q = queryParams();
  const [status, setStatus] = useState(NOTICE_STATUSES.includes(q.get('status')) ? q.get('status') : '');
  const [asn, setAsn] = useState(/^\d+$/.test(q.get('asn') ?? '') && !q.get('alert') ? q.get('asn') : '');
  const [overdue, setOverdue] = useState(q.get('overdue') === 'true');
  const res = useAsync(() => {
    const p = new URLSearchParams({ limit: '1000' });
    if (status) p.set('status', status);
    if (asn) p.set('asn', asn);
    if (overdue) p.set('overdue', 'true');
    return api(`/notices?${p}`);
  }, [status, asn, overdue]);
  // the work first: overdue, then the nearest deadline of what is still open; closed notices last
  const rank = (n) => (n.overdue ? 0 : n.status === 'rectified' ? 2 : 1);
  const list = [...(res.data?.notices ?? [])].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      (rank(a) === 2 ? b.issued_at.localeCompare(a.issued_at) : a.deadline.localeCompare(b.deadline)),
  );
  const late = list.filter((n) => n.overdue).length;
  return html`<section>
    <header class="page-head"><h1>${t('sup.queue_title')}</h1></header>
    ${canIssue(me) ? html`<${IssueForm} onDone=${(id) => navigate(`/notices/${id}`)} />` : null}
    <form class="toolbar" onSubmit=${(e) => e.preventDefault()} aria-label=${t('sup.filters')}>
      <label>${t('sup.status')}<select value=${status} data-testid="notice-filter-status" onChange=${(e) => {
        setStatus(e.currentTarget.value);
        setQuery({ status: e.currentTarget.value });
      }}>
        <option value="">${t('all')}</option>${NOTICE_STATUSES.map((s) => html`<option value=${s}>${t(`notice_status.${s}`)}</option>`)}</select></label>
      <label>${t('sup.member_asn')}<input size="8" inputmode="numeric" value=${asn} onChange=${(e) => {
        const v = e.currentTarget.value.trim();
        if (v === '' || /^\d+$/.test(v)) {
          setAsn(v);
          setQuery({ asn: v });
        }
      }} /></label>
      <label><input type="checkbox" checked=${overdue} data-testid="notice-filter-overdue" onChange=${(e) => {
        setOverdue(e.currentTarget.checked);
        setQuery({ overdue: e.currentTarget.checked ? 'true' : '' });
      }} /> ${t('sup.only_overdue')}</label>
      <button type="button" class="btn" onClick=${res.reload}>${t('refresh')}</button>
      ${res.data ? html`<span class="muted" role="status">${t('sup.count', { n: list.length, late })}</span>` : null}
    </form>
    <${ErrorBox} error=${res.error} />
    ${res.loading && !res.data ? html`<${Loading} />` : null}
    ${res.data ? (list.length ? html`<div class="card"><${NoticeTable} notices=${list} /></div>` : html`<${Notice}>${t('sup.none')}<//>`) : null}
  </section>`;
}

export function MemberNotices({ asn }) {
  const res = useAsync(() => api('/notices?limit=1000'), [asn]);
  const list = res.data?.notices ?? [];
  const late = list.filter((n) => n.overdue);
  const todo = list.filter((n) => ['issued', 'reopened', 'acknowledged'].includes(n.status));
  return html`<section>
    <header class="page-head"><h1>${t('sup.my_title')}</h1></header>
    <p class="muted">${t('sup.my_intro')}</p>
    ${late.length ? html`<${Notice} kind="warn" testid="overdue-banner">${t('sup.my_overdue', { n: late.length })}<//>` : todo.length ? html`<${Notice} testid="todo-banner">${t('sup.my_todo', { n: todo.length })}<//>` : null}
    <${ErrorBox} error=${res.error} />
    ${res.loading && !res.data ? html`<${Loading} />` : null}
    ${res.data ? (list.length ? html`<div class="card"><${NoticeTable} notices=${list} showAsn=${false} testid="my-notices" /></div>` : html`<${Notice}>${t('sup.my_none')}<//>`) : null}
  </section>`;
}

function StepForm({ n, me, onDone }) {
  const [note, setNote] = useState('');
  const [outcome, setOutcome] = useState('rectified');
  const [deadline, setDeadline] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const member = me.role === 'member';
  const action = member
    ? ['issued', 'reopened'].includes(n.status)
      ? 'acknowledge'
      : n.status === 'acknowledged'
        ? 'report'
        : null
    : canIssue(me) && n.status === 'reported'
      ? 'verify'
      : null;
  const canReportNow = member && n.status === 'reopened';
  if (!action) return null;
  const run = async (what) => {
    setBusy(true);
    setError(null);
    try {
      const body =
        what === 'verify'
          ? { outcome, note, ...(outcome === 'reopened' && deadline ? { deadline: localToIso(deadline) } : {}) }
          : { note };
      await api(`/notices/${encodeURIComponent(n.id)}/${what}`, { method: 'POST', body });
      setNote('');
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="card actions-card" onSubmit=${(e) => e.preventDefault()} data-testid="notice-step">
    <h3>${t(`sup.step.${action}`)}</h3>
    <p class="hint">${t(`sup.step_hint.${action}`)}</p>
    <${ErrorBox} error=${error} />
    ${
      action === 'verify'
        ? html`<fieldset><legend>${t('sup.outcome')}</legend>
      <label><input type="radio" name="outcome" checked=${outcome === 'rectified'} onChange=${() => setOutcome('rectified')} /> ${t('notice_status.rectified')}</label>
      <label><input type="radio" name="outcome" checked=${outcome === 'reopened'} onChange=${() => setOutcome('reopened')} data-testid="outcome-reopened" /> ${t('sup.reopen')}</label>
      ${outcome === 'reopened' ? html`<label>${t('sup.new_deadline')}<input type="datetime-local" value=${deadline} onInput=${(e) => setDeadline(e.currentTarget.value)} /></label>` : null}
    </fieldset>`
        : null
    }
    <label for="notice-note">${t(action === 'report' || canReportNow ? 'sup.report_note' : 'sup.note')}</label>
    <textarea id="notice-note" name="note" rows="3" maxlength="4000" value=${note} onInput=${(e) => setNote(e.currentTarget.value)}></textarea>
    <div class="row">
      <button type="button" class="btn btn-primary" disabled=${busy} data-testid=${`do-${action}`} onClick=${() => run(action)}>${t(`sup.do.${action}`)}</button>
      ${canReportNow ? html` <button type="button" class="btn" disabled=${busy} data-testid="do-report" onClick=${() => run('report')}>${t('sup.do.report')}</button>` : null}
    </div>
  </form>`;
}

export function Deliveries({ list }) {
  if (!list) return null;
  return html`<div class="card"><h3>${t('sup.deliveries')}</h3>
    ${
      list.length
        ? html`<table class="table compact" data-testid="deliveries"><thead><tr><th scope="col">${t('sup.event')}</th><th scope="col">${t('sup.channel')}</th><th scope="col">${t('sup.recipient')}</th>
      <th scope="col">${t('sup.status')}</th><th scope="col" class="num">${t('sup.attempts')}</th><th scope="col">${t('sup.time')}</th><th scope="col">${t('sup.error')}</th></tr></thead>
      <tbody>${list.map(
        (
          d,
        ) => html`<tr class=${d.status === 'sent' ? '' : 'flagged'}><td>${d.event}</td><td>${d.channel} <span class="muted">(${d.kind})</span></td><td>${d.recipient || '—'}</td>
        <td><${Badge} group="delivery" value=${d.status} /></td><td class="num">${d.attempts}</td><td>${fmtTime(d.at)}</td><td class="small">${d.error}</td></tr>`,
      )}</tbody></table>`
        : html`<p class="muted">${t('sup.no_deliveries')}</p>`
    }
  </div>`;
}

/** Delivery status of an alert's notifications (staff and regulator). */
export function AlertDeliveries({ id }) {
  const res = useAsync(() => api(`/alerts/${encodeURIComponent(id)}/deliveries`), [id]);
  return res.data ? html`<${Deliveries} list=${res.data.deliveries} />` : null;
}

export function NoticeDetail({ id }) {
  const me = session.me();
  const res = useAsync(() => api(`/notices/${encodeURIComponent(id)}`), [id]);
  const n = res.data;
  const ev = n?.evidence ?? {};
  const v = n?.verification;
  return html`<section>
    <header class="page-head">
      <h1>${t('sup.notice')} <code>${id}</code></h1>
      <${Link} href=${me?.role === 'member' ? `/members/${me.asn}/notices` : '/security/notices'}>← ${t('sup.back')}<//>
    </header>
    <${ErrorBox} error=${res.error} />
    ${res.loading && !n ? html`<${Loading} />` : null}
    ${
      n
        ? html`
      ${n.overdue ? html`<${Notice} kind="warn" testid="notice-overdue">${t('sup.overdue_text', { deadline: fmtTime(n.deadline) })}<//>` : null}
      <div class="card">
        <h2>${n.title}</h2>
        <${Facts} testid="notice-facts" items=${[
          [t('sup.member'), `AS${n.asn}`],
          [t('sup.status'), html`<${Badge} group="notice_status" value=${n.status} />`, 'notice-status'],
          [t('sup.deadline'), html`<${Deadline} n=${n} />`],
          [t('sup.issued_at'), fmtTime(n.issued_at)],
          [
            t('sup.alert'),
            n.alert_id ? html`<${Link} href=${`/alerts/${n.alert_id}`}>${n.alert_type ?? n.alert_id}<//>` : '—',
          ],
        ]} />
        <p class="notice-body" data-testid="notice-body">${n.body}</p>
      </div>
      ${
        v
          ? html`<div class="card" data-testid="verification"><h3>${t('sup.verification')}</h3>
        ${
          v.recurrences
            ? html`<${Notice} kind="warn">${t('sup.recurred', { n: v.recurrences, type: v.alert_type, at: fmtTime(v.last_recurrence_at) })}<//>`
            : html`<${Notice} kind="ok">${t('sup.quiet', { m: fmtNum(v.quiet_minutes), type: v.alert_type, since: fmtTime(v.since) })}<//>`
        }</div>`
          : null
      }
      <${StepForm} n=${n} me=${me} onDone=${res.reload} />
      ${
        ev.alert
          ? html`<div class="card" data-testid="notice-evidence"><h3>${t('sup.evidence')}</h3>
        <p class="hint">${t('sup.evidence_hint')}</p>
        <${Facts} items=${[
          [t('alerts.type'), ev.alert.type],
          [t('alerts.severity'), html`<${Badge} group="severity" value=${ev.alert.severity} />`],
          [t('alerts.target'), html`<code>${ev.alert.target}</code>`],
          [t('alerts.first_seen'), fmtTime(ev.alert.first_seen)],
          [t('alerts.last_seen'), fmtTime(ev.alert.last_seen)],
        ]} />
        ${
          Array.isArray(ev.topSources) && ev.topSources.length
            ? html`<table class="table compact"><thead><tr><th scope="col">${t('alert.addr')}</th><th scope="col">ASN</th><th scope="col" class="num">pps</th></tr></thead>
          <tbody>${ev.topSources.map((s) => html`<tr><td><code>${s.addr}</code></td><td>${s.asn ? `AS${s.asn}` : '—'}</td><td class="num">${fmtNum(s.pps, 1)}</td></tr>`)}</tbody></table>`
            : null
        }
      </div>`
          : null
      }
      <div class="card"><h3>${t('sup.history')}</h3>
        <table class="table compact" data-testid="notice-history"><thead><tr><th scope="col">${t('sup.time')}</th><th scope="col">${t('sup.event')}</th><th scope="col">${t('sup.status')}</th><th scope="col">${t('sup.actor')}</th><th scope="col">${t('sup.note')}</th></tr></thead>
        <tbody>${n.history.map(
          (
            h,
          ) => html`<tr class=${h.event === 'overdue' ? 'flagged' : ''}><td>${fmtTime(h.at)}</td><td>${t(`notice_event.${h.event}`, {}, h.event)}</td><td><${Badge} group="notice_status" value=${h.status} /></td>
          <td>${t(`role.${h.role}`, {}, h.role)} <code class="small">${h.actor}</code></td><td>${h.note}</td></tr>`,
        )}</tbody></table></div>
      <${Deliveries} list=${n.deliveries} />`
        : null
    }
  </section>`;
}
