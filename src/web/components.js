// Shared UI pieces: async data, error display, status badges, download buttons and uPlot charts.
import { useEffect, useRef, useState, useCallback } from 'preact/hooks';
import uPlot from 'uplot';
import { html, download, fmtBps, TZ } from './lib.js';
import { timeAxis } from './time-axis.js';
import { t, getLang } from './i18n.js';

/** Runs an async loader when deps change; {data, error, loading, reload}. */
export function useAsync(fn, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const seq = useRef(0);
  const run = useCallback(() => {
    const mine = ++seq.current;
    setState((s) => ({ data: s.data, error: null, loading: true }));
    Promise.resolve()
      .then(fn)
      .then((data) => {
        if (mine === seq.current) setState({ data, error: null, loading: false });
      })
      .catch((error) => {
        if (mine === seq.current) setState({ data: null, error, loading: false });
      });
  }, deps);
  useEffect(() => {
    run();
  }, [run]);
  return { ...state, reload: run };
}

/** An API (or other) error as a clear message: what happened, why, the server's words. */
export function ErrorBox({ error, title }) {
  if (!error) return null;
  const status = error.status;
  const kind =
    status === 403
      ? 'forbidden'
      : status === 404
        ? 'notfound'
        : status === 401
          ? 'unauthorized'
          : status === 409
            ? 'conflict'
            : status === 400
              ? 'invalid'
              : status === 429
                ? 'ratelimited'
                : status === 0
                  ? 'network'
                  : 'generic';
  return html`<div class="error-box" role="alert" data-testid="error" data-status=${status ?? ''}>
    <strong class="error-title">${title ?? t(`err.${kind}.title`)}</strong>
    <p>${t(`err.${kind}.text`)}</p>
    ${error.message ? html`<p class="error-detail"><span class="muted">${t('err.server_said')}</span> <code>${error.code ? `${error.code}: ` : ''}${error.message}</code></p>` : null}
  </div>`;
}

export function Loading({ what }) {
  return html`<p class="loading" role="status" aria-live="polite">${t('loading')}${what ? ` ${what}` : ''}…</p>`;
}

export function Notice({ kind = 'info', children, testid }) {
  return html`<div class=${`notice notice-${kind}`} role=${kind === 'error' ? 'alert' : 'status'} data-testid=${testid}>${children}</div>`;
}

export function Badge({ value, group }) {
  if (value === null || value === undefined) return html`<span class="muted">—</span>`;
  const text = t(`${group}.${value}`);
  return html`<span class=${`badge badge-${group}-${value}`} data-value=${value}>${text}</span>`;
}

export function ExampleBanner({ policy }) {
  if (!policy || policy.official) return null;
  const notice = getLang() === 'en' ? policy.notice_en : policy.notice_zh;
  return html`<div class="banner-example" role="note" data-testid="example-banner">
    <strong>${t('policy.example_banner')}</strong>
    <span>${notice || t('policy.example_text')}</span>
  </div>`;
}

export function DownloadButton({ path, name, label, aria, onError }) {
  const [busy, setBusy] = useState(false);
  const click = async () => {
    setBusy(true);
    try {
      await download(path, name);
      onError?.(null);
    } catch (e) {
      onError?.(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<button type="button" class="btn btn-small" onClick=${click} disabled=${busy} aria-label=${aria ?? label}>${label}</button>`;
}

/** Key/value list. */
export function Facts({ items, testid }) {
  return html`<dl class="facts" data-testid=${testid}>${items.filter(Boolean).map(([k, v, id]) => html`<div class="fact"><dt>${k}</dt><dd data-testid=${id}>${v}</dd></div>`)}</dl>`;
}

/** Times and 24-hour x-axis labels in the billing time zone (time-axis.js, shared with the public /stats page). */
const { parts, ticks: timeTicks } = timeAxis(TZ);

/**
 * A time-series line chart (uPlot). xs: epoch seconds; lines: [{label, values, color, dash, fill}].
 * Times are shown in the billing time zone; y values through `format` (default bit rates).
 */
export function LineChart({
  xs,
  lines,
  format = fmtBps,
  height = 320,
  ariaLabel,
  testid,
  axisColor = '#444',
  gridColor = '#e6e9ee',
  axisFont,
}) {
  const ref = useRef(null);
  const lang = getLang();
  useEffect(() => {
    const el = ref.current;
    if (!el || !xs?.length) return undefined;
    const opts = {
      width: Math.max(320, el.clientWidth || 800),
      height,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), TZ),
      scales: { x: { time: true }, y: { range: (_u, min, max) => [0, max > 0 ? max * 1.08 : 1] } },
      series: [
        {
          label: t('chart.time'),
          value: (_u, ts) => (ts === null || ts === undefined ? '--' : `${parts(ts).date} ${parts(ts).time}`),
        },
        ...lines.map((l) => ({
          label: l.label,
          stroke: l.color,
          width: l.dash ? 1.25 : 1.5,
          dash: l.dash,
          fill: l.fill,
          points: { show: false },
          value: (_u, v) => (v === null || v === undefined ? '—' : format(v)),
        })),
      ],
      axes: [
        {
          stroke: axisColor,
          grid: { stroke: gridColor },
          size: axisFont ? 64 : 48,
          values: timeTicks,
          ...(axisFont ? { font: axisFont } : {}),
        },
        {
          stroke: axisColor,
          size: axisFont ? 130 : 90,
          grid: { stroke: gridColor },
          values: (_u, vals) => vals.map((v) => format(v)),
          ...(axisFont ? { font: axisFont } : {}),
        },
      ],
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
    };
    const u = new uPlot(opts, [xs, ...lines.map((l) => l.values)], el);
    const ro = new ResizeObserver(() => {
      if (el.clientWidth) u.setSize({ width: Math.max(320, el.clientWidth), height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
    };
  }, [xs, lines, lang, height, axisColor, gridColor, axisFont]);
  return html`<figure class="chart-figure">
    <div ref=${ref} class="chart" role="img" aria-label=${ariaLabel} data-testid=${testid}></div>
  </figure>`;
}
