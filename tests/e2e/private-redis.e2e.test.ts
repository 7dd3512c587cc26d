/**
 * With the default Redis URL and nothing listening there, `serve` starts a private redis-server
 * (127.0.0.1, AOF on, data in $IXMETER_DATA_DIR/redis) and stops it on exit. The machine's own Redis
 * holds 127.0.0.1:6379, so the service runs in a fresh network namespace (unshare -n, as root).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/env.js';
import { baseEnv } from '../helpers/service.js';

const canUnshare =
  process.getuid?.() === 0 &&
  spawnSync('unshare', ['-n', 'true']).status === 0 &&
  spawnSync('sh', ['-c', 'command -v redis-server']).status === 0;

function inNamespace(pid: number, script: string): string {
  const r = spawnSync('nsenter', ['-t', String(pid), '-n', process.execPath, '-e', script], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return r.stdout.trim();
}

describe.skipIf(!canUnshare)('private redis-server', () => {
  it('is started when Redis is not running at the default URL, and stopped on exit', async () => {
    const d = tempDir();
    const env = baseEnv({
      IXMETER_DATA_DIR: d.path,
      IXMETER_REDIS_AUTOSTART: 'true',
      IXMETER_NETFLOW_PORT: '0',
      IXMETER_IPFIX_PORT: '0',
      IXMETER_SFLOW_PORT: '0',
      IXMETER_ADMIN_TOKEN: 'private-redis-admin-0123',
    });
    const child = spawn(
      'unshare',
      ['-n', 'sh', '-c', `ip link set lo up && exec ${process.execPath} bin/ixmeter.js serve`],
      { env, stdio: 'ignore' },
    );
    try {
      let health = '';
      const probe =
        "fetch('http://127.0.0.1:8080/api/v1/health').then(r=>r.text()).then(t=>console.log(t)).catch(()=>console.log(''))";
      for (let i = 0; i < 120 && !health.includes('"status"'); i++) {
        await new Promise((r) => setTimeout(r, 500));
        health = inNamespace(child.pid!, probe);
      }
      const h = JSON.parse(health) as { status: string; redis: { status: string; private_server: boolean } };
      expect(h.status).toBe('ok');
      expect(h.redis).toEqual({ status: 'ok', private_server: true });
      expect(
        existsSync(join(d.path, 'redis', 'appendonlydir')) || existsSync(join(d.path, 'redis', 'appendonly.aof')),
      ).toBe(true);
    } finally {
      const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      // unshare execs sh which execs node: the child pid is the service itself.
      child.kill('SIGTERM');
      // exit 0 means every stop step ran, including the private redis-server's SIGTERM and wait.
      expect(await exited).toBe(0);
      d.cleanup();
    }
  }, 90_000);
});
