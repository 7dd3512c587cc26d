/**
 * Redis restarted (without persistence) in the middle of a month run: the jobs it held are gone, and
 * the run still completes — the run is recorded in ClickHouse and `complete-runs` re-enqueues the
 * missing member-months — with no duplicate and no missing statement.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { freeTcpPort, tempDir } from '../helpers/env.js';
import { startTestService, waitFor, type TestService } from '../helpers/in-process.js';
import { ixfDoc } from '../helpers/ixf.js';

const dir = tempDir();
let redis: ChildProcess | undefined;
let t: TestService | undefined;

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  await new Promise((r) => setTimeout(r, 400));
  return child;
}

afterAll(async () => {
  await t?.svc.stop().catch(() => undefined);
  redis?.kill('SIGKILL');
  dir.cleanup();
});

describe('statements run across a Redis restart', () => {
  it('completes every member-month exactly once', async () => {
    const port = await freeTcpPort();
    redis = await startRedis(port);
    t = await startTestService(dir.path, { IXMETER_REDIS_URL: `redis://127.0.0.1:${port}` });
    const svc = t.svc;
    const members = Array.from({ length: 12 }, (_, i) => ({
      asn: 65100 + i,
      macs: [`02:00:00:00:01:${(i + 16).toString(16)}`],
    }));
    await svc.domain.members.importRegistry(JSON.stringify(ixfDoc(members)), { source: 'test', actor: 'test' });
    const runId = await svc.domain.runs!.start('2026-10', 'test');
    // Kill Redis while jobs are queued or running; start an empty one on the same port.
    redis.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    redis = await startRedis(port);
    const after = await svc.domain.runs!.status(runId);
    expect(after.progress.done).toBeLessThan(after.progress.total); // the restart really cut the run short
    // The minute job would do this on its own; call it now instead of waiting a minute.
    await waitFor(
      async () => {
        await svc.domain.runs!.completeRuns().catch(() => 0);
        return (await svc.domain.runs!.status(runId)).state === 'completed';
      },
      60_000,
      'the run to complete after the restart',
    );
    const rs = await svc.storage.client.query({
      query: "SELECT asn, count() AS versions FROM statements WHERE month = '2026-10' GROUP BY asn ORDER BY asn",
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ asn: number; versions: string }>();
    expect(rows.map((r) => Number(r.asn))).toEqual(members.map((m) => m.asn));
    expect(rows.every((r) => Number(r.versions) === 1)).toBe(true);
  }, 120_000);
});
