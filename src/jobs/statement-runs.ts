/**
 * Month runs: one member-month job per member (deterministic job id), tracked in ClickHouse so that a
 * run survives a Redis restart: the `complete-runs` job re-enqueues member-months still missing.
 * Progress = member-months computed (or found unchanged) since the run was requested.
 */
import { randomBytes } from 'node:crypto';
import type { MembersService } from '../members/members.service.js';
import { AppError } from '../shared/errors.js';
import type { StatementsRepository } from '../statements/statements.repository.js';
import { statementJobId, type QueueSet } from './queues.js';

export interface RunStatus {
  id: string;
  month: string;
  state: 'completed' | 'active';
  progress: { done: number; total: number; percent: number };
  requested_by: string;
  missing: number[];
}

export function previousMonth(nowMs: number, tz: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit' }).formatToParts(
    new Date(nowMs),
  );
  const y = Number(parts.find((p) => p.type === 'year')!.value);
  const m = Number(parts.find((p) => p.type === 'month')!.value);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

export function createStatementRuns(repo: StatementsRepository, members: MembersService, queues: QueueSet) {
  async function enqueue(month: string, runId: string, asns: number[], actor: string): Promise<void> {
    const q = queues.get('statements');
    await q.addBulk(
      asns.map((asn) => ({
        name: 'member-month',
        data: { asn, month, runId, actor },
        opts: { jobId: statementJobId(month, asn) },
      })),
    );
  }

  async function status(runId: string): Promise<RunStatus> {
    const run = await repo.run(runId);
    if (!run) throw new AppError('IXMETER_ERR_NOT_FOUND', `no job ${runId}`);
    const asns = run.asns.map(Number);
    const done = new Set(await repo.runDone(run.month, asns, Number(run.requested_at)));
    const missing = asns.filter((a) => !done.has(a));
    const total = asns.length;
    return {
      id: runId,
      month: run.month,
      state: missing.length === 0 ? 'completed' : 'active',
      progress: {
        done: total - missing.length,
        total,
        percent: total ? Math.floor(((total - missing.length) * 100) / total) : 100,
      },
      requested_by: run.requested_by,
      missing,
    };
  }

  return {
    status,
    async start(month: string, actor: string): Promise<string> {
      if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month))
        throw new AppError('IXMETER_ERR_VALIDATION', `month must be YYYY-MM, got ${month}`);
      const asns = (await members.list()).map((m) => m.asn);
      const runId = `run-${month}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
      await repo.insertRun({ run_id: runId, month, asns, requested_at: Date.now(), requested_by: actor });
      await enqueue(month, runId, asns, actor);
      return runId;
    },
    /** Re-enqueue member-months of recent runs that have neither a result nor a live job (Redis lost them). */
    async completeRuns(nowMs = Date.now()): Promise<number> {
      let requeued = 0;
      for (const run of await repo.unfinishedRuns(nowMs - 3 * 86_400_000)) {
        const st = await status(run.run_id);
        if (st.state === 'completed') continue;
        const q = queues.get('statements');
        const lost: number[] = [];
        for (const asn of st.missing) if (!(await q.getJob(statementJobId(run.month, asn)))) lost.push(asn);
        if (lost.length) {
          await enqueue(run.month, run.run_id, lost, st.requested_by);
          requeued += lost.length;
        }
      }
      return requeued;
    },
  };
}

export type StatementRuns = ReturnType<typeof createStatementRuns>;
