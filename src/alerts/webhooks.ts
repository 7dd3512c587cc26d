/**
 * Alert notifications by webhook: JSON bodies signed with HMAC-SHA256 over "<timestamp>.<body>"
 * (header `x-ixmeter-signature: sha256=<hex>`, `x-ixmeter-timestamp`), delivered by BullMQ with
 * exponential backoff, so a receiver that is down gets the alert later, not never.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Webhook, WebhookChannel } from '../config/schema.js';
import type { AlertView } from './alerts.service.js';
import { SEVERITIES } from './alerts.service.js';

export function sign(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** For receivers: constant-time check of a delivery, refusing timestamps older than `toleranceS`. */
export function verifySignature(
  secret: string,
  timestamp: string,
  body: string,
  signature: string,
  nowMs = Date.now(),
  toleranceS = 300,
): boolean {
  if (!/^\d+$/.test(timestamp) || Math.abs(nowMs / 1000 - Number(timestamp)) > toleranceS) return false;
  const want = Buffer.from(sign(secret, timestamp, body));
  const got = Buffer.from(signature);
  return want.length === got.length && timingSafeEqual(want, got);
}

export function hookMatches(
  h: Pick<Webhook, 'min_severity' | 'types'>,
  a: { type: string; severity: string },
): boolean {
  if (SEVERITIES.indexOf(a.severity as never) < SEVERITIES.indexOf(h.min_severity)) return false;
  return (
    h.types.length === 0 || h.types.some((t) => (t.endsWith('*') ? a.type.startsWith(t.slice(0, -1)) : a.type === t))
  );
}

export interface Delivery {
  hook: number;
  event: string;
  alert: AlertView;
}

export async function deliver(hooks: readonly Webhook[], d: Delivery, nowMs = Date.now()): Promise<number> {
  const h = hooks[d.hook];
  if (!h || h.kind !== 'webhook') return 0; // configuration changed since enqueue: nothing to deliver to
  return postSigned(h, d.event, { event: d.event, alert: d.alert, sent_at: new Date(nowMs).toISOString() }, nowMs);
}

/** POST a JSON body signed for a webhook channel (alerts: {event, alert}; notices: {event, notice}). */
export async function postSigned(
  h: WebhookChannel,
  event: string,
  payload: Record<string, unknown>,
  nowMs = Date.now(),
): Promise<number> {
  const body = JSON.stringify(payload);
  const ts = String(Math.floor(nowMs / 1000));
  const res = await fetch(h.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-ixmeter-event': event,
      'x-ixmeter-timestamp': ts,
      'x-ixmeter-signature': sign(h.secret, ts, body),
      'user-agent': 'ixmeter-webhook/1',
    },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`webhook ${h.url} answered ${res.status}`);
  return res.status;
}
