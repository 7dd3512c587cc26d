/**
 * A full data disk (issue 18): the data directory on a real 300 MiB tmpfs. Flows arrive before, while
 * and after the disk is full (a filler file takes every free byte). While full: /health degraded, a
 * STORAGE_DISK_FULL operations alert (recorded when space is back: alerts live on that disk), rows beyond the writer's memory bound dropped and counted (reason
 * disk_full). After the filler is removed the service resumes without a restart. Then: sent = stored +
 * dropped (disk_full + kernel/queue), no part detached, no spool file in bad/, and the rollup the
 * statements read from holds exactly the stored flows.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { blast } from '../bench/udp-blaster.js';
import { tempDir } from '../helpers/env.js';
import { serveEnv } from '../helpers/serve-env.js';
import { dumpDataDir } from '../helpers/dump-data-dir.js';
import { spawnCli, waitForHealth, type Spawned } from '../helpers/service.js';

const dir = tempDir();
const mnt = join(dir.path, 'fs');
let mounted = false;
let svc: Spawned | undefined;
afterAll(async () => {
  try {
    if (svc && svc.child.exitCode === null) {
      svc.child.kill('SIGKILL');
      await svc.exited;
    }
  } finally {
    if (mounted) execFileSync('umount', ['-l', mnt]);
    dir.cleanup();
  }
});

const isRoot = process.getuid?.() === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Health {
  status: string;
  collectors: {
    writer: {
      queued_rows: number;
      spooled_rows: number;
      degraded: boolean;
      disk_full: boolean;
      dropped_rows: { disk_full: number };
    };
    kernel_drops: Record<string, number>;
    decode_queue: { drops: number };
  };
}

describe.skipIf(!isRoot)('data disk full', () => {
  it('counts what it drops, degrades, alerts, and resumes without a restart once space is freed', async () => {
    mkdirSync(mnt, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=300m', 'tmpfs', mnt]);
    mounted = true;
    const data = join(mnt, 'data');
    const {
      env,
      db,
      netflow: nf,
      url,
    } = await serveEnv('full', data, { IXMETER_FLUSH_INTERVAL_MS: '200', IXMETER_WRITER_MEMORY_ROWS: '50000' });
    const health = async () => (await (await fetch(`${url}/api/v1/health`)).json()) as Health;
    svc = spawnCli(['serve'], env);
    await waitForHealth(url, 60_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${svc!.stderr().slice(-3000)}`);
    });
    let sent = (await blast({ protocol: 'netflow-v9', port: nf, flowsPerSecond: 10_000, durationMs: 2000 })).flows;
    await sleep(1500);

    const filler = join(mnt, 'filler');
    const s = statfsSync(mnt);
    execFileSync('fallocate', ['-l', String(s.bavail * s.bsize), filler]);
    let sawDegraded = false,
      sawFull = false;
    const during = blast({ protocol: 'netflow-v9', port: nf, flowsPerSecond: 10_000, durationMs: 12_000 });
    for (let i = 0; i < 24; i++) {
      const h = await health().catch(() => null);
      if (h?.status === 'degraded') sawDegraded = true;
      if (h?.collectors.writer.disk_full) sawFull = true;
      await sleep(500);
    }
    sent += (await during).flows;
    const full = await health();
    expect(sawDegraded).toBe(true);
    expect(sawFull).toBe(true);
    expect(full.collectors.writer.dropped_rows.disk_full).toBeGreaterThan(0);

    rmSync(filler);
    let back: Health | undefined;
    for (let i = 0; i < 120; i++) {
      back = await health();
      if (back.status === 'ok' && back.collectors.writer.queued_rows === 0 && back.collectors.writer.spooled_rows === 0)
        break;
      await sleep(500);
    }
    expect(back!.status).toBe('ok');
    // The alert lives in ClickHouse on that disk: it is recorded once space is back, for the whole episode.
    type AlertRow = { type: string; severity: string; evidence: { metrics?: { droppedRows: number } } };
    let alert: AlertRow | undefined;
    for (let i = 0; i < 40 && !alert; i++) {
      const { alerts } = (await (
        await fetch(`${url}/api/v1/alerts`, { headers: { authorization: `Bearer ${env.IXMETER_ADMIN_TOKEN}` } })
      ).json()) as { alerts: AlertRow[] };
      alert = alerts.find((a) => a.type === 'STORAGE_DISK_FULL');
      if (!alert) await sleep(500);
    }
    expect(alert).toMatchObject({ severity: 'critical' });
    expect(alert!.evidence.metrics!.droppedRows).toBeGreaterThan(0);
    sent += (await blast({ protocol: 'netflow-v9', port: nf, flowsPerSecond: 10_000, durationMs: 2000 })).flows;
    let end: Health | undefined;
    for (let i = 0; i < 40; i++) {
      await sleep(500);
      end = await health();
      if (end.collectors.writer.queued_rows === 0 && end.collectors.writer.spooled_rows === 0) break;
    }
    const droppedFull = end!.collectors.writer.dropped_rows.disk_full;
    const droppedDatagrams =
      Object.values(end!.collectors.kernel_drops).reduce((a, b) => a + b, 0) + end!.collectors.decode_queue.drops;
    svc.child.kill('SIGTERM');
    expect(await svc.exited).toBe(0);

    const r = dumpDataDir(data, db, {
      flows: 'SELECT count() AS n FROM flows_raw',
      activity: 'SELECT sum(flows) AS n FROM collector_activity_5m',
      detached: 'SELECT count() AS n FROM system.detached_parts WHERE database = currentDatabase()',
    });
    const stored = Number(r.flows![0]!.n);
    console.log(
      `disk full: sent ${sent} flows; stored ${stored}; dropped disk_full ${droppedFull}; dropped datagrams (kernel/queue) ${droppedDatagrams}`,
    );
    expect(droppedDatagrams).toBe(0);
    expect(stored + droppedFull).toBe(sent);
    expect(Number(r.activity![0]!.n)).toBe(stored);
    expect(Number(r.detached![0]!.n)).toBe(0);
    const bad = join(data, 'spool', 'bad');
    expect(existsSync(bad) ? readdirSync(bad) : []).toEqual([]);
  }, 300_000);
});
