/**
 * Alerts: detector candidates become append-only events. One ongoing alert per (type, target): a
 * repeat updates it (at most every UPDATE_EVERY_MS, or at once when the severity rises) instead of
 * opening a duplicate. Security staff acknowledge and resolve (confirmed attack or false positive);
 * a resolved alert that fires again opens a new one. Members see alerts where they are the source or
 * the victim, with evidence limited to their own traffic.
 */
import { randomBytes } from 'node:crypto';
import type { Principal } from '../auth/roles.js';
import type { AlertCandidate, AlertEvidence } from '../security/types.js';
import { AppError } from '../shared/errors.js';
import type { AlertEventRow, AlertFilter, AlertsRepository } from './alerts.repository.js';

export const SEVERITIES = ['info', 'warning', 'major', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const UPDATE_EVERY_MS = 30_000;

/** What a detector hands over (src/security/types.ts AlertCandidate; extra fields become evidence). */
export interface AlertCandidateLike extends Pick<
  AlertCandidate,
  'type' | 'severity' | 'target' | 'sourceAsn' | 'victimAsn' | 'firstSeenMs' | 'lastSeenMs' | 'ruleId'
> {
  metrics?: Record<string, number>;
  thresholds?: Record<string, number>;
  evidence?: AlertEvidence | Record<string, unknown>;
}

export interface AlertView {
  id: string;
  type: string;
  severity: string;
  status: string;
  first_seen: string;
  last_seen: string;
  target: string;
  source_asn: number | null;
  victim_asn: number | null;
  confirmed: boolean;
  rule_id: string;
  evidence: Record<string, unknown>;
}

const rank = (s: string) => SEVERITIES.indexOf(s as Severity);

/** Stored evidence: the detector's evidence fields at the top, with its metrics and thresholds. */
function evidenceOf(c: AlertCandidateLike): string {
  const {
    type: _t,
    severity: _s,
    target: _g,
    sourceAsn: _a,
    victimAsn: _v,
    firstSeenMs: _f,
    lastSeenMs: _l,
    ruleId: _r,
    evidence,
    ...rest
  } = c;
  return JSON.stringify({
    ...rest,
    ...(evidence && typeof evidence === 'object' ? (evidence as Record<string, unknown>) : {}),
  });
}

/**
 * Evidence a member may see: the aggregate metrics and the flows of the alert (its own traffic, sent or
 * received); other members are not named — sources of other ASNs keep their address, not their ASN.
 */
export function memberEvidence(e: Record<string, unknown>, asn: number): Record<string, unknown> {
  const out: Record<string, unknown> = { ...e };
  if (Array.isArray(e.topSources)) {
    out.topSources = (e.topSources as Array<{ asn?: number | null }>).map((x) =>
      x.asn === asn || x.asn === null || x.asn === undefined ? x : { ...x, asn: null },
    );
  }
  return out;
}

export function toView(r: AlertEventRow, viewer?: Principal): AlertView {
  const evidence = r.evidence ? (JSON.parse(r.evidence) as Record<string, unknown>) : {};
  return {
    id: r.alert_id,
    type: r.type,
    severity: r.severity,
    status: r.status,
    first_seen: new Date(r.first_seen).toISOString(),
    last_seen: new Date(r.last_seen).toISOString(),
    target: r.target,
    source_asn: r.source_asn,
    victim_asn: r.victim_asn,
    confirmed: r.confirmed === 1,
    rule_id: r.rule_id,
    evidence: viewer?.role === 'member' && viewer.asn !== null ? memberEvidence(evidence, viewer.asn) : evidence,
  };
}

export function createAlertsService(
  repo: AlertsRepository,
  notify: (alert: AlertView, event: string) => Promise<void> = async () => undefined,
) {
  const open = new Map<
    string,
    { id: string; severity: string; firstSeen: number; lastWritten: number; status: string }
  >();
  let loaded = false;
  const key = (type: string, target: string) => `${type}|${target}`;

  async function load(): Promise<void> {
    if (loaded) return;
    for (const r of await repo.open())
      open.set(key(r.type, r.target), {
        id: r.alert_id,
        severity: r.severity,
        firstSeen: r.first_seen,
        lastWritten: r.at,
        status: r.status,
      });
    loaded = true;
  }

  return {
    /** Load the open alerts now, so the first candidate after a start is written without that query first. */
    warm: load,

    /** Fold detector candidates into alerts; returns the events written. */
    async ingest(cands: AlertCandidateLike[], nowMs = Date.now()): Promise<AlertEventRow[]> {
      await load();
      const events: AlertEventRow[] = [];
      const toNotify: AlertEventRow[] = [];
      for (const c of cands) {
        const k = key(c.type, c.target);
        const cur = open.get(k);
        const base = {
          type: c.type,
          target: c.target,
          source_asn: c.sourceAsn,
          victim_asn: c.victimAsn,
          last_seen: c.lastSeenMs,
          rule_id: c.ruleId,
          evidence: evidenceOf(c),
          confirmed: 0,
          actor: 'detector',
          note: '',
        };
        if (!cur) {
          const id = `al_${new Date(nowMs).toISOString().slice(0, 10).replace(/-/g, '')}_${randomBytes(5).toString('hex')}`;
          events.push({
            ...base,
            alert_id: id,
            at: nowMs,
            event: 'opened',
            severity: c.severity,
            status: 'open',
            first_seen: c.firstSeenMs,
          });
          toNotify.push(events[events.length - 1]!);
          open.set(k, { id, severity: c.severity, firstSeen: c.firstSeenMs, lastWritten: nowMs, status: 'open' });
          continue;
        }
        const escalated = rank(c.severity) > rank(cur.severity);
        if (!escalated && nowMs - cur.lastWritten < UPDATE_EVERY_MS) continue;
        const severity = escalated ? c.severity : cur.severity;
        events.push({
          ...base,
          alert_id: cur.id,
          at: nowMs,
          event: 'updated',
          severity,
          status: cur.status,
          first_seen: cur.firstSeen,
        });
        if (escalated) toNotify.push(events[events.length - 1]!);
        Object.assign(cur, { severity, lastWritten: nowMs });
      }
      await repo.append(events);
      for (const e of toNotify) await notify(toView(e), e.event === 'updated' ? 'escalated' : e.event);
      return events;
    },

    /**
     * The detector saw the condition end (e.g. a silent exporter sends again): the ongoing alert of
     * (type, target), if any, is resolved by the detector with `endMs` as its last-seen time and `details`
     * merged into its evidence. A later recurrence opens a new alert (one per interval).
     */
    async end(
      type: string,
      target: string,
      endMs: number,
      details: Record<string, unknown>,
      nowMs = Date.now(),
    ): Promise<AlertEventRow | null> {
      await load();
      const k = key(type, target);
      const cur = open.get(k);
      if (!cur) return null;
      open.delete(k);
      const last = await repo.get(cur.id);
      if (!last || last.status === 'resolved' || last.status === 'false_positive') return null;
      const evidence = JSON.stringify({
        ...(last.evidence ? (JSON.parse(last.evidence) as Record<string, unknown>) : {}),
        ...details,
      });
      const row: AlertEventRow = {
        ...last,
        at: nowMs,
        event: 'resolved',
        status: 'resolved',
        last_seen: Math.max(endMs, last.first_seen),
        evidence,
        confirmed: 0,
        actor: 'detector',
        note: 'condition ended',
      };
      await repo.append([row]);
      await notify(toView(row), 'resolved');
      return row;
    },

    async act(
      id: string,
      action: 'ack' | 'resolve',
      by: Principal,
      body: { note: string; confirmed?: boolean },
    ): Promise<AlertView> {
      await load();
      const cur = await repo.get(id);
      if (!cur) throw new AppError('IXMETER_ERR_NOT_FOUND', `no alert ${id}`);
      if (cur.status === 'resolved' || cur.status === 'false_positive')
        throw new AppError('IXMETER_ERR_CONFLICT', `alert ${id} is already ${cur.status}`);
      const status = action === 'ack' ? 'acknowledged' : body.confirmed === false ? 'false_positive' : 'resolved';
      const event = action === 'ack' ? 'acknowledged' : status;
      const row: AlertEventRow = {
        ...cur,
        at: Date.now(),
        event,
        status,
        evidence: '',
        confirmed: body.confirmed ? 1 : 0,
        actor: by.tokenId,
        note: body.note,
      };
      await repo.append([row]);
      const k = key(cur.type, cur.target);
      if (status === 'acknowledged') {
        const o = open.get(k);
        if (o) o.status = status;
      } else open.delete(k);
      const view = toView({ ...row, evidence: cur.evidence });
      await notify(view, event);
      return view;
    },

    async list(f: AlertFilter, viewer: Principal): Promise<AlertView[]> {
      const asn = viewer.role === 'member' ? viewer.asn : (f.asn ?? null);
      return (await repo.list({ ...f, asn })).map((r) => toView(r, viewer));
    },

    async get(
      id: string,
      viewer: Principal,
    ): Promise<
      AlertView & { history: Array<{ at: string; event: string; status: string; actor: string; note: string }> }
    > {
      const r = await repo.get(id);
      if (!r || (viewer.role === 'member' && r.source_asn !== viewer.asn && r.victim_asn !== viewer.asn))
        throw new AppError('IXMETER_ERR_NOT_FOUND', `no alert ${id}`);
      const history = (await repo.history(id)).map((h) => ({
        at: new Date(h.at).toISOString(),
        event: h.event,
        status: h.status,
        actor: h.actor,
        note: h.note,
      }));
      return { ...toView(r, viewer), history };
    },
  };
}

export type AlertsService = ReturnType<typeof createAlertsService>;
