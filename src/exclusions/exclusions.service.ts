/**
 * Finance exclusions with four eyes (issue 13; contract: POST /exclusions, POST /exclusions/{id}/approve,
 * GET /exclusions). A maintenance window or data fault for one member or the whole fabric (asn null) is
 * proposed by finance or admin and approved by a different principal. Only approved exclusions reach
 * statements, at the next run, as a new version (an approved statement version is never changed: the
 * inputs hash of the new computation differs). Bad input changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../shared/errors.js';
import type { MembersService } from '../members/members.service.js';
import { monthBounds } from '../statements/time.js';
import type { ExclusionRow, ExclusionsRepository, FinanceExclusionReason } from './exclusions.repository.js';

export const MAX_EXCLUSION_DAYS = 400;

export interface ExclusionView {
  id: string;
  asn: number | null;
  from: string;
  to: string;
  reason: FinanceExclusionReason;
  note: string;
  status: ExclusionRow['status'];
  proposed_by: string;
  proposed_by_name: string;
  proposed_at: string;
  approved_by: string | null;
  approved_by_name: string | null;
  approved_at: string | null;
}

export function exclusionView(r: ExclusionRow): ExclusionView {
  return {
    id: r.id,
    asn: r.asn,
    from: new Date(r.from_ts).toISOString(),
    to: new Date(r.to_ts).toISOString(),
    reason: r.reason,
    note: r.note,
    status: r.status,
    proposed_by: r.proposed_by,
    proposed_by_name: r.proposed_by_name || r.proposed_by,
    proposed_at: new Date(r.proposed_at).toISOString(),
    approved_by: r.approved_by || null,
    approved_by_name: r.approved_by ? r.approved_by_name || r.approved_by : null,
    approved_at: r.approved_at === null ? null : new Date(r.approved_at).toISOString(),
  };
}

export function createExclusionsService(repo: ExclusionsRepository, members: MembersService, timezone: string) {
  return {
    async propose(
      input: { asn: number | null; from: string; to: string; reason: FinanceExclusionReason; note: string },
      actor: string,
      actorName = actor,
    ): Promise<ExclusionView> {
      const from = Date.parse(input.from);
      const to = Date.parse(input.to);
      if (!Number.isFinite(from) || !Number.isFinite(to))
        throw new AppError(
          'IXMETER_ERR_VALIDATION',
          `from and to must be ISO 8601 times, got ${JSON.stringify(input.from)} and ${JSON.stringify(input.to)}`,
        );
      if (to <= from)
        throw new AppError('IXMETER_ERR_VALIDATION', `to (${input.to}) must be after from (${input.from})`);
      if (to - from > MAX_EXCLUSION_DAYS * 86_400_000)
        throw new AppError(
          'IXMETER_ERR_VALIDATION',
          `an exclusion may cover at most ${MAX_EXCLUSION_DAYS} days; ${input.from} … ${input.to} is ${((to - from) / 86_400_000).toFixed(1)} days`,
        );
      if (input.asn !== null) {
        const known = await members.list(true);
        if (!known.some((m) => m.asn === input.asn))
          throw new AppError(
            'IXMETER_ERR_VALIDATION',
            `unknown ASN ${input.asn}: no member AS${input.asn} in the registry (use asn: null for the whole fabric)`,
          );
      }
      const now = Date.now();
      const row: ExclusionRow = {
        id: `exc_${randomUUID()}`,
        asn: input.asn,
        from_ts: from,
        to_ts: to,
        reason: input.reason,
        note: input.note,
        status: 'proposed',
        proposed_by: actor,
        proposed_by_name: actorName,
        proposed_at: now,
        approved_by: '',
        approved_by_name: '',
        approved_at: null,
        updated_at: now,
      };
      await repo.insert(row);
      return exclusionView(row);
    },

    async approve(id: string, actor: string, actorName = actor): Promise<ExclusionView> {
      const row = await repo.get(id);
      if (!row) throw new AppError('IXMETER_ERR_NOT_FOUND', `no exclusion ${id}`);
      if (row.status !== 'proposed')
        throw new AppError('IXMETER_ERR_CONFLICT', `exclusion ${id} is already ${row.status} (by ${row.approved_by})`);
      if (row.proposed_by === actor)
        throw new AppError(
          'IXMETER_ERR_FOUR_EYES',
          `four-eyes rule: exclusion ${id} was proposed by ${actor}; another finance or admin principal must approve it`,
        );
      const now = Date.now();
      const next: ExclusionRow = {
        ...row,
        status: 'approved',
        approved_by: actor,
        approved_by_name: actorName,
        approved_at: now,
        updated_at: Math.max(now, row.updated_at + 1),
      };
      await repo.insert(next);
      return exclusionView(next);
    },

    /** Exclusions overlapping a month (billing time zone), of one member (its own and the fabric-wide ones) or all. */
    async list(q: { month?: string; asn?: number; status?: ExclusionRow['status'] }): Promise<ExclusionView[]> {
      const b = q.month ? monthBounds(q.month, timezone) : { start: 0, end: Date.UTC(2106, 0, 1) };
      return (await repo.overlapping(b.start, b.end, { asn: q.asn, status: q.status })).map(exclusionView);
    },

    /** Approved exclusions overlapping [from, to) of every member and the fabric (statement inputs). */
    approvedOverlapping: (fromMs: number, toMs: number) => repo.overlapping(fromMs, toMs, { status: 'approved' }),
  };
}

export type ExclusionsService = ReturnType<typeof createExclusionsService>;
