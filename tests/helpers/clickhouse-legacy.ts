/**
 * Debian's clickhouse-server package (18.16) started on free ports in a temp dir, for the tests of
 * server mode's version refusal and connection/auth errors. Users: `default` (no password) and
 * `ixm` with password `secret`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeTcpPort, tempDir } from './env.js';

export interface LegacyClickhouse {
  url: string;
  stop(): Promise<void>;
}

export function hasLegacyClickhouse(): boolean {
  return spawnSync('sh', ['-c', 'command -v clickhouse-server'], { stdio: 'ignore' }).status === 0;
}

export async function startLegacyClickhouse(): Promise<LegacyClickhouse> {
  const dir = tempDir('ixmeter-ch18-');
  const [http, tcp] = [await freeTcpPort(), await freeTcpPort()];
  for (const d of ['data', 'tmp', 'user_files']) mkdirSync(join(dir.path, d));
  writeFileSync(
    join(dir.path, 'config.xml'),
    `<?xml version="1.0"?>
<yandex>
  <logger><level>error</level><console>1</console></logger>
  <http_port>${http}</http_port><tcp_port>${tcp}</tcp_port><listen_host>127.0.0.1</listen_host>
  <path>${dir.path}/data/</path><tmp_path>${dir.path}/tmp/</tmp_path><user_files_path>${dir.path}/user_files/</user_files_path>
  <users_config>users.xml</users_config><default_profile>default</default_profile><default_database>default</default_database>
  <mark_cache_size>5368709</mark_cache_size>
</yandex>`,
  );
  writeFileSync(
    join(dir.path, 'users.xml'),
    `<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users>
    <default><password></password><networks><ip>::/0</ip></networks><profile>default</profile><quota>default</quota></default>
    <ixm><password>secret</password><networks><ip>::/0</ip></networks><profile>default</profile><quota>default</quota></ixm>
  </users>
  <quotas><default></default></quotas>
</yandex>`,
  );
  const child: ChildProcess = spawn('clickhouse-server', [`--config-file=${join(dir.path, 'config.xml')}`], {
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${http}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const r = await fetch(`${url}/?query=SELECT%201`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      dir.cleanup();
      throw new Error('clickhouse-server 18.16 did not start within 30 s');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    async stop() {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      });
      dir.cleanup();
    },
  };
}
