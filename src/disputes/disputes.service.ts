/**
 * Statement disputes (issue 13; domain.md §5.4 dispute_window, §5.7 Dispute). A member (or finance on its
 * behalf) disputes a member-month within the policy's window: until the end of the N-th working day
 * (policy dispute_window.objections_by_working_day, default 14; cn-calendar.ts) after the disputed version
 * was issued (computed). While a dispute is open the statement's status reads `disputed` and approval is
 * refused (workflow.ts). Finance resolves it: `upheld` recomputes the month (the upheld dispute is an input
 * of the statement, so a new version follows; the old stay readable), `rejected` needs a note. One open
 * dispute per member-month. Each step also lands in the statement's history (statement_events).
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../shared/errors.js';
import type { PoliciesService } from '../subsidies/policies.service.js';
import type { StatementsRepository } from '../statements/statements.repository.js';
import type { DisputeRow, DisputesRepository, DisputeStatus } from './disputes.repository.js';
import { DEFAULT_DISPUTE_WORKING_DAYS, disputeDeadline } from './working-days.js';

export interface DisputeView {
  id: string;
  asn: number;
  month: string;
  version: number;
  status: DisputeStatus;
  note: string;
  raised_by: string;
  raised_by_name: string;
  raised_role: string;
  raised_at: string;
  resolution_note: string | null;
  resolved_by: string | null;
  resolved_by_name: string | null;
  resolved_at: string | null;
  new_version: number | null;
}

export function disputeView(r: DisputeRow): DisputeView {
  return {
    id: r.id,
    asn: r.asn,
    month: r.month,
    version: r.version,
    status: r.status,
    note: r.note,
    raised_by: r.raised_by,
    raised_by_name: r.raised_by_name || r.raised_by,
    raised_role: r.raised_role,
    raised_at: new Date(r.raised_at).toISOString(),
    resolution_note: r.resolution_note || null,
    resolved_by: r.resolved_by || null,
    resolved_by_name: r.resolved_by ? r.resolved_by_name || r.resolved_by : null,
    resolved_at: r.resolved_at === null ? null : new Date(r.resolved_at).toISOString(),
    new_version: r.new_version || null,
  };
}

interface StatementsForDisputes {
  get(asn: number, month: string): Promise<{ document: { version: number; computed_at: string } }>;
  compute(asn: number, month: string, actor: string, runId: string): Promise<{ version: number; changed: boolean }>;
}

export function createDisputesService(
  repo: DisputesRepository,
  statementsRepo: StatementsRepository,
  statements: StatementsForDisputes,
  policies: PoliciesService,
  timezone: string,
) {
  async function openFor(asn: number, month: string): Promise<DisputeRow | null> {
    return (await repo.list({ status: 'open', asn, month }))[0] ?? null;
  }
  const event = (r: DisputeRow, action: string, actor: string, role: string, note: string) =>
    statementsRepo.insertEvent({
      asn: r.asn,
      month: r.month,
      version: r.version,
      at: Date.now(),
      action,
      from_status: '',
      to_status: '',
      actor,
      role,
      note: `${r.id}: ${note}`.slice(0, 2000),
    });

  return {
    openFor,
    async window(asn: number, month: string) {
      const s = await statements.get(asn, month);
      const policy = await policies.forMonth(month);
      const n = policy.dispute_window?.objections_by_working_day ?? DEFAULT_DISPUTE_WORKING_DAYS;
      return { version: s.document.version, ...disputeDeadline(Date.parse(s.document.computed_at), n, timezone) };
    },

    async raise(
      asn: number,
      month: string,
      note: string,
      actor: string,
      role: string,
      now = Date.now(),
      actorName = actor,
    ): Promise<DisputeView> {
      const w = await this.window(asn, month);
      if (now >= w.closes_at) {
        throw new AppError(
          'IXMETER_ERR_DISPUTE_WINDOW_CLOSED',
          `the dispute window of AS${asn} ${month} v${w.version} closed at the end of ${w.last_day} (${w.working_days} working days after it was issued)`,
        );
      }
      const open = await openFor(asn, month);
      if (open)
        throw new AppError(
          'IXMETER_ERR_CONFLICT',
          `AS${asn} ${month} already has an open dispute (${open.id}); add to it with finance or wait for its resolution`,
        );
      const row: DisputeRow = {
        id: `dsp_${randomUUID()}`,
        asn,
        month,
        version: w.version,
        status: 'open',
        note,
        raised_by: actor,
        raised_by_name: actorName,
        raised_role: role,
        raised_at: now,
        resolution_note: '',
        resolved_by: '',
        resolved_by_name: '',
        resolved_at: null,
        new_version: 0,
        updated_at: now,
      };
      await repo.insert(row);
      await event(row, 'dispute_opened', actor, role, note);
      return disputeView(row);
    },

    async resolve(
      id: string,
      outcome: 'upheld' | 'rejected',
      note: string,
      actor: string,
      role: string,
      actorName = actor,
    ): Promise<DisputeView> {
      const row = await repo.get(id);
      if (!row) throw new AppError('IXMETER_ERR_NOT_FOUND', `no dispute ${id}`);
      if (row.status !== 'open') throw new AppError('IXMETER_ERR_CONFLICT', `dispute ${id} is already ${row.status}`);
      if (outcome === 'rejected' && !note.trim())
        throw new AppError('IXMETER_ERR_VALIDATION', 'a rejected dispute needs a note saying why (note)');
      const now = Date.now();
      let next: DisputeRow = {
        ...row,
        status: outcome,
        resolution_note: note,
        resolved_by: actor,
        resolved_by_name: actorName,
        resolved_at: now,
        updated_at: Math.max(now, row.updated_at + 1),
      };
      await repo.insert(next);
      await event(next, `dispute_${outcome}`, actor, role, note);
      if (outcome === 'upheld') {
        // The upheld dispute is a statement input (statements.service.ts): the recompute adds a new version.
        const r = await statements.compute(row.asn, row.month, actor, `dispute:${row.id}`);
        next = { ...next, new_version: r.version, updated_at: next.updated_at + 1 };
        await repo.insert(next);
      }
      return disputeView(next);
    },

    async list(q: { status?: DisputeStatus; asn?: number; month?: string }): Promise<DisputeView[]> {
      return (await repo.list(q)).map(disputeView);
    },

    /** Upheld disputes of every member of a month (statement inputs). */
    upheld: (month: string) => repo.list({ status: 'upheld', month }),
  };
}

export type DisputesService = ReturnType<typeof createDisputesService>;
