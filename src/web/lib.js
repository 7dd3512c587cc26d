// Shared front-end helpers: preact + htm binding, the API client, formatting and the router.
import { h, render } from 'preact';
import htm from 'htm';
import { t, getLang } from './i18n.js';

export const html = htm.bind(h);
export { render };

// ---------- API ----------
const TOKEN_KEY = 'ixmeter.token';
const ME_KEY = 'ixmeter.me';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  me: () => {
    try {
      return JSON.parse(sessionStorage.getItem(ME_KEY) ?? 'null');
    } catch {
      return null;
    }
  },
  set(token, me) {
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(ME_KEY, JSON.stringify(me));
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(ME_KEY);
  },
};

let onUnauthorized = () => undefined;
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

async function errorOf(r) {
  let body = {};
  try {
    body = await r.json();
  } catch {
    /* not JSON */
  }
  return new ApiError(r.status, body.code ?? `HTTP_${r.status}`, body.message ?? r.statusText);
}

/** Calls /api/v1{path}; JSON in and out; throws ApiError with the service's {statusCode, code, message}. */
export async function api(path, { method = 'GET', body, token, raw = false } = {}) {
  const headers = { authorization: `Bearer ${token ?? session.token() ?? ''}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let r;
  try {
    r = await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'NETWORK', String(e?.message ?? e));
  }
  if (!r.ok) {
    const err = await errorOf(r);
    if (r.status === 401 && token === undefined) onUnauthorized(err);
    throw err;
  }
  return raw ? r : r.json();
}

/** Downloads an API file (with the bearer token) through a blob URL; resolves to the file name. */
export async function download(path, fallbackName) {
  const r = await api(path, { raw: true });
  const blob = await r.blob();
  const cd = r.headers.get('content-disposition') ?? '';
  const name = /filename="([^"]+)"/.exec(cd)?.[1] ?? fallbackName;
  saveBlob(blob, name);
  return name;
}

/** Hands a blob to the browser as a download named `name`. */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

// ---------- routing ----------
export function navigate(to, { replace = false } = {}) {
  if (to === location.pathname + location.search) return;
  history[replace ? 'replaceState' : 'pushState'](null, '', to);
  dispatchEvent(new Event('ixm:navigate'));
}

export function Link({ href, children, ...rest }) {
  const onClick = (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return html`<a href=${href} onClick=${onClick} ...${rest}>${children}</a>`;
}

export function queryParams() {
  return new URLSearchParams(location.search);
}

/** Replace some query parameters of the current URL without a navigation. */
export function setQuery(values) {
  const q = queryParams();
  for (const [k, v] of Object.entries(values)) {
    if (v === null || v === undefined || v === '') q.delete(k);
    else q.set(k, String(v));
  }
  const s = q.toString();
  history.replaceState(null, '', location.pathname + (s ? `?${s}` : ''));
}

// ---------- formatting ----------
export const TZ = 'Asia/Shanghai';
export const TZ_OFFSET = '+08:00';

const locale = () => (getLang() === 'en' ? 'en-GB' : 'zh-CN');

export function fmtBps(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  const units = ['bps', 'kbps', 'Mbps', 'Gbps', 'Tbps'];
  let x = Math.abs(v);
  let i = 0;
  while (x >= 1000 && i < units.length - 1) {
    x /= 1000;
    i++;
  }
  const digits = x >= 100 ? 0 : x >= 10 ? 1 : 2;
  return `${v < 0 ? '-' : ''}${x.toFixed(i === 0 ? 0 : digits)} ${units[i]}`;
}

export function fmtBytes(v) {
  if (v === null || v === undefined || v === '') return '—';
  let x = Number(v);
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let i = 0;
  while (x >= 1000 && i < units.length - 1) {
    x /= 1000;
    i++;
  }
  const digits = i === 0 ? 0 : x >= 100 ? 1 : 2;
  return `${x.toFixed(digits)} ${units[i]}`;
}

/** Exact integer (decimal string / bigint) with thousands separators. */
export function fmtInt(v) {
  if (v === null || v === undefined || v === '') return '—';
  return String(v).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function fmtNum(v, digits = 0) {
  if (v === null || v === undefined || Number.isNaN(Number(v))) return '—';
  return Number(v).toLocaleString(locale(), { maximumFractionDigits: digits });
}

/** CNY text "1234.56" → "¥1,234.56" (exact; never through a float). */
export function fmtCny(s) {
  if (s === null || s === undefined || s === '') return '—';
  const neg = String(s).startsWith('-');
  const [i, f = '00'] = String(s).replace('-', '').split('.');
  return `${neg ? '-' : ''}¥${fmtInt(i)}.${f.padEnd(2, '0')}`;
}

export function fmtPct(x, digits = 1) {
  if (x === null || x === undefined) return '—';
  return `${(Number(x) * 100).toFixed(digits)} %`;
}

export function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return new Intl.DateTimeFormat(locale(), {
    timeZone: TZ,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  }).format(d);
}

/** Sum of decimal-string counters, exact. */
export function sumBig(...vals) {
  return vals.reduce((a, v) => a + BigInt(v ?? 0), 0n).toString();
}

/** Sum of CNY texts "12.34", exact through fen. */
export function sumCny(vals) {
  let fen = 0n;
  for (const v of vals) {
    const neg = String(v).startsWith('-');
    const [i, f = '00'] = String(v).replace('-', '').split('.');
    const x = BigInt(i) * 100n + BigInt(f.padEnd(2, '0').slice(0, 2));
    fen += neg ? -x : x;
  }
  const neg = fen < 0n;
  if (neg) fen = -fen;
  return `${neg ? '-' : ''}${fen / 100n}.${String(fen % 100n).padStart(2, '0')}`;
}

// ---------- dates in the billing time zone ----------
const pad = (n) => String(n).padStart(2, '0');

/** Today's date (YYYY-MM-DD) in Asia/Shanghai. */
export function todayLocal(nowMs = Date.now()) {
  const d = new Date(nowMs + 8 * 3600_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

export function addDays(date, n) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export function addMonths(month, n) {
  const [y, m] = month.split('-').map(Number);
  const d = new Date(Date.UTC(y, m - 1 + n, 1));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`;
}

export function previousMonth() {
  return addMonths(todayLocal().slice(0, 7), -1);
}

/** Monday of the week containing date. */
export function weekStart(date) {
  const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
  return addDays(date, -((dow + 6) % 7));
}

export const startOf = (date) => `${date}T00:00:00${TZ_OFFSET}`;

// ---------- statistics ----------
/** The billing P95 rule: sort ascending, discard the top ⌊5 %⌋ of samples, take the next one. */
export function p95(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  return v[v.length - Math.floor(v.length * 0.05) - 1];
}

export const roleLabel = (role) => t(`role.${role}`);
