// Member portal parts (issue 17): port utilisation gauge, this month against last month, the IPv4/IPv6 split,
// peers by name (IX-F name, zh/en) with traffic in and out, and the series of the top peers; every series has
// a CSV download. Series end at "now": later points are absent (drawn as nothing), never 0.
import { useMemo } from 'preact/hooks';
import { html, api, fmtBps, fmtBytes, fmtInt, fmtTime } from '../lib.js';
import { t, getLang } from '../i18n.js';
import { useAsync, ErrorBox, Loading, LineChart, Facts } from '../components.js';
import { CsvButton } from '../csv.js';

const COLORS = ['#0b5cad', '#1e8a44', '#c0392b', '#8e44ad', '#b9770e', '#17a2b8'];
export const pctText = (x) => (x === null || x === undefined ? '—' : `${Number(x).toFixed(1)} %`);
export const nameOf = (p) => (getLang() === 'en' ? p.name : p.name_zh || p.name);
const share = (part, whole) => (BigInt(whole) > 0n ? (Number(part) / Number(whole)) * 100 : null);

/**
 * xs (epoch s) of a series padded to the end of the range with nulls, so the axis covers the whole period and
 * the future stays empty. values: arrays aligned with the given points.
 */
export function padToRange(points, toIso, step, arrays) {
  const xs = points.map((p) => Date.parse(p.ts) / 1000);
  const out = arrays.map((a) => [...a]);
  const end = Date.parse(toIso) / 1000;
  for (let x = (xs.length ? xs[xs.length - 1] : Date.parse(toIso) / 1000 - step) + step; x < end; x += step) {
    xs.push(x);
    for (const a of out) a.push(null);
  }
  return { xs, values: out };
}

/** A horizontal gauge: the P95 bar, the peak mark, the threshold line. */
export function UtilGauge({ u, large = false }) {
  if (!u || !u.capacity_bps) return html`<p class="muted" data-testid="util-unknown">${t('util.unknown')}</p>`;
  const w = (x) => `${Math.min(100, Math.max(0, x ?? 0))}%`;
  const level =
    (u.peak_pct ?? 0) >= u.threshold_pct ? 'bad' : (u.peak_pct ?? 0) >= u.threshold_pct * 0.8 ? 'warn' : 'ok';
  return html`<div class=${`gauge gauge-${level}${large ? ' gauge-large' : ''}`} role="meter" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${u.peak_pct ?? 0}
      aria-label=${t('util.gauge_aria', { pct: pctText(u.peak_pct), threshold: u.threshold_pct })} data-testid="util-gauge" data-peak=${u.peak_pct ?? ''}>
    <div class="gauge-track">
      <div class="gauge-p95" style=${{ width: w(u.p95_pct) }}></div>
      <div class="gauge-peak" style=${{ left: w(u.peak_pct) }} title=${t('util.peak')}></div>
      <div class="gauge-threshold" style=${{ left: w(u.threshold_pct) }} title=${t('util.threshold', { pct: u.threshold_pct })}></div>
    </div>
    <div class="gauge-legend">
      <span>${t('util.peak')} <strong>${pctText(u.peak_pct)}</strong> (${fmtBps(u.peak_bps)})</span>
      <span>${t('util.p95')} <strong>${pctText(u.p95_pct)}</strong></span>
      <span class="muted">${t('util.capacity')} ${fmtBps(u.capacity_bps)} · ${t('util.threshold', { pct: u.threshold_pct })}</span>
    </div>
  </div>`;
}

function UtilizationCard({ asn, range }) {
  const res = useAsync(
    () => api(`/members/${asn}/utilization?from=${encodeURIComponent(range.from)}&to=${encodeURIComponent(range.to)}`),
    [asn, range.from, range.to],
  );
  const u = res.data?.members?.[0];
  return html`<div class="card" data-testid="util-card">
    <h3>${t('util.title')}</h3>
    ${
      res.error
        ? html`<${ErrorBox} error=${res.error} />`
        : !res.data
          ? html`<${Loading} />`
          : html`
      <${UtilGauge} u=${u} />
      ${
        u?.ports?.length
          ? html`<table class="table small"><thead><tr><th scope="col">${t('util.port')}</th><th scope="col" class="num">${t('util.peak')}</th><th scope="col" class="num">${t('util.p95')}</th></tr></thead>
        <tbody>${u.ports.map((p) => html`<tr><th scope="row">${p.exporter} · ifIndex ${p.if_index}</th><td class="num">${pctText(p.peak_pct)}</td><td class="num">${pctText(p.p95_pct)}</td></tr>`)}</tbody></table>`
          : null
      }`
    }
  </div>`;
}

function GrowthCard({ asn }) {
  const res = useAsync(() => api(`/members/${asn}/growth`), [asn]);
  const g = res.data;
  const sum = (x) => (BigInt(x.in_bytes) + BigInt(x.out_bytes)).toString();
  const sign = (x) => (x === null ? '—' : `${x > 0 ? '+' : ''}${x.toFixed(1)} %`);
  return html`<div class="card" data-testid="growth-card">
    <h3>${t('portal.growth')}</h3>
    ${
      res.error
        ? html`<${ErrorBox} error=${res.error} />`
        : !g
          ? html`<${Loading} />`
          : html`
      <p class="growth-figure" data-testid="growth-pct" data-value=${g.growth_pct ?? ''}>
        ${g.growth_pct === null ? html`<span class="muted small">${t('portal.growth_none')}</span>` : html`<span class=${g.growth_pct >= 0 ? 'up' : 'down'}>${sign(g.growth_pct)}</span>`}
      </p>
      <${Facts} items=${[
        [
          t('portal.this_month', { month: g.month }),
          html`<span title=${fmtInt(sum(g.this_month))}>${fmtBytes(sum(g.this_month))}</span>`,
        ],
        [
          t('portal.prev_same', { month: g.previous_month }),
          html`<span title=${fmtInt(sum(g.previous_same_period))}>${fmtBytes(sum(g.previous_same_period))}</span>`,
        ],
        [t('portal.prev_total'), fmtBytes(sum(g.previous_month_total))],
        [`${t('traffic.in')} / ${t('traffic.out')}`, `${sign(g.in_growth_pct)} / ${sign(g.out_growth_pct)}`],
      ]} />`
    }
  </div>`;
}

function VersionsCard({ d }) {
  const lang = getLang();
  const chart = useMemo(() => {
    const cols = ['ipv4_in_bps', 'ipv4_out_bps', 'ipv6_in_bps', 'ipv6_out_bps'];
    const { xs, values } = padToRange(
      d.version_series,
      d.to,
      d.step,
      cols.map((c) => d.version_series.map((p) => p[c])),
    );
    const labels = [t('portal.v4_in'), t('portal.v4_out'), t('portal.v6_in'), t('portal.v6_out')];
    return {
      xs,
      lines: values.map((v, i) => ({
        label: labels[i],
        values: v,
        color: COLORS[i],
        dash: i % 2 ? [6, 4] : undefined,
      })),
    };
  }, [d, lang]);
  const ip = BigInt(d.ipv4_bytes) + BigInt(d.ipv6_bytes);
  // Traffic of the member with no IP version (non-IP frames, or exporters that do not say): shown apart.
  const other = d.peers.reduce((a, p) => a + BigInt(p.in_bytes) + BigInt(p.out_bytes), 0n) - ip;
  const all = (ip + (other > 0n ? other : 0n)).toString();
  const title = t('portal.versions');
  return html`<div class="card" data-testid="versions-card">
    <div class="card-head"><h3>${title}</h3>
      <${CsvButton} what=${title} name=${`ixmeter-AS${d.asn}-ipv4-ipv6.csv`} rows=${d.version_series} testid="csv-versions"
        columns=${[
          [t('csv.time'), (p) => p.ts],
          ['ipv4_in_bps', (p) => p.ipv4_in_bps],
          ['ipv4_out_bps', (p) => p.ipv4_out_bps],
          ['ipv6_in_bps', (p) => p.ipv6_in_bps],
          ['ipv6_out_bps', (p) => p.ipv6_out_bps],
        ]} /></div>
    <p class="split" data-testid="version-split">
      <span class="v4">${t('portal.v4_share', { pct: pctText(share(d.ipv4_bytes, all)) })} · ${fmtBytes(d.ipv4_bytes)}</span>
      <span class="v6">${t('portal.v6_share', { pct: pctText(share(d.ipv6_bytes, all)) })} · ${fmtBytes(d.ipv6_bytes)}</span>
      ${other > 0n ? html`<span class="muted">${t('portal.v_other', { pct: pctText(share(other, all)) })} · ${fmtBytes(other.toString())}</span>` : null}
    </p>
    ${ip > 0n ? html`<${LineChart} xs=${chart.xs} lines=${chart.lines} height=${220} ariaLabel=${title} testid="versions-chart" />` : html`<p class="muted">${t('portal.versions_none')}</p>`}
  </div>`;
}

function PeersTable({ d }) {
  if (!d.peers.length) return html`<p class="muted">${t('portal.peers_none')}</p>`;
  return html`<table class="table" aria-labelledby="peers-title" data-testid="peers-table">
    <thead><tr><th scope="col">${t('portal.peer')}</th><th scope="col" class="num">${t('portal.sent')}</th><th scope="col" class="num">${t('portal.received')}</th><th scope="col" class="num">IPv4</th><th scope="col" class="num">IPv6</th><th scope="col" class="num">${t('portal.total')}</th></tr></thead>
    <tbody>${d.peers.map(
      (p) => html`<tr data-peer=${p.asn ?? 'none'}>
      <th scope="row">${p.asn === null ? html`<span class="muted">${t('portal.unattributed')}</span>` : html`<span class="peer-name">${nameOf(p)}</span> <span class="muted">AS${p.asn}</span>`}</th>
      <td class="num" title=${fmtInt(p.in_bytes)}>${fmtBytes(p.in_bytes)}</td>
      <td class="num" title=${fmtInt(p.out_bytes)}>${fmtBytes(p.out_bytes)}</td>
      <td class="num">${fmtBytes(p.ipv4_bytes)}</td>
      <td class="num">${fmtBytes(p.ipv6_bytes)}</td>
      <td class="num">${fmtBytes((BigInt(p.in_bytes) + BigInt(p.out_bytes)).toString())}</td>
    </tr>`,
    )}</tbody>
  </table>`;
}

function PeerChart({ d, s, peer }) {
  const lang = getLang();
  const chart = useMemo(() => {
    const { xs, values } = padToRange(s.series, d.to, d.step, [
      s.series.map((p) => p.in_bps),
      s.series.map((p) => p.out_bps),
    ]);
    return {
      xs,
      lines: [
        { label: t('portal.sent'), values: values[0], color: '#0b5cad', fill: 'rgba(11,92,173,0.10)' },
        { label: t('portal.received'), values: values[1], color: '#1e8a44' },
      ],
    };
  }, [d, s, lang]);
  const title = peer ? `${nameOf(peer)} (AS${s.asn})` : `AS${s.asn}`;
  return html`<div class="peer-chart" data-testid="peer-chart" data-peer=${s.asn}>
    <div class="card-head"><h4>${title}</h4>
      <${CsvButton} what=${title} name=${`ixmeter-AS${d.asn}-peer-AS${s.asn}.csv`} rows=${s.series} testid=${`csv-peer-${s.asn}`}
        columns=${[
          [t('csv.time'), (p) => p.ts],
          ['sent_bps', (p) => p.in_bps],
          ['received_bps', (p) => p.out_bps],
        ]} /></div>
    <${LineChart} xs=${chart.xs} lines=${chart.lines} height=${180} ariaLabel=${title} />
  </div>`;
}

/** Everything below the member's main traffic graph. range: {from, to}; step: seconds of the main graph. */
export function MemberPortalParts({ asn, range, step }) {
  const res = useAsync(
    () =>
      api(
        `/members/${asn}/peers?from=${encodeURIComponent(range.from)}&to=${encodeURIComponent(range.to)}&step=${step}&top=4`,
      ),
    [asn, range.from, range.to, step],
  );
  const d = res.data;
  const byAsn = new Map((d?.peers ?? []).map((p) => [p.asn, p]));
  return html`
    <div class="grid-2">
      <${UtilizationCard} asn=${asn} range=${range} />
      <${GrowthCard} asn=${asn} />
    </div>
    ${
      res.error
        ? html`<${ErrorBox} error=${res.error} />`
        : !d
          ? html`<${Loading} />`
          : html`
      <${VersionsCard} d=${d} />
      <div class="card">
        <h3 id="peers-title">${t('portal.peers_title')} <span class="muted small">${fmtTime(d.from)} – ${fmtTime(d.to)}</span></h3>
        <${PeersTable} d=${d} />
      </div>
      ${
        d.top_series.length
          ? html`<div class="card">
        <h3>${t('portal.top_peers')}</h3>
        <div class="grid-2">${d.top_series.map((s) => html`<${PeerChart} d=${d} s=${s} peer=${byAsn.get(s.asn)} />`)}</div>
      </div>`
          : null
      }`
    }`;
}
