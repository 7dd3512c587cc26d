/**
 * Restore drill (issue 18): a real `serve` ingests NetFlow v9 from the bench blaster and has computed
 * statements; `ixmeter backup DIR` runs through the service's API while the blaster goes on; the
 * backup verifies; restore refuses a non-empty data directory and a damaged backup; restored
 * elsewhere, every flow row up to the backup point and every statement version are equal, the rollup
 * fed by the flow table's view holds exactly the restored flows (one consistent cut), and the flows
 * sent = stored in the live directory + counted as dropped.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { blast } from '../bench/udp-blaster.js';
import { freeTcpPort, tempDir } from '../helpers/env.js';
import { serveEnv } from '../helpers/serve-env.js';
import { dumpDataDir } from '../helpers/dump-data-dir.js';
import { ixfDoc } from '../helpers/ixf.js';
import { runCli, spawnCli, waitForHealth, type Spawned } from '../helpers/service.js';

const dir = tempDir();
let svc: Spawned | undefined;
afterAll(() => {
  if (svc && svc.child.exitCode === null) svc.child.kill('SIGKILL');
  dir.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('backup and restore drill', () => {
  it('backs up while ingest goes on and restores every row up to the backup point', async () => {
    const live = join(dir.path, 'live');
    const { env, db, port, netflow: nf } = await serveEnv('drill', live, { IXMETER_FLUSH_INTERVAL_MS: '200' });
    const members = join(dir.path, 'members.json');
    writeFileSync(
      members,
      JSON.stringify(
        ixfDoc([
          { asn: 64500, macs: ['02:00:00:00:00:01'], firstProduction: '2026-01-15', enrolled: true },
          { asn: 64501, macs: ['02:00:00:00:00:02'] },
        ]),
      ),
    );
    expect(runCli(['members', 'import', members], env).status).toBe(0);
    expect(runCli(['statements', 'run', '--month', '2026-09'], env).status).toBe(0);
    expect(runCli(['statements', 'run', '--month', '2026-10'], env).status).toBe(0);

    svc = spawnCli(['serve'], env);
    const url = `http://127.0.0.1:${port}`;
    await waitForHealth(url, 60_000);
    const sending = blast({ protocol: 'netflow-v9', port: nf, flowsPerSecond: 20_000, durationMs: 14_000 });
    await sleep(4000);
    const target = join(dir.path, 'backup');
    const bk = spawnCli(['backup', target], env);
    expect(await bk.exited, bk.stderr()).toBe(0);
    expect(bk.stdout()).toMatch(/backup .*: \d+ tables, \d+ rows, \d+ files, .*backup point/);
    const sent = await sending;
    // Everything received is stored or counted as dropped (no datagram dropped by the kernel either).
    let health:
      { collectors: { writer: { inserted_rows: number; queued_rows: number }; kernel_drops?: unknown } } | undefined;
    for (let i = 0; i < 60; i++) {
      health = (await (await fetch(`${url}/api/v1/health`)).json()) as typeof health;
      if (health!.collectors.writer.queued_rows === 0) break;
      await sleep(500);
    }
    svc.child.kill('SIGTERM');
    expect(await svc.exited).toBe(0);

    const verified = runCli(['backup', '--verify', target], env);
    expect(verified.status, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/is intact/);

    // Refusals: a damaged copy, a non-empty data directory.
    const damaged = join(dir.path, 'damaged');
    cpSync(target, damaged, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(target, 'manifest.json'), 'utf8')) as {
      files: Array<{ path: string; bytes: number }>;
      backup_point: string;
      hold_ms: number;
    };
    const biggest = manifest.files
      .filter((f) => f.path.startsWith('clickhouse/flows_raw/'))
      .sort((x, y) => y.bytes - x.bytes)[0]!;
    const victim = join(damaged, biggest.path);
    const bytes = readFileSync(victim);
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(victim, bytes);
    const bad = runCli(['backup', '--verify', damaged], env);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/checksum differs from the manifest.*IXMETER_ERR_BACKUP_INVALID/s);
    const restoredDir = join(dir.path, 'restored');
    const refusedBad = runCli(['restore', damaged], { ...env, IXMETER_DATA_DIR: join(dir.path, 'never') });
    expect(refusedBad.stderr).toMatch(/IXMETER_ERR_BACKUP_INVALID/);
    const refusedFull = runCli(['restore', target], env);
    expect(refusedFull.status).toBe(1);
    expect(refusedFull.stderr).toMatch(/not empty.*IXMETER_ERR_RESTORE_TARGET_NOT_EMPTY/s);

    const restored = runCli(['restore', target], { ...env, IXMETER_DATA_DIR: restoredDir }, 120_000);
    expect(restored.status, restored.stderr).toBe(0);
    // The restored service starts and replays the backup's spool (batches not yet inserted at the backup point) once.
    const port2 = await freeTcpPort();
    svc = spawnCli(['serve'], {
      ...env,
      IXMETER_DATA_DIR: restoredDir,
      IXMETER_HTTP_PORT: String(port2),
      IXMETER_NETFLOW_PORT: '0',
    });
    await waitForHealth(`http://127.0.0.1:${port2}`, 60_000);
    for (let i = 0; i < 60; i++) {
      const h = (await (await fetch(`http://127.0.0.1:${port2}/api/v1/health`)).json()) as {
        collectors: { writer: { queued_rows: number; spooled_rows: number } };
      };
      if (i > 2 && h.collectors.writer.queued_rows === 0 && h.collectors.writer.spooled_rows === 0) break;
      await sleep(500);
    }
    svc.child.kill('SIGTERM');
    expect(await svc.exited).toBe(0);

    const cutQ = (p: string) => ({
      flows: `SELECT count() AS n, max(received_at) AS last FROM flows_raw`,
      activity: 'SELECT sum(flows) AS n FROM collector_activity_5m',
      statements:
        'SELECT asn, month, version, inputs_hash, samples_hash, amount_fen FROM statements ORDER BY month, asn, version',
      members: 'SELECT count() AS n FROM members',
      ...(p
        ? {
            upTo: `SELECT count() AS n, groupBitXor(cityHash64(*)) AS h, sum(frame_octets) AS o FROM flows_raw WHERE received_at < '${p}'`,
          }
        : {}),
    });
    const b = dumpDataDir(restoredDir, db, cutQ(''));
    const last = String(b.flows![0]!.last);
    const bq = dumpDataDir(restoredDir, db, { upTo: cutQ(last).upTo! });
    const a = dumpDataDir(live, db, cutQ(last));
    const liveFlows = Number(a.flows![0]!.n),
      backupFlows = Number(b.flows![0]!.n);
    console.log(
      `drill: sent ${sent.flows} flows; live stored ${liveFlows}; backup holds ${backupFlows} (point ${manifest.backup_point}, inserts held ${manifest.hold_ms} ms)`,
    );
    expect(backupFlows).toBeGreaterThan(0);
    expect(liveFlows).toBeGreaterThan(backupFlows); // ingest went on after the backup point
    expect(liveFlows).toBe(sent.flows); // nothing lost on the loopback at this rate: sent = stored, 0 dropped
    expect(bq.upTo).toEqual(a.upTo); // every row before the last restored instant, equal (count, content hash, octets)
    expect(Number(b.activity![0]!.n)).toBe(backupFlows); // the view's rollup holds exactly the restored flows
    expect(b.statements).toEqual(a.statements);
    expect((b.statements ?? []).length).toBeGreaterThanOrEqual(4);
    expect(b.members).toEqual(a.members);
  }, 300_000);
});
