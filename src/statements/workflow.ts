/**
 * Statement workflow, append-only: draft → reviewed → approved → exported (reviewed → draft to send
 * back). The approver must differ from whoever prepared it (ran the computation or reviewed it); an
 * approved version is immutable — a recompute adds a new draft version beside it. An open dispute on the
 * member-month (src/disputes) shows as `disputed` and blocks review, approval and export until finance
 * resolves it.
 */
import { AppError } from '../shared/errors.js';
import type { StatementStatus } from './document.js';
import type { EventRow, StatementsRepository } from './statements.repository.js';

export type WorkflowAction = 'review' | 'approve' | 'export' | 'reopen';

const TRANSITIONS: Record<WorkflowAction, { from: StatementStatus; to: StatementStatus }> = {
  review: { from: 'draft', to: 'reviewed' },
  approve: { from: 'reviewed', to: 'approved' },
  export: { from: 'approved', to: 'exported' },
  reopen: { from: 'reviewed', to: 'draft' },
};

export function currentStatus(events: readonly EventRow[], version: number): StatementStatus {
  let s: StatementStatus = 'draft';
  for (const e of events) if (e.version === version && e.to_status) s = e.to_status as StatementStatus;
  return s;
}

/** Everyone who prepared this version: whoever computed it (a person, not the scheduler) and whoever reviewed it. */
export function preparers(events: readonly EventRow[], version: number): Set<string> {
  const out = new Set<string>();
  for (const e of events) {
    if (e.version !== version) continue;
    if (e.action === 'review' || (e.action === 'computed' && e.actor !== 'scheduler')) out.add(e.actor);
  }
  return out;
}

export async function transition(
  repo: StatementsRepository,
  args: {
    asn: number;
    month: string;
    version: number;
    action: WorkflowAction;
    actor: string;
    role: string;
    note: string;
  },
  guards: { openDispute?: (asn: number, month: string) => Promise<{ id: string } | null> } = {},
): Promise<{ status: StatementStatus }> {
  const dispute =
    args.action !== 'reopen' && guards.openDispute ? await guards.openDispute(args.asn, args.month) : null;
  if (dispute)
    throw new AppError(
      'IXMETER_ERR_CONFLICT',
      `cannot ${args.action} AS${args.asn} ${args.month}: it is disputed (${dispute.id} is open); resolve the dispute first (POST /api/v1/disputes/${dispute.id}/resolve)`,
    );
  const events = await repo.events(args.asn, args.month);
  if (!events.some((e) => e.version === args.version))
    throw new AppError('IXMETER_ERR_NOT_FOUND', `no statement AS${args.asn} ${args.month} version ${args.version}`);
  const status = currentStatus(events, args.version);
  const t = TRANSITIONS[args.action];
  if (status !== t.from) {
    throw new AppError(
      'IXMETER_ERR_CONFLICT',
      `cannot ${args.action} AS${args.asn} ${args.month} v${args.version}: it is ${status}, not ${t.from}${status === 'approved' || status === 'exported' ? ' (approved statements are immutable; recompute to get a new version)' : ''}`,
    );
  }
  if (args.action === 'approve' && preparers(events, args.version).has(args.actor)) {
    throw new AppError(
      'IXMETER_ERR_FORBIDDEN',
      'four-eyes rule: the approver must differ from whoever prepared or reviewed this statement',
    );
  }
  // programme: a month over its budget under `on_exceed: hold` stops at review (src/subsidies/budget.ts)
  if (
    args.action === 'approve' &&
    (await repo.version(args.asn, args.month, args.version))?.document.includes('"code":"BUDGET_HOLD"')
  ) {
    throw new AppError(
      'IXMETER_ERR_CONFLICT',
      `cannot approve AS${args.asn} ${args.month} v${args.version}: the month is over the programme budget and the policy holds it at review (on_exceed: hold); register a policy version with a larger budget and recompute`,
    );
  }
  await repo.insertEvent({
    asn: args.asn,
    month: args.month,
    version: args.version,
    at: Date.now(),
    action: args.action,
    from_status: status,
    to_status: t.to,
    actor: args.actor,
    role: args.role,
    note: args.note,
  });
  return { status: t.to };
}
