/**
 * One delivery to one channel. IM robots answer HTTP 200 with an error code in the body for refused
 * messages (bad signature, rate limit): those are failures too, retried by BullMQ with backoff.
 * - DingTalk custom robot: POST url&timestamp=<ms>&sign=<urlencode(base64(HMAC-SHA256(secret, "<ms>\n<secret>")))>,
 *   body {msgtype: markdown, markdown: {title, text}}; answers {errcode: 0}.
 * - WeCom group robot: POST url (…/cgi-bin/webhook/send?key=…), body {msgtype: markdown, markdown: {content}}; {errcode: 0}.
 * - Feishu custom bot: body {timestamp: "<s>", sign: base64(HMAC-SHA256(key "<s>\n<secret>", "")), msg_type: interactive, card};
 *   answers {code: 0} (older bots: {StatusCode: 0}).
 * - email: nodemailer over IXMETER_SMTP_URL.
 */
import { createHmac } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import { postSigned } from '../alerts/webhooks.js';
import type { Channel } from '../config/channels.js';
import type { Message } from './messages.js';

export function dingtalkSign(secret: string, timestampMs: string): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

export function feishuSign(secret: string, timestampS: string): string {
  return createHmac('sha256', `${timestampS}\n${secret}`).update('').digest('base64');
}

export function dingtalkUrl(url: string, secret: string, nowMs: number): string {
  const ts = String(nowMs);
  return `${url}${url.includes('?') ? '&' : '?'}timestamp=${ts}&sign=${encodeURIComponent(dingtalkSign(secret, ts))}`;
}

async function postJson(
  url: string,
  body: unknown,
  what: string,
  ok: (j: Record<string, unknown>) => boolean,
): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'ixmeter-notify/1' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${what} answered HTTP ${res.status}: ${text.slice(0, 200)}`);
  let j: Record<string, unknown> = {};
  try {
    j = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`${what} answered a body that is not JSON: ${text.slice(0, 200)}`);
  }
  if (!ok(j)) throw new Error(`${what} refused the message: ${text.slice(0, 200)}`);
  return res.status;
}

const transports = new Map<string, Transporter>();
function transport(smtpUrl: string): Transporter {
  let t = transports.get(smtpUrl);
  if (!t) transports.set(smtpUrl, (t = nodemailer.createTransport(smtpUrl)));
  return t;
}

export interface SendContext {
  smtpUrl?: string;
  smtpFrom: string;
  nowMs?: number;
}

/** Send; `payload` is the signed JSON of webhook channels, `to` the recipient of an email. Resolves with a short status. */
export async function sendToChannel(
  c: Channel,
  m: Message,
  payload: { event: string; body: Record<string, unknown> },
  to: string | undefined,
  ctx: SendContext,
): Promise<string> {
  const now = ctx.nowMs ?? Date.now();
  switch (c.kind) {
    case 'webhook':
      return String(await postSigned(c, payload.event, payload.body, now));
    case 'dingtalk':
      return String(
        await postJson(
          dingtalkUrl(c.url, c.secret, now),
          { msgtype: 'markdown', markdown: { title: m.title, text: m.markdown } },
          'DingTalk robot',
          (j) => j.errcode === 0,
        ),
      );
    case 'wecom':
      return String(
        await postJson(
          c.url,
          { msgtype: 'markdown', markdown: { content: `**${m.title}**\n${m.markdown}` } },
          'WeCom robot',
          (j) => j.errcode === 0,
        ),
      );
    case 'feishu': {
      const ts = String(Math.floor(now / 1000));
      const card = {
        header: { title: { tag: 'plain_text', content: m.title }, template: 'red' },
        elements: [{ tag: 'div', text: { tag: 'lark_md', content: m.markdown } }],
      };
      return String(
        await postJson(
          c.url,
          { timestamp: ts, sign: feishuSign(c.secret, ts), msg_type: 'interactive', card },
          'Feishu bot',
          (j) => j.code === 0 || j.StatusCode === 0,
        ),
      );
    }
    case 'email': {
      if (!ctx.smtpUrl) throw new Error('email channel without IXMETER_SMTP_URL');
      if (!to) throw new Error('email delivery without a recipient');
      const info = await transport(ctx.smtpUrl).sendMail({ from: ctx.smtpFrom, to, subject: m.title, text: m.text });
      return String(info.response ?? 'sent').slice(0, 200);
    }
    default: {
      const never: never = c;
      throw new Error(`unknown channel kind ${JSON.stringify(never)}`);
    }
  }
}

export async function closeTransports(): Promise<void> {
  for (const t of transports.values()) t.close();
  transports.clear();
}
