/** `ixmeter exclusions add|approve|list` without a service (four eyes between two named people) and through a running one. */
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

describe('CLI exclusions', () => {
  it('proposes, refuses self-approval and bad input, approves by another person, lists; also through the service', async () => {
    const port = await freeTcpPort();
    const env = {
      IXMETER_DATA_DIR: join(dir.path, 'data'),
      IXMETER_HTTP_PORT: String(port),
      IXMETER_ADMIN_TOKEN: 'cli-admin-token-0123456789',
      IXMETER_NETFLOW_PORT: '0',
      IXMETER_IPFIX_PORT: '0',
      IXMETER_SFLOW_PORT: '0',
    };
    const file = join(dir.path, 'members.json');
    writeFileSync(file, JSON.stringify(ixfDoc([{ asn: 64500, macs: ['02:00:00:00:00:01'] }])));
    expect(runCli(['members', 'import', file], env).status).toBe(0);
    const range = ['--from', '2026-10-10T01:00:00+08:00', '--to', '2026-10-10T03:00:00+08:00'];
    const add = runCli(
      ['exclusions', 'add', '--asn', '64500', ...range, '--reason', 'maintenance', '--note', 'ZW-1182', '--as', 'wang'],
      env,
    );
    expect(add.stderr).toBe('');
    const id = /^(exc_[0-9a-f-]{36})\tproposed\tAS64500/m.exec(add.stdout)?.[1];
    expect(id).toBeTruthy();
    for (const [args, msg] of [
      [['exclusions', 'add', '--asn', '65999', ...range, '--reason', 'maintenance'], /unknown ASN 65999/],
      [
        [
          'exclusions',
          'add',
          '--all',
          '--from',
          '2026-10-10T03:00:00+08:00',
          '--to',
          '2026-10-10T01:00:00+08:00',
          '--reason',
          'data_fault',
        ],
        /must be after/,
      ],
      [['exclusions', 'approve', id!, '--as', 'wang'], /four-eyes.*IXMETER_ERR_FOUR_EYES/],
    ] as const) {
      const r = runCli([...args], env);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(msg);
    }
    expect(runCli(['exclusions', 'list', '--month', '2026-10'], env).stdout.trim().split('\n')).toHaveLength(1);
    const ok = runCli(['exclusions', 'approve', id!, '--as', 'li'], env);
    expect(ok.stdout).toMatch(/approved by cli:li/);

    svc = spawnCli(['serve'], env);
    await waitForHealth(`http://127.0.0.1:${port}`, 60_000);
    const viaApi = runCli(['exclusions', 'add', '--all', ...range, '--reason', 'data_fault'], env);
    expect(viaApi.stdout).toMatch(/proposed\tall members/);
    const list = runCli(['exclusions', 'list', '--month', '2026-10', '--asn', '64500'], env);
    expect(list.stdout.trim().split('\n')).toHaveLength(2);
    // the admin token proposed it: the same token cannot approve it
    const self = runCli(['exclusions', 'approve', /^(exc_\S+)/.exec(viaApi.stdout)![1]!], env);
    expect(self.stderr).toMatch(/IXMETER_ERR_FOUR_EYES|four-eyes/);
    svc.child.kill('SIGTERM');
    expect(await svc.exited).toBe(0);
  }, 180_000);
});
