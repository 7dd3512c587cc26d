/**
 * IXMETER_WEBHOOKS entries: one notification channel each, by `kind` (default webhook):
 * - webhook:  today's signed JSON (HMAC-SHA256, x-ixmeter-signature);
 * - dingtalk: a DingTalk custom robot (加签: URL timestamp + sign), markdown message;
 * - wecom:    a WeCom group robot (the key in its URL is the only credential: no secret), markdown;
 * - feishu:   a Feishu custom bot (签名校验: timestamp + sign in the body), card with lark_md;
 * - email:    SMTP through IXMETER_SMTP_URL, to fixed addresses and/or the member's own contacts.
 * Routing per entry: events (alert, notice, overdue), min_severity and types (alerts), members (ASNs).
 * A bad entry is a configuration error naming its index, name and kind.
 */
import { z } from 'zod';

export const CHANNEL_KINDS = ['webhook', 'dingtalk', 'wecom', 'feishu', 'email'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];
export const CHANNEL_EVENTS = ['alert', 'notice', 'overdue'] as const;
const SEVERITY = z.enum(['info', 'warning', 'major', 'critical']);

const common = {
  name: z.string().min(1).max(100).optional().describe('label shown in delivery status and /health'),
  min_severity: SEVERITY.default('warning'),
  types: z
    .array(z.string().regex(/^[A-Z0-9_]+\*?$/))
    .default([])
    .describe('alert types, a trailing * matches a prefix; empty = all'),
  members: z
    .array(z.number().int().min(1).max(4_294_967_295))
    .default([])
    .describe('ASNs (source, victim or notice addressee); empty = all'),
  events: z
    .array(z.enum(CHANNEL_EVENTS))
    .min(1)
    .default(['alert'])
    .describe('alert: alert events; notice: notice steps; overdue: notices past their deadline'),
  lang: z.enum(['zh', 'en']).default('zh').describe('message language (zh-CN default)'),
};
const url = z.url({ protocol: /^https?$/, error: 'url must be an http(s) URL' });
const secret = (kind: string, what: string) =>
  z
    .string({ error: `secret is required for kind ${kind} (${what})` })
    .min(1, `secret is required for kind ${kind} (${what})`);

const WebhookEntry = z
  .object({
    kind: z.literal('webhook'),
    url,
    secret: z
      .string({ error: 'secret is required for kind webhook (the HMAC-SHA256 key)' })
      .min(16, 'webhook secret must be at least 16 characters'),
    ...common,
  })
  .strict();
const DingtalkEntry = z
  .object({ kind: z.literal('dingtalk'), url, secret: secret('dingtalk', "the robot's 加签 secret, SEC…"), ...common })
  .strict();
const WecomEntry = z
  .object({
    kind: z.literal('wecom'),
    url,
    secret: z.never({ error: 'kind wecom takes no secret: the key in its URL is the only credential' }).optional(),
    ...common,
  })
  .strict();
const FeishuEntry = z
  .object({ kind: z.literal('feishu'), url, secret: secret('feishu', "the bot's 签名校验 secret"), ...common })
  .strict();
const EmailEntry = z
  .object({
    kind: z.literal('email'),
    to: z
      .array(z.email())
      .default([])
      .describe('addresses that receive the events of `events` (e.g. the security team)'),
    member_contacts: z
      .boolean()
      .default(true)
      .describe("notices also go to the member's own contacts (member file: extension.contacts with an email)"),
    ...common,
  })
  .strict();

const BY_KIND = {
  webhook: WebhookEntry,
  dingtalk: DingtalkEntry,
  wecom: WecomEntry,
  feishu: FeishuEntry,
  email: EmailEntry,
} as const;
export type WebhookChannel = z.infer<typeof WebhookEntry>;
export type Channel = z.infer<(typeof BY_KIND)[ChannelKind]>;

export function channelName(c: Channel, index: number): string {
  return c.name ?? `${c.kind}#${index}`;
}

/** Parse the JSON array; returns the channels or the problems, each naming its entry. */
export function parseChannels(doc: unknown): { ok: true; channels: Channel[] } | { ok: false; problems: string[] } {
  if (!Array.isArray(doc))
    return { ok: false, problems: ['must be a JSON array of channel entries ({kind?, url, secret, …})'] };
  const channels: Channel[] = [];
  const problems: string[] = [];
  doc.forEach((raw, i) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      problems.push(`[${i}] must be an object`);
      return;
    }
    const entry = raw as Record<string, unknown>;
    const kind = entry.kind ?? 'webhook';
    const label = `[${i}]${typeof entry.name === 'string' ? ` "${entry.name}"` : ''}`;
    if (typeof kind !== 'string' || !(CHANNEL_KINDS as readonly string[]).includes(kind)) {
      problems.push(`${label}: unknown kind ${JSON.stringify(kind)} (one of ${CHANNEL_KINDS.join(', ')})`);
      return;
    }
    const r = BY_KIND[kind as ChannelKind].safeParse({ ...entry, kind });
    if (r.success) channels.push(r.data);
    else
      problems.push(
        ...r.error.issues.map(
          (x) => `${label} (kind ${kind})${x.path.length ? ` ${x.path.join('.')}` : ''}: ${x.message}`,
        ),
      );
  });
  return problems.length ? { ok: false, problems } : { ok: true, channels };
}
