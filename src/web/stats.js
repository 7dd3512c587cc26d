// Public statistics (/stats, only with IXMETER_PUBLIC_STATS=true): the fabric total of the exchange from
// /api/v1/public/traffic; no sign-in, no member names or numbers. zh-CN by default, English on request.
import uPlot from '/vendor/uplot/uPlot.esm.js';
import { timeAxis } from '/time-axis.js';

const T = {
  zh: {
    title: '中卫新型互联网交换中心 · 流量统计',
    lang: 'English',
    time: '时间',
    now: '当前速率',
    peak: '峰值速率',
    p95: '95 百分位',
    total: '总流量',
    v4: 'IPv4',
    v6: 'IPv6',
    all: '总计',
    at: '峰值时间',
    r24h: '24 小时',
    r7d: '7 天',
    r30d: '30 天',
    r1y: '1 年',
    note: '交换中心全部成员之间的流量合计（每个字节只计一次），基于 5 分钟数据，北京时间。每分钟更新。',
    error: '暂时无法读取统计数据：',
  },
  en: {
    title: 'Zhongwei New-type Internet Exchange · Traffic statistics',
    lang: '中文',
    time: 'Time',
    now: 'Current rate',
    peak: 'Peak rate',
    p95: '95th percentile',
    total: 'Total traffic',
    v4: 'IPv4',
    v6: 'IPv6',
    all: 'Total',
    at: 'Peak at',
    r24h: '24 hours',
    r7d: '7 days',
    r30d: '30 days',
    r1y: '1 year',
    note: "Sum of all traffic between the exchange's members (each byte counted once), from 5-minute data, Beijing time. Updated every minute.",
    error: 'Statistics are not available right now: ',
  },
};
let lang = new URLSearchParams(location.search).get('lang') === 'en' ? 'en' : 'zh';
let range = '24h';
let plot = null;
const t = (k) => T[lang][k];

function bps(v) {
  if (v === null || v === undefined) return '—';
  const u = ['bps', 'kbps', 'Mbps', 'Gbps', 'Tbps'];
  let x = v;
  let i = 0;
  while (x >= 1000 && i < u.length - 1) {
    x /= 1000;
    i++;
  }
  return `${x.toFixed(x >= 100 || i === 0 ? 0 : 1)} ${u[i]}`;
}
function bytes(v) {
  const u = ['B', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let x = Number(v);
  let i = 0;
  while (x >= 1000 && i < u.length - 1) {
    x /= 1000;
    i++;
  }
  return `${x.toFixed(i === 0 ? 0 : 2)} ${u[i]}`;
}
/** Beijing time, 24-hour ticks; the date where it changes (days only for long ranges). */
const { parts, ticks } = timeAxis('Asia/Shanghai');
const when = (iso) => (iso ? `${parts(Date.parse(iso) / 1000).date} ${parts(Date.parse(iso) / 1000).time}` : '—');

function fig(k, v) {
  const d = document.createElement('div');
  d.className = 'fig';
  const a = document.createElement('div');
  a.className = 'k';
  a.textContent = k;
  const b = document.createElement('div');
  b.className = 'v';
  b.textContent = v;
  d.append(a, b);
  return d;
}

function chrome() {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  document.getElementById('title').textContent = t('title');
  document.getElementById('lang').textContent = t('lang');
  document.getElementById('note').textContent = t('note');
  const nav = document.getElementById('ranges');
  nav.replaceChildren(
    ...['24h', '7d', '30d', '1y'].map((r) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = t(`r${r}`);
      b.setAttribute('aria-pressed', String(r === range));
      b.onclick = () => {
        range = r;
        chrome();
        load();
      };
      return b;
    }),
  );
}

async function load() {
  const figures = document.getElementById('figures');
  try {
    const r = await fetch(`/api/v1/public/traffic?range=${range}`);
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    const d = await r.json();
    figures.replaceChildren(
      fig(t('now'), bps(d.current_bps)),
      fig(t('peak'), bps(d.peak_bps)),
      fig(t('at'), when(d.peak_at)),
      fig(t('p95'), bps(d.p95_bps)),
      fig(t('total'), bytes(d.total_bytes)),
    );
    const xs = d.series.map((p) => Date.parse(p.ts) / 1000);
    const el = document.getElementById('chart');
    plot?.destroy();
    plot = new uPlot(
      {
        width: Math.max(320, el.clientWidth),
        height: Math.max(300, Math.round(innerHeight * 0.5)),
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Asia/Shanghai'),
        scales: { y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] } },
        series: [
          {
            label: t('time'),
            value: (_u, ts) => (ts === null || ts === undefined ? '--' : `${parts(ts).date} ${parts(ts).time}`),
          },
          { label: t('v4'), stroke: '#0b5cad', fill: 'rgba(11,92,173,.25)', value: (_u, v) => bps(v) },
          { label: t('v6'), stroke: '#1e8a44', fill: 'rgba(30,138,68,.2)', value: (_u, v) => bps(v) },
          { label: t('all'), stroke: '#1d2330', width: 2, value: (_u, v) => bps(v) },
        ],
        axes: [
          { size: 48, values: ticks },
          { size: 90, values: (_u, vals) => vals.map(bps) },
        ],
      },
      [xs, d.series.map((p) => p.ipv4_bps), d.series.map((p) => p.ipv6_bps), d.series.map((p) => p.bps)],
      el,
    );
    el.dataset.range = d.range;
  } catch (e) {
    figures.replaceChildren(fig(t('error'), String(e.message ?? e)));
  }
}

document.getElementById('lang').onclick = () => {
  lang = lang === 'en' ? 'zh' : 'en';
  chrome();
  load();
};
chrome();
load();
setInterval(load, 60_000);
