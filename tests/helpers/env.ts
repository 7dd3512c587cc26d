/** Test helpers: temp dirs, free ports, configs for isolated runs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config/load.js';
import { createLogger } from '../../src/shared/logger.js';

export function tempDir(prefix = 'ixmeter-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export async function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

/** A config for one isolated test: own data dir, database, Redis prefix; collectors off unless given. */
export function testConfig(dataDir: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    IXMETER_DATA_DIR: dataDir,
    IXMETER_CLICKHOUSE_DATABASE: uniqueName('test'),
    IXMETER_REDIS_PREFIX: uniqueName('test'),
    IXMETER_HTTP_PORT: '0',
    IXMETER_NETFLOW_PORT: '0',
    IXMETER_IPFIX_PORT: '0',
    IXMETER_SFLOW_PORT: '0',
    IXMETER_LOG_LEVEL: 'silent',
    IXMETER_REDIS_AUTOSTART: 'false',
    ...env,
  });
}

export const silentLog = createLogger('silent');
