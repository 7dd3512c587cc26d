/** The CLI on data: members import and statements run, without a service and through a running one. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freeTcpPort, tempDir } from '../helpers/env.js';
import { ixfDoc } from '../helpers/ixf.js';
import { runCli, spawnCli, waitForHealth, type Spawned } from '../helpers/service.js';

const dir = tempDir();
let svc: Spawned | undefined;
afterAll(() => {
  if (svc && svc.child.exitCode === null) svc.child.kill('SIGKILL');
  dir.cleanup();
});

describe('CLI members and statements', () => {
  it('imports members, refuses a bad file, and runs statements offline and through the service', async () => {
    const port = await freeTcpPort();
    const env = {
      IXMETER_DATA_DIR: join(dir.path, 'data'),
      IXMETER_HTTP_PORT: String(port),
      IXMETER_ADMIN_TOKEN: 'cli-admin-token-0123456789',
      IXMETER_NETFLOW_PORT: '0',
      IXMETER_IPFIX_PORT: '0',
      IXMETER_SFLOW_PORT: '0',
    };
    const good = join(dir.path, 'members.json');
    writeFileSync(
      good,
      JSON.stringify(
        ixfDoc([
          { asn: 64500, macs: ['02:00:00:00:00:01'], firstProduction: '2026-01-15', enrolled: true },
          { asn: 64501, macs: ['02:00:00:00:00:02'] },
        ]),
      ),
    );
    const imp = runCli(['members', 'import', good], env);
    expect(imp.stderr).toBe('');
    expect(imp.stdout).toMatch(/imported 2 members .* 4 attribution keys opened, 0 closed/);
    const bad = join(dir.path, 'bad.json');
    writeFileSync(bad, JSON.stringify({ member_list: [{ asnum: 0, name: 'x' }] }));
    const refused = runCli(['members', 'import', bad], env);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/member_list\.0\.asnum: ASN must be ≥ 1.*IXMETER_ERR_MEMBERS_INVALID/s);

    const offline = runCli(['statements', 'run', '--month', '2026-10'], env);
    expect(offline.status).toBe(0);
    expect(offline.stdout).toContain('statements 2026-10: 2 members, 2 new version(s)');
    expect(offline.stderr).toMatch(/statements 2026-10 \[.*\] 100%/);

    svc = spawnCli(['serve'], env);
    await waitForHealth(`http://127.0.0.1:${port}`, 60_000);
    const online = runCli(['statements', 'run', '--month', '2026-10'], env);
    expect(online.status).toBe(0);
    expect(online.stdout).toContain('run completed by the service');
    const s = await fetch(`http://127.0.0.1:${port}/api/v1/members/64500/statements/2026-10`, {
      headers: { authorization: `Bearer ${env.IXMETER_ADMIN_TOKEN}` },
    });
    expect(((await s.json()) as { version: number }).version).toBe(1); // unchanged inputs: no new version
    svc.child.kill('SIGTERM');
    expect(await svc.exited).toBe(0);
  }, 120_000);
});
