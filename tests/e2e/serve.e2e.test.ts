/**
 * `ixmeter serve` as a real process on embedded ClickHouse: healthy within 60 s, a second process on
 * the same data directory is refused while the first keeps working, CLI token commands go through
 * the running service's API, and SIGTERM exits 0.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { freeTcpPort, tempDir } from '../helpers/env.js';
import { runCli, spawnCli, waitForHealth, type Spawned } from '../helpers/service.js';

const dir = tempDir();
const ADMIN = 'e2e-admin-token-0123456789';
let first: Spawned | undefined;

afterAll(async () => {
  if (first && first.child.exitCode === null) first.child.kill('SIGKILL');
  dir.cleanup();
});

describe('ixmeter serve (embedded)', () => {
  it('starts, refuses a second process on the same data dir, serves the CLI, and stops cleanly', async () => {
    const port = await freeTcpPort();
    const env = {
      IXMETER_DATA_DIR: dir.path,
      IXMETER_HTTP_PORT: String(port),
      IXMETER_ADMIN_TOKEN: ADMIN,
      IXMETER_NETFLOW_PORT: '0',
      IXMETER_IPFIX_PORT: '0',
      IXMETER_SFLOW_PORT: '0',
    };
    const url = `http://127.0.0.1:${port}`;
    const t0 = Date.now();
    first = spawnCli(['serve'], env);
    const health = await waitForHealth(url, 60_000);
    expect(health).toMatchObject({
      status: 'ok',
      clickhouse: { status: 'ok', mode: 'embedded' },
      redis: { status: 'ok' },
    });
    expect(Date.now() - t0).toBeLessThan(60_000);

    const second = runCli(['serve'], { ...env, IXMETER_HTTP_PORT: String(await freeTcpPort()) });
    expect(second.status).toBe(75);
    expect(second.stderr).toMatch(
      /data directory .*clickhouse is in use by process \d+.*\[IXMETER_ERR_STORAGE_LOCKED\]/s,
    );
    expect((await waitForHealth(url, 5000)).status).toBe('ok');

    const created = runCli(['token', 'create', '--role', 'finance', '--name', 'finance desk'], env);
    expect(created.status).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^ixm_/);
    const me = await fetch(`${url}/api/v1/tokens`, { headers: { authorization: `Bearer ${secret}` } });
    expect(me.status).toBe(403); // finance may not list tokens, but the token is valid

    const noAdmin = runCli(['token', 'create', '--role', 'auditor'], { ...env, IXMETER_ADMIN_TOKEN: '' });
    expect(noAdmin.status).toBe(75);
    expect(noAdmin.stderr).toContain('set IXMETER_ADMIN_TOKEN');

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const offline = runCli(['token', 'create', '--role', 'member', '--asn', '64501'], env);
    expect(offline.status).toBe(0);
    expect(offline.stdout.trim()).toMatch(/^ixm_/);
    const migrate = runCli(['migrate'], env);
    expect(migrate.stdout).toMatch(/schema is up to date/);
  }, 300_000);

  it('prints the effective config with secrets redacted', () => {
    const r = runCli(['config'], {
      IXMETER_ADMIN_TOKEN: 'super-secret-admin-token',
      IXMETER_CLICKHOUSE_PASSWORD: 'pw',
    });
    expect(r.status).toBe(0);
    const cfg = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(cfg.IXMETER_ADMIN_TOKEN).toBe('[redacted]');
    expect(r.stdout).not.toContain('super-secret');
    const bad = runCli(['config'], { IXMETER_HTTP_PORT: '99999' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('IXMETER_HTTP_PORT="99999"');
  });
});
