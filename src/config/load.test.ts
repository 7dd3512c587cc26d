import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../tests/helpers/env.js';
import { loadConfig, redactedConfig } from './load.js';
import { ConfigSchema } from './schema.js';

describe('configuration', () => {
  it('parses the defaults of contract.md', () => {
    const c = loadConfig({});
    expect(c.IXMETER_DATA_DIR).toBe('./data');
    expect(c.IXMETER_REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(c.IXMETER_HTTP_HOST).toBe('127.0.0.1');
    expect(c.IXMETER_HTTP_PORT).toBe(8080);
    expect(c.IXMETER_NETFLOW_PORT).toBe(2055);
    expect(c.IXMETER_IPFIX_PORT).toBe(4739);
    expect(c.IXMETER_SFLOW_PORT).toBe(6343);
    expect(c.IXMETER_TIMEZONE).toBe('Asia/Shanghai');
    expect(c.IXMETER_FLUSH_INTERVAL_MS).toBe(1000);
    expect(c.IXMETER_CLICKHOUSE_DATABASE).toBe('ixmeter');
    expect(c.embedded).toBe(true);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('names the bad key and value', () => {
    expect(() => loadConfig({ IXMETER_HTTP_PORT: 'eighty' })).toThrow(/IXMETER_HTTP_PORT="eighty"/);
    expect(() => loadConfig({ IXMETER_TIMEZONE: 'Mars/Olympus' })).toThrow(
      /IXMETER_TIMEZONE="Mars\/Olympus": must be an IANA time zone/,
    );
    expect(() => loadConfig({ IXMETER_CLICKHOUSE_URL: 'ftp://x' })).toThrow(/IXMETER_CLICKHOUSE_URL/);
    expect(() => loadConfig({ IXMETER_CLICKHOUSE_DATABASE: 'a-b' })).toThrow(/IXMETER_CLICKHOUSE_DATABASE="a-b"/);
    expect(() => loadConfig({ IXMETER_ADMIN_TOKEN: 'short' })).toThrow(
      /IXMETER_ADMIN_TOKEN=\[redacted\]: must be at least 16/,
    );
  });

  it('rejects unknown IXMETER_ variables, equal collector ports and a cluster without a server', () => {
    expect(() => loadConfig({ IXMETER_HTTP_PROT: '1' })).toThrow(/unknown environment variable IXMETER_HTTP_PROT/);
    expect(() => loadConfig({ IXMETER_NETFLOW_PORT: '4739' })).toThrow(/collector ports must differ/);
    expect(() => loadConfig({ IXMETER_CLICKHOUSE_CLUSTER: 'c1' })).toThrow(/needs IXMETER_CLICKHOUSE_URL/);
    expect(loadConfig({ IXMETER_NETFLOW_PORT: '0', IXMETER_IPFIX_PORT: '0' }).IXMETER_NETFLOW_PORT).toBe(0);
  });

  it('reads a YAML config file, the environment winning', () => {
    const d = tempDir();
    try {
      const f = join(d.path, 'ixmeter.yaml');
      writeFileSync(f, 'http_port: 9090\nIXMETER_TIMEZONE: UTC\n');
      const c = loadConfig({ IXMETER_CONFIG_FILE: f, IXMETER_TIMEZONE: 'Asia/Shanghai' });
      expect(c.IXMETER_HTTP_PORT).toBe(9090);
      expect(c.IXMETER_TIMEZONE).toBe('Asia/Shanghai');
      writeFileSync(f, 'htp_port: 1\n');
      expect(() => loadConfig({ IXMETER_CONFIG_FILE: f })).toThrow(/unknown setting 'htp_port'/);
      expect(() => loadConfig({ IXMETER_CONFIG_FILE: join(d.path, 'missing.yaml') })).toThrow(/cannot read/);
    } finally {
      d.cleanup();
    }
  });

  it('redacts secrets and URL passwords', () => {
    const c = loadConfig({
      IXMETER_CLICKHOUSE_URL: 'http://ch:8123',
      IXMETER_CLICKHOUSE_PASSWORD: 'hunter2',
      IXMETER_ADMIN_TOKEN: 'a-very-secret-token-1234',
      IXMETER_REDIS_URL: 'redis://user:pw@redis:6379',
    });
    const r = redactedConfig(c);
    expect(JSON.stringify(r)).not.toMatch(/hunter2|a-very-secret|:pw@/);
    expect(r.IXMETER_CLICKHOUSE_PASSWORD).toBe('[redacted]');
    expect(r.IXMETER_REDIS_URL).toBe('redis://user:[redacted]@redis:6379');
    expect(Object.keys(r)).toEqual(Object.keys(ConfigSchema.shape));
  });
});
