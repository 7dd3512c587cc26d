/**
 * `ixmeter statements run --month YYYY-MM`, with a progress bar. With a running embedded service it
 * starts the run through the API (BullMQ jobs) and follows GET /jobs/{id}; otherwise it computes every
 * member-month in this process with the same service the jobs call.
 */
import cliProgress from 'cli-progress';
import { loadConfig } from '../../config/load.js';
import { createDomainServices } from '../../runtime/domain-services.js';
import { AppError } from '../../shared/errors.js';
import { createLogger } from '../../shared/logger.js';
import { withLocalOrApi } from '../local-or-api.js';

function bar(month: string) {
  return new cliProgress.SingleBar(
    {
      format: `statements ${month} [{bar}] {percentage}% | {value}/{total} members | {member}`,
      hideCursor: true,
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: 2000,
    },
    cliProgress.Presets.shades_classic,
  );
}

export async function runStatements(o: { month: string }): Promise<void> {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(o.month))
    throw new AppError('IXMETER_ERR_VALIDATION', `--month must be YYYY-MM, got ${o.month}`);
  const config = loadConfig();
  const summary = await withLocalOrApi<{ computed: number; changed: number; total: number }>(
    async ({ storage, audit }) => {
      const d = createDomainServices(storage, config, createLogger('warn'));
      const members = await d.members.list();
      const b = bar(o.month);
      b.start(members.length, 0, { member: '' });
      let changed = 0;
      const runId = `cli-${Date.now()}`; // one run: the month's shared inputs are read once (statements/month-inputs.ts)
      for (const m of members) {
        b.update({ member: `AS${m.asn} ${m.name}` });
        const r = await d.statements.compute(m.asn, o.month, 'cli', runId);
        if (r.changed) changed++;
        b.increment();
      }
      b.stop();
      await audit.append({
        actor: 'cli',
        role: 'admin',
        action: 'statements.run',
        object: o.month,
        outcome: 'ok',
        sourceIp: 'local',
        details: { members: members.length, changed },
      });
      return { computed: members.length, changed, total: members.length };
    },
    async (api) => {
      const { job_id } = (await api('POST', `/statements/${o.month}/run`)) as { job_id: string };
      const b = bar(o.month);
      let started = false;
      for (;;) {
        const s = (await api('GET', `/jobs/${encodeURIComponent(job_id)}`)) as {
          state: string;
          progress: { done: number; total: number };
        };
        if (!started) {
          b.start(s.progress.total, 0, { member: `job ${job_id}` });
          started = true;
        }
        b.update(s.progress.done);
        if (s.state === 'completed') break;
        await new Promise((r) => setTimeout(r, 500));
      }
      b.stop();
      return { computed: -1, changed: -1, total: -1 };
    },
  );
  process.stdout.write(
    summary.total >= 0
      ? `statements ${o.month}: ${summary.total} members, ${summary.changed} new version(s)\n`
      : `statements ${o.month}: run completed by the service\n`,
  );
}
