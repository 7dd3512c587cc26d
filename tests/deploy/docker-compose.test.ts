/** docker-compose.yml is valid (Debian's docker-compose, no engine needed) and describes server mode. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const env = { ...process.env, CLICKHOUSE_PASSWORD: 'ci-password', IXMETER_ADMIN_TOKEN: 'ci-admin-token-0123456789' };

describe('docker-compose.yml', () => {
  it('validates with docker-compose config and runs ixmeter in server mode', () => {
    const q = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], { env, encoding: 'utf8' });
    expect(q.error, 'docker-compose must be installed (apt-get install docker-compose)').toBeUndefined();
    expect(q.stderr).toBe('');
    expect(q.status).toBe(0);
    const r = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], { env, encoding: 'utf8' });
    const doc = parse(r.stdout) as {
      services: Record<
        string,
        { image?: string; command?: string[]; healthcheck?: unknown; environment?: Record<string, string> }
      >;
    };
    expect(Object.keys(doc.services).sort()).toEqual(['api', 'clickhouse', 'collector', 'redis', 'worker']);
    expect(doc.services.clickhouse!.image).toMatch(/^clickhouse\/clickhouse-server:\d+\.\d+$/);
    for (const part of ['api', 'collector', 'worker']) {
      const s = doc.services[part]!;
      expect(s.command).toEqual([part]);
      expect(s.healthcheck).toBeTruthy();
      expect(s.environment!.IXMETER_CLICKHOUSE_URL).toBe('http://clickhouse:8123');
      expect(s.environment!.IXMETER_REDIS_URL).toBe('redis://redis:6379');
    }
  });

  it('refuses to render without the required secrets', () => {
    const r = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], {
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/CLICKHOUSE_PASSWORD|IXMETER_ADMIN_TOKEN/);
  });
});
