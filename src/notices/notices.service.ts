/**
 * Rectification notices (整改通知): security issues a notice to a member (from an alert or on its own);
 * the member acknowledges it and reports what it fixed; security verifies: rectified, or reopened (back
 * to the member, optionally with a new deadline). issued → acknowledged → reported → rectified | reopened.
 * Every step is an append-only event and an audit entry. A member sees and acts on its own notices only;
 * the evidence is the alert's, limited to that member's traffic. Verification evidence from the detector:
 * alerts of the same type touching the member since the report ("no recurrence for N minutes").
 */
import { randomBytes } from 'node:crypto';
import type { AlertsRepository } from '../alerts/alerts.repository.js';
import { memberEvidence } from '../alerts/alerts.service.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { Principal } from '../auth/roles.js';
import type { MembersService } from '../members/members.service.js';
import { AppError } from '../shared/errors.js';
import type { NoticeEventRow, NoticeFilter, NoticesRepository, NoticeStatus } from './notices.repository.js';

export interface NoticeHistoryEntry {
  at: string;
  event: string;
  status: string;
  actor: string;
  role: string;
  note: string;
}

export interface Verification {
  /** When the member reported the fix; recurrences are counted from here. */
  since: string;
  alert_type: string;
  recurrences: number;
  last_recurrence_at: string | null;
  /** Minutes without an alert of that type touching the member (since the report or the last recurrence). */
  quiet_minutes: number;
}

export interface NoticeView {
  id: string;
  asn: number;
  alert_id: string | null;
  alert_type: string | null;
  title: string;
  body: string;
  status: NoticeStatus;
  deadline: string;
  overdue: boolean;
  issued_at: string;
  issued_by: string;
  evidence: Record<string, unknown>;
  verification: Verification | null;
  history: NoticeHistoryEntry[];
}

export interface Actor {
  principal: Principal;
  ip: string;
}
export type NoticeNotify = (notice: NoticeView, event: string) => Promise<void>;

const WITH_MEMBER: readonly NoticeStatus[] = ['issued', 'acknowledged', 'reopened'];
const iso = (ms: number) => new Date(ms).toISOString();

/** Fold one notice's events (in time order) into its view. */
export function foldNotice(
  events: NoticeEventRow[],
  nowMs: number,
): Omit<NoticeView, 'verification'> & { reported_at: number | null; rectified_at: number | null } {
  const first = events[0]!;
  let status: NoticeStatus = first.status;
  let deadline = first.deadline;
  let reportedAt: number | null = null;
  let rectifiedAt: number | null = null;
  for (const e of events) {
    if (e.event === 'overdue') continue;
    status = e.status;
    if (e.event === 'reopened' && e.deadline > 0) deadline = e.deadline;
    if (e.event === 'reported') reportedAt = e.at;
    if (e.event === 'rectified') rectifiedAt = e.at;
  }
  return {
    id: first.notice_id,
    asn: first.asn,
    alert_id: first.alert_id || null,
    alert_type: first.alert_type || null,
    title: first.title,
    body: first.body,
    status,
    deadline: iso(deadline),
    overdue: WITH_MEMBER.includes(status) && nowMs > deadline,
    issued_at: iso(first.at),
    issued_by: first.actor,
    evidence: first.evidence ? (JSON.parse(first.evidence) as Record<string, unknown>) : {},
    history: events.map((e) => ({
      at: iso(e.at),
      event: e.event,
      status: e.status,
      actor: e.actor,
      role: e.role,
      note: e.note,
    })),
    reported_at: reportedAt,
    rectified_at: rectifiedAt,
  };
}

export function createNoticesService(deps: {
  repo: NoticesRepository;
  alerts: AlertsRepository;
  members: Pick<MembersService, 'get'>;
  audit: Pick<AuditLog, 'append'>;
  notify?: NoticeNotify;
}) {
  const { repo } = deps;
  const notify = deps.notify ?? (async () => undefined);

  async function view(events: NoticeEventRow[], nowMs: number): Promise<NoticeView> {
    const { reported_at, rectified_at: _r, ...v } = foldNotice(events, nowMs);
    let verification: Verification | null = null;
    if (reported_at !== null && v.alert_type && v.status !== 'reopened') {
      const r = await repo.recurrences(v.alert_type, v.asn, reported_at);
      const quietFrom = Math.max(reported_at, r.last ?? 0);
      verification = {
        since: iso(reported_at),
        alert_type: v.alert_type,
        recurrences: r.count,
        last_recurrence_at: r.last === null ? null : iso(r.last),
        quiet_minutes: Math.max(0, Math.floor((nowMs - quietFrom) / 60_000)),
      };
    }
    return { ...v, verification };
  }

  /** The notice, refusing a member that is not its addressee (as "no such notice": ids of others stay unknown). */
  async function load(id: string, viewer: Principal): Promise<NoticeEventRow[]> {
    const events = await repo.history(id);
    if (!events.length || (viewer.role === 'member' && events[0]!.asn !== viewer.asn)) {
      throw new AppError(
        'IXMETER_ERR_NOT_FOUND',
        viewer.role === 'member' ? `no notice ${id} for AS${viewer.asn}` : `no notice ${id}`,
      );
    }
    return events;
  }

  async function step(
    id: string,
    by: Actor,
    event: 'acknowledged' | 'reported' | 'rectified' | 'reopened',
    allowedFrom: readonly NoticeStatus[],
    note: string,
    deadline = 0,
  ): Promise<NoticeView> {
    const events = await load(id, by.principal);
    const cur = foldNotice(events, Date.now());
    if (!allowedFrom.includes(cur.status)) {
      throw new AppError(
        'IXMETER_ERR_CONFLICT',
        `notice ${id} is ${cur.status}; ${event} needs it to be ${allowedFrom.join(' or ')}`,
      );
    }
    const first = events[0]!;
    const row: NoticeEventRow = {
      ...first,
      at: Math.max(Date.now(), events[events.length - 1]!.at + 1),
      event,
      status: event,
      deadline: event === 'reopened' ? deadline || Date.parse(cur.deadline) : 0,
      evidence: '',
      actor: by.principal.tokenId,
      role: by.principal.role,
      note,
    };
    await repo.append([row]);
    await deps.audit.append({
      actor: by.principal.tokenId,
      role: by.principal.role,
      action: `notice.${event}`,
      object: id,
      outcome: 'ok',
      sourceIp: by.ip,
      details: { note, ...(deadline ? { deadline: iso(deadline) } : {}) },
    });
    const v = await view([...events, row], Date.now());
    await notify(v, event);
    return v;
  }

  return {
    async issue(
      by: Actor,
      b: { asn: number; alert_id?: string; title: string; body: string; deadline: string },
      nowMs = Date.now(),
    ): Promise<NoticeView> {
      const deadline = Date.parse(b.deadline);
      if (!(deadline > nowMs))
        throw new AppError('IXMETER_ERR_VALIDATION', `deadline ${b.deadline} is not in the future`);
      try {
        await deps.members.get(b.asn);
      } catch (e) {
        if (e instanceof AppError && e.code === 'IXMETER_ERR_NOT_FOUND')
          throw new AppError('IXMETER_ERR_VALIDATION', `asn ${b.asn}: no member AS${b.asn} in the registry`);
        throw e;
      }
      let evidence: Record<string, unknown> = {};
      let alertType = '';
      if (b.alert_id) {
        const a = await deps.alerts.get(b.alert_id);
        if (!a) throw new AppError('IXMETER_ERR_VALIDATION', `alert_id ${b.alert_id}: no such alert`);
        if (a.source_asn !== b.asn && a.victim_asn !== b.asn)
          throw new AppError(
            'IXMETER_ERR_VALIDATION',
            `alert_id ${b.alert_id}: AS${b.asn} is neither its source nor its victim`,
          );
        alertType = a.type;
        const ev = a.evidence ? (JSON.parse(a.evidence) as Record<string, unknown>) : {};
        evidence = {
          alert: {
            id: a.alert_id,
            type: a.type,
            severity: a.severity,
            target: a.target,
            source_asn: a.source_asn,
            victim_asn: a.victim_asn,
            first_seen: iso(a.first_seen),
            last_seen: iso(a.last_seen),
          },
          ...memberEvidence(ev, b.asn),
        };
      }
      const id = `nt_${iso(nowMs).slice(0, 10).replace(/-/g, '')}_${randomBytes(5).toString('hex')}`;
      const row: NoticeEventRow = {
        notice_id: id,
        at: nowMs,
        event: 'issued',
        status: 'issued',
        asn: b.asn,
        alert_id: b.alert_id ?? '',
        alert_type: alertType,
        title: b.title,
        body: b.body,
        deadline,
        evidence: JSON.stringify(evidence),
        actor: by.principal.tokenId,
        role: by.principal.role,
        note: '',
      };
      await repo.append([row]);
      await deps.audit.append({
        actor: by.principal.tokenId,
        role: by.principal.role,
        action: 'notice.issue',
        object: id,
        outcome: 'ok',
        sourceIp: by.ip,
        details: { asn: b.asn, alert_id: b.alert_id ?? null, title: b.title, deadline: iso(deadline) },
      });
      const v = await view([row], nowMs);
      await notify(v, 'issued');
      return v;
    },

    acknowledge: (id: string, by: Actor, note: string) => step(id, by, 'acknowledged', ['issued', 'reopened'], note),
    report: (id: string, by: Actor, note: string) => step(id, by, 'reported', ['acknowledged', 'reopened'], note),
    verify(
      id: string,
      by: Actor,
      b: { outcome: 'rectified' | 'reopened'; note: string; deadline?: string },
    ): Promise<NoticeView> {
      let deadline = 0;
      if (b.deadline !== undefined) {
        deadline = Date.parse(b.deadline);
        if (!(deadline > Date.now()))
          return Promise.reject(new AppError('IXMETER_ERR_VALIDATION', `deadline ${b.deadline} is not in the future`));
      }
      if (b.outcome === 'rectified' && deadline)
        return Promise.reject(new AppError('IXMETER_ERR_VALIDATION', 'deadline applies to a reopened notice only'));
      return step(id, by, b.outcome, ['reported'], b.note, deadline);
    },

    async list(f: NoticeFilter, viewer: Principal, nowMs = Date.now()): Promise<NoticeView[]> {
      const asn = viewer.role === 'member' ? viewer.asn : (f.asn ?? null);
      const events = await repo.events({ ...f, asn });
      const by = new Map<string, NoticeEventRow[]>();
      for (const e of events) (by.get(e.notice_id) ?? by.set(e.notice_id, []).get(e.notice_id)!).push(e);
      const views = await Promise.all([...by.values()].map((ev) => view(ev, nowMs)));
      return views.sort((a, b) => b.issued_at.localeCompare(a.issued_at));
    },

    async get(id: string, viewer: Principal, nowMs = Date.now()): Promise<NoticeView> {
      return view(await load(id, viewer), nowMs);
    },

    /** The minute job: flag every notice newly past its deadline (an event, an audit entry, a notification to security). */
    async flagOverdue(nowMs = Date.now()): Promise<{ flagged: string[] }> {
      const events = await repo.dueOverdue(nowMs);
      const by = new Map<string, NoticeEventRow[]>();
      for (const e of events) (by.get(e.notice_id) ?? by.set(e.notice_id, []).get(e.notice_id)!).push(e);
      const flagged: string[] = [];
      for (const ev of by.values()) {
        const cur = foldNotice(ev, nowMs);
        const row: NoticeEventRow = {
          ...ev[0]!,
          at: Math.max(nowMs, ev[ev.length - 1]!.at + 1),
          event: 'overdue',
          status: cur.status,
          deadline: 0,
          evidence: '',
          actor: 'scheduler',
          role: 'system',
          note: `deadline ${cur.deadline} passed`,
        };
        await repo.append([row]);
        await deps.audit.append({
          actor: 'scheduler',
          role: 'system',
          action: 'notice.overdue',
          object: cur.id,
          outcome: 'ok',
          sourceIp: '',
          details: { asn: cur.asn, deadline: cur.deadline, status: cur.status },
        });
        await notify(await view([...ev, row], nowMs), 'overdue');
        flagged.push(cur.id);
      }
      return { flagged };
    },
  };
}

export type NoticesService = ReturnType<typeof createNoticesService>;
