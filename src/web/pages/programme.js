// Finance: the subsidy programme — policy what-if (candidate beside the current policy, cost per month,
// the members whose subsidy changes most, the budget line), the policy YAML editor with each problem at
// its line, fee imports, payout file and the programme year report; and the budget panel of a month.
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import YAML from 'yaml';
import { html, api, session, previousMonth, addMonths, fmtCny, download } from '../lib.js';
import { t, getLang } from '../i18n.js';
import { useAsync, ErrorBox, Loading, Notice, Facts, DownloadButton } from '../components.js';

const canWrite = () => ['admin', 'finance'].includes(session.me()?.role);
const fen = (s) => Math.round(Number(s) * 100);
const cny = (f) => (f / 100).toFixed(2);

/** Cumulative cost by month (x = month index, labelled by month), with points; lines: [{label, values, color, dash}]. */
function MonthChart({ months, lines, ariaLabel }) {
  const ref = useRef(null);
  const lang = getLang();
  useEffect(() => {
    const el = ref.current;
    if (!el || !months.length) return undefined;
    const xs = months.map((_m, i) => i);
    const money = (v) => (v === null || v === undefined ? '—' : fmtCny(String(v)));
    const u = new uPlot(
      {
        width: Math.max(320, el.clientWidth || 800),
        height: 280,
        scales: {
          x: { time: false, range: [-0.3, months.length - 0.7] },
          y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
        },
        series: [
          { label: t('prog.sim.month'), value: (_u, i) => months[i] ?? '—' },
          ...lines.map((l) => ({
            label: l.label,
            stroke: l.color,
            width: 2,
            dash: l.dash,
            points: { show: !l.dash, size: 7 },
            value: (_u, v) => money(v),
          })),
        ],
        axes: [
          {
            stroke: '#444',
            grid: { show: false },
            size: 40,
            incrs: [1],
            values: (_u, vals) => vals.map((v) => months[v] ?? ''),
          },
          { stroke: '#444', size: 100, grid: { stroke: '#e6e9ee' }, values: (_u, vals) => vals.map(money) },
        ],
        legend: { live: true },
      },
      [xs, ...lines.map((l) => l.values)],
      el,
    );
    const ro = new ResizeObserver(() => {
      if (el.clientWidth) u.setSize({ width: Math.max(320, el.clientWidth), height: 280 });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
    };
  }, [months, lines, lang]);
  return html`<figure class="chart-figure"><div ref=${ref} class="chart" role="img" aria-label=${ariaLabel} data-testid="sim-chart"></div></figure>`;
}

/** Budget, committed, remaining and factor of a month (GET /statements/{month}/budget). */
export function BudgetPanel({ month }) {
  const res = useAsync(() => api(`/statements/${month}/budget`), [month]);
  if (res.error) return html`<${ErrorBox} error=${res.error} />`;
  if (!res.data) return null;
  const b = res.data.budget;
  return html`<div class="card prog-card" data-testid="budget-panel">
    <h2 class="section-title">${t('prog.budget.title', { month })}</h2>
    ${
      b
        ? html`<${Facts} testid="budget-facts" items=${[
            [t('prog.budget.annual'), fmtCny(b.annual_cny)],
            [t('prog.budget.committed_before'), fmtCny(res.data.committed_before_cny)],
            [t('prog.budget.remaining_before'), fmtCny(b.remaining_before_cny)],
            [t('prog.budget.unscaled'), fmtCny(b.unscaled_month_cny)],
            [t('prog.budget.committed_month'), fmtCny(res.data.committed_month_cny)],
            [t('prog.budget.remaining_after'), fmtCny(b.remaining_after_cny)],
            [t('prog.budget.factor'), `${b.factor} · ${t(`prog.budget.action.${b.action}`)}`],
          ]} />`
        : html`<p class="muted">${t('prog.budget.none', { policy: `${res.data.policy.id} v${res.data.policy.version}` })}</p>`
    }
  </div>`;
}

/** The policy text with a line number gutter; problem lines marked, each message under its line. */
function YamlProblems({ text, problems }) {
  if (!problems?.length) return null;
  const at = new Map();
  const unplaced = [];
  for (const p of problems) (p.line ? (at.get(p.line) ?? at.set(p.line, []).get(p.line)) : unplaced).push(p);
  const lines = text.split('\n');
  return html`<div class="yaml-view" data-testid="yaml-problems" aria-label=${t('prog.editor.problems', { n: problems.length })}>
    <p class="warn-text">${t('prog.editor.problems', { n: problems.length })}</p>
    ${unplaced.map((p) => html`<p class="yaml-msg">${p.path}: ${p.message}</p>`)}
    <pre class="yaml-code">${lines.map((l, i) => {
      const ps = at.get(i + 1);
      return html`<div class=${ps ? 'yaml-line bad' : 'yaml-line'} data-line=${i + 1}><span class="ln">${i + 1}</span>${l || ' '}${ps ? ps.map((p) => html`<div class="yaml-msg" role="note">↑ ${p.path}: ${p.message}</div>`) : null}</div>`;
    })}</pre>
  </div>`;
}

function toYaml(p) {
  const { ...doc } = p;
  return YAML.stringify(doc, { lineWidth: 0 });
}

function changes(cur, cand) {
  const by = new Map();
  for (const m of cur.months)
    for (const x of m.members)
      by.set(x.asn, { asn: x.asn, cur: (by.get(x.asn)?.cur ?? 0) + fen(x.amount_cny), cand: 0 });
  for (const m of cand.months)
    for (const x of m.members) {
      const e = by.get(x.asn) ?? { asn: x.asn, cur: 0, cand: 0 };
      e.cand += fen(x.amount_cny);
      by.set(x.asn, e);
    }
  return [...by.values()]
    .map((e) => ({ ...e, delta: e.cand - e.cur }))
    .filter((e) => e.delta !== 0)
    .sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta) || a.asn - b.asn)
    .slice(0, 10);
}

function Comparison({ cur, cand }) {
  const months = cur.months.map((m) => m.month);
  let a = 0,
    b = 0;
  const cumCur = cur.months.map((m) => (a += fen(m.total_cny)) / 100);
  const cumCand = cand.months.map((m) => (b += fen(m.total_cny)) / 100);
  const budget = cand.months.find((m) => m.budget)?.budget ?? cur.months.find((m) => m.budget)?.budget;
  const lines = [
    { label: t('prog.sim.current_cum'), values: cumCur, color: '#2f6db5' },
    { label: t('prog.sim.candidate_cum'), values: cumCand, color: '#c2410c' },
    ...(budget
      ? [
          {
            label: t('prog.sim.budget_line'),
            values: months.map(() => Number(budget.annual_cny)),
            color: '#15803d',
            dash: [6, 4],
          },
        ]
      : []),
  ];
  const top = changes(cur, cand);
  return html`<div data-testid="sim-result">
    <div class="card prog-card">
      <h2 class="section-title">${t('prog.sim.chart')}</h2>
      <${MonthChart} months=${months} lines=${lines} ariaLabel=${t('prog.sim.chart')} />
      ${budget ? null : html`<p class="muted small">${t('prog.sim.no_budget')}</p>`}
      <table class="table" data-testid="sim-months">
        <thead><tr><th scope="col">${t('prog.sim.month')}</th><th scope="col" class="num">${t('prog.sim.current')}</th><th scope="col" class="num">${t('prog.sim.candidate')}</th><th scope="col" class="num">${t('prog.sim.delta')}</th><th scope="col">${t('prog.sim.budget_factor')}</th></tr></thead>
        <tbody>${months.map(
          (m, i) => html`<tr>
          <th scope="row">${m}</th><td class="num">${fmtCny(cur.months[i].total_cny)}</td><td class="num">${fmtCny(cand.months[i].total_cny)}</td>
          <td class="num">${fmtCny(cny(fen(cand.months[i].total_cny) - fen(cur.months[i].total_cny)))}</td>
          <td>${cand.months[i].budget ? `${cand.months[i].budget.factor} · ${t(`prog.budget.action.${cand.months[i].budget.action}`)}` : '—'}</td>
        </tr>`,
        )}</tbody>
        <tfoot><tr><th scope="row">${t('prog.sim.total')}</th><td class="num">${fmtCny(cur.total_cny)}</td><td class="num">${fmtCny(cand.total_cny)}</td><td class="num">${fmtCny(cny(fen(cand.total_cny) - fen(cur.total_cny)))}</td><td></td></tr></tfoot>
      </table>
    </div>
    <div class="card prog-card">
      <h2 class="section-title">${t('prog.sim.top')}</h2>
      ${
        top.length
          ? html`<table class="table" data-testid="sim-top">
        <thead><tr><th scope="col">ASN</th><th scope="col" class="num">${t('prog.sim.current')}</th><th scope="col" class="num">${t('prog.sim.candidate')}</th><th scope="col" class="num">${t('prog.sim.delta')}</th></tr></thead>
        <tbody>${top.map((e) => html`<tr><th scope="row">AS${e.asn}</th><td class="num">${fmtCny(cny(e.cur))}</td><td class="num">${fmtCny(cny(e.cand))}</td><td class=${e.delta < 0 ? 'num warn-text' : 'num'}>${fmtCny(cny(e.delta))}</td></tr>`)}</tbody>
      </table>`
          : html`<p class="muted">${t('prog.sim.no_change')}</p>`
      }
    </div>
  </div>`;
}

export function Programme() {
  const [to, setTo] = useState(previousMonth());
  const [from, setFrom] = useState(() => addMonths(previousMonth(), -5));
  const [text, setText] = useState('');
  const [problems, setProblems] = useState(null);
  const [result, setResult] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const pol = useAsync(() => api('/policies'), []);
  useEffect(() => {
    if (!pol.data || text) return;
    const list = pol.data.policies.length ? pol.data.policies : [pol.data.example];
    setText(toYaml(list[list.length - 1]));
  }, [pol.data]);

  const check = async () => {
    const r = await fetch('/api/v1/policies/check', {
      method: 'POST',
      headers: { authorization: `Bearer ${session.token()}`, 'content-type': 'text/yaml' },
      body: text,
    });
    const j = await r.json();
    if (!r.ok) throw Object.assign(new Error(j.message), { status: r.status, code: j.code });
    setProblems(j.problems);
    return j.ok;
  };
  const simulate = async () => {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      if (!(await check())) return;
      const [cur, cand] = await Promise.all([
        api('/policies/simulate', { method: 'POST', body: { from, to } }),
        api('/policies/simulate', { method: 'POST', body: { from, to, policy: text } }),
      ]);
      setResult({ cur, cand });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return html`<section>
    <header class="page-head"><h1>${t('prog.title')}</h1></header>
    <p class="muted">${t('prog.intro')}</p>
    <div class="card prog-card">
      <h2 class="section-title">${t('prog.sim.title')}</h2>
      <form class="toolbar" onSubmit=${(e) => {
        e.preventDefault();
        simulate();
      }}>
        <label>${t('prog.sim.from')} <input type="month" value=${from} onChange=${(e) => setFrom(e.currentTarget.value)} data-testid="sim-from" /></label>
        <label>${t('prog.sim.to')} <input type="month" value=${to} onChange=${(e) => setTo(e.currentTarget.value)} data-testid="sim-to" /></label>
        <button type="button" class="btn" onClick=${() => check().catch(setError)} data-testid="policy-check">${t('prog.editor.check')}</button>
        <button type="submit" class="btn btn-primary" disabled=${busy || !text} data-testid="simulate">${busy ? t('prog.sim.running') : t('prog.sim.run')}</button>
      </form>
      <label class="yaml-label" for="policy-yaml">${t('prog.editor.label')}</label>
      <textarea id="policy-yaml" class="yaml-editor" spellcheck="false" rows="18" value=${text} onInput=${(e) => {
        setText(e.currentTarget.value);
        setProblems(null);
      }} data-testid="policy-yaml"></textarea>
      ${problems && !problems.length ? html`<${Notice} kind="ok" testid="policy-ok">${t('prog.editor.ok')}<//>` : null}
      <${YamlProblems} text=${text} problems=${problems} />
      <p class="muted small">${t('prog.sim.note')}</p>
    </div>
    <${ErrorBox} error=${error} />
    ${busy ? html`<${Loading} what=${t('prog.sim.running')} />` : null}
    ${result ? html`<${Comparison} cur=${result.cur} cand=${result.cand} />` : null}
    <${Operations} month=${to} />
  </section>`;
}

function Operations({ month }) {
  const [msg, setMsg] = useState(null);
  const [error, setError] = useState(null);
  const year = month.slice(0, 4);
  const lang = getLang();
  const upload = async (file) => {
    setMsg(null);
    setError(null);
    const xlsx = /\.xlsx$/i.test(file.name);
    const r = await fetch('/api/v1/fees', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${session.token()}`,
        'content-type': xlsx ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv',
      },
      body: file,
    });
    const j = await r.json();
    if (!r.ok) setError(Object.assign(new Error(j.message), { status: r.status, code: j.code, message: j.message }));
    else setMsg(t('prog.fees.ok', { rows: j.rows, id: j.import_id }));
  };
  const payout = async (format) => {
    setMsg(null);
    setError(null);
    try {
      await download(`/statements/${month}/payout?format=${format}`, `payout-${month}.${format}`);
      setMsg(t('prog.payout.done'));
    } catch (e) {
      setError(e);
    }
  };
  return html`<div class="card prog-card" data-testid="programme-ops">
    <h2 class="section-title">${t('prog.ops.title')}</h2>
    ${
      canWrite()
        ? html`<div class="toolbar">
      <label>${t('prog.fees.upload')} <input type="file" accept=".csv,.xlsx" data-testid="fees-file" onChange=${(e) => e.currentTarget.files[0] && upload(e.currentTarget.files[0])} /></label>
      <button type="button" class="btn" onClick=${() => payout('csv')}>${t('prog.payout.csv', { month })}</button>
      <button type="button" class="btn" onClick=${() => payout('xlsx')}>${t('prog.payout.xlsx', { month })}</button>
    </div>
    <p class="muted small">${t('prog.fees.format')}</p>`
        : null
    }
    <div class="toolbar">
      <${DownloadButton} path=${`/reports/programme/${year}?format=pdf&lang=${lang === 'en' ? 'en' : 'zh'}`} name=${`programme-${year}.pdf`} label=${t('prog.report.pdf', { year })} onError=${setError} />
      <${DownloadButton} path=${`/reports/programme/${year}?format=xlsx`} name=${`programme-${year}.xlsx`} label=${t('prog.report.xlsx', { year })} onError=${setError} />
    </div>
    ${msg ? html`<${Notice} kind="ok">${msg}<//>` : null}
    <${ErrorBox} error=${error} />
  </div>`;
}
