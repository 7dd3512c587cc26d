/**
 * Routing and delivery of notifications. An alert or notice event becomes one BullMQ job per matching
 * channel (and per email recipient), so a channel that fails is retried on its own with backoff and
 * never holds up the others. Every attempt is a delivery event (shown on the alert or notice; /health
 * reports a channel that keeps failing).
 */
import type { AlertView } from '../alerts/alerts.service.js';
import { hookMatches } from '../alerts/webhooks.js';
import type { MembersService } from '../members/members.service.js';
import type { NoticeView } from '../notices/notices.service.js';
import type { Logger } from '../shared/logger.js';
import { errorMessage } from '../shared/errors.js';
import { channelName, type Channel } from '../config/channels.js';
import type { DeliveriesRepository, DeliveryEventRow } from './deliveries.repository.js';
import { alertMessage, noticeMessage } from './messages.js';
import { sendToChannel } from './send.js';

/** The one queue dispatch needs (jobs/queues.ts QueueSet satisfies it; channels sit below jobs). */
export interface DeliveryQueues {
  get(name: 'webhooks'): { add(name: 'deliver', job: DeliveryJob): Promise<unknown> };
}

export interface DeliveryJob {
  hook: number;
  event: string;
  alert?: Record<string, unknown>;
  notice?: Record<string, unknown>;
  to?: string;
}

/** A channel that keeps failing: this many failed attempts in a row (last day) are reported in /health. */
export const FAILING_AFTER = 3;

const membersMatch = (c: Channel, asns: Array<number | null>) =>
  c.members.length === 0 || asns.some((a) => a !== null && c.members.includes(a));
const typesMatch = (c: Channel, type: string | null) =>
  c.types.length === 0 ||
  (type !== null && hookMatches({ min_severity: 'info', types: c.types }, { type, severity: 'critical' }));
/** Notice steps that go to the member's own contacts (email). */
const TO_CONTACTS = new Set(['issued', 'reopened', 'rectified', 'overdue']);

export function createChannels(deps: {
  channels: readonly Channel[];
  queues: DeliveryQueues | null;
  deliveries: DeliveriesRepository;
  members: Pick<MembersService, 'get'>;
  log: Logger;
  timeZone: string;
  smtpUrl?: string;
  smtpFrom: string;
}) {
  const { channels } = deps;
  const row = (j: DeliveryJob, status: DeliveryEventRow['status'], attempt: number, error = ''): DeliveryEventRow => {
    const c = channels[j.hook]!;
    const subject = j.alert ? 'alert' : 'notice';
    return {
      subject_kind: subject,
      subject_id: String((j.alert ?? j.notice)?.id ?? ''),
      event: j.event,
      channel: j.hook,
      channel_name: channelName(c, j.hook),
      kind: c.kind,
      recipient: j.to ?? '',
      at: Date.now(),
      status,
      attempt,
      error: error.slice(0, 500),
    };
  };

  async function enqueue(jobs: DeliveryJob[]): Promise<void> {
    if (!deps.queues || !jobs.length) return;
    const q = deps.queues.get('webhooks');
    const queued = jobs.map((j) => row(j, 'queued', 0)); // stamped before a worker can report an attempt
    for (const j of jobs) await q.add('deliver', j);
    // the status row is informative: the job is queued whether or not it could be written
    await deps.deliveries
      .append(queued)
      .catch((err: unknown) => deps.log.warn({ err: errorMessage(err) }, 'delivery status (queued) not written'));
  }

  async function contactsOf(asn: number): Promise<string[]> {
    try {
      const m = await deps.members.get(asn);
      const list = m.extension?.contacts ?? [];
      return [
        ...new Set(
          list
            .filter((x) => x.email && (!x.roles || x.roles.includes('security') || x.roles.includes('noc')))
            .map((x) => x.email!),
        ),
      ];
    } catch (e) {
      deps.log.warn({ asn, err: errorMessage(e) }, 'notice contacts not found');
      return [];
    }
  }

  /** Jobs for an alert event: channels with `alert` in events, matching severity, type and member. */
  function planAlert(alert: AlertView, event: string): DeliveryJob[] {
    const jobs: DeliveryJob[] = [];
    channels.forEach((c, i) => {
      if (
        !c.events.includes('alert') ||
        !hookMatches(c, alert) ||
        !membersMatch(c, [alert.source_asn, alert.victim_asn])
      )
        return;
      const a = alert as unknown as Record<string, unknown>;
      if (c.kind === 'email') for (const to of c.to) jobs.push({ hook: i, event, alert: a, to });
      else jobs.push({ hook: i, event, alert: a });
    });
    return jobs;
  }

  /** Jobs for a notice step: channels with `notice` (or `overdue`) in events; email also to the member's contacts. */
  async function planNotice(notice: NoticeView, event: string): Promise<DeliveryJob[]> {
    const jobs: DeliveryJob[] = [];
    const category = event === 'overdue' ? 'overdue' : 'notice';
    const n = notice as unknown as Record<string, unknown>;
    let contacts: string[] | null = null;
    for (let i = 0; i < channels.length; i++) {
      const c = channels[i]!;
      const routed = c.events.includes(category) && membersMatch(c, [notice.asn]) && typesMatch(c, notice.alert_type);
      if (c.kind !== 'email') {
        if (routed) jobs.push({ hook: i, event, notice: n });
        continue;
      }
      const to = new Set(routed ? c.to : []);
      if (c.member_contacts && TO_CONTACTS.has(event) && membersMatch(c, [notice.asn]))
        for (const x of (contacts ??= await contactsOf(notice.asn))) to.add(x);
      for (const x of to) jobs.push({ hook: i, event, notice: n, to: x });
    }
    return jobs;
  }

  return {
    planAlert,
    planNotice,
    async alert(alert: AlertView, event: string): Promise<void> {
      await enqueue(planAlert(alert, event));
    },
    async notice(notice: NoticeView, event: string): Promise<void> {
      await enqueue(await planNotice(notice, event));
    },

    /** The worker's processor: one attempt; a failure is recorded and thrown (BullMQ retries with backoff). */
    async process(j: DeliveryJob, attempt: number, maxAttempts: number): Promise<{ status: string }> {
      const c = channels[j.hook];
      if (!c) return { status: 'skipped: channel no longer configured' };
      const lang = c.lang;
      const msg = j.alert
        ? alertMessage(j.alert as unknown as AlertView, j.event, lang, deps.timeZone)
        : noticeMessage(j.notice as unknown as NoticeView, j.event, lang, deps.timeZone);
      const body = {
        event: j.alert ? j.event : `notice.${j.event}`,
        ...(j.alert ? { alert: j.alert } : { notice: j.notice }),
        sent_at: new Date().toISOString(),
      };
      try {
        const status = await sendToChannel(c, msg, { event: body.event, body }, j.to, {
          smtpUrl: deps.smtpUrl,
          smtpFrom: deps.smtpFrom,
        });
        await deps.deliveries.append([row(j, 'sent', attempt)]);
        return { status };
      } catch (e) {
        await deps.deliveries
          .append([row(j, attempt >= maxAttempts ? 'gave_up' : 'failed', attempt, errorMessage(e))])
          .catch(() => undefined);
        throw e;
      }
    },

    failing: (nowMs?: number) => deps.deliveries.failing(FAILING_AFTER, nowMs),
    forSubject: (id: string) => deps.deliveries.forSubject(id),
  };
}

export type Channels = ReturnType<typeof createChannels>;
