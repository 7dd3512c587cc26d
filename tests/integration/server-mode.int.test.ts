/** Server mode against a real (old) ClickHouse: version refusal, auth and connection errors. */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, MIN_SERVER_VERSION, compareVersions } from '../../src/storage/clickhouse/client.js';
import { startLegacyClickhouse, type LegacyClickhouse } from '../helpers/clickhouse-legacy.js';
import { freeTcpPort, silentLog, tempDir, testConfig } from '../helpers/env.js';

let ch: LegacyClickhouse;
const dir = tempDir();

beforeAll(async () => {
  ch = await startLegacyClickhouse();
});
afterAll(async () => {
  await ch?.stop();
  dir.cleanup();
});

describe('server mode', () => {
  it('compares versions numerically', () => {
    expect(compareVersions('18.16.1', MIN_SERVER_VERSION)).toBeLessThan(0);
    expect(compareVersions('23.10.1', '23.8')).toBeGreaterThan(0);
    expect(compareVersions('25.8.2.1', MIN_SERVER_VERSION)).toBeGreaterThan(0);
  });

  it("refuses Debian's clickhouse-server 18.16 with a clear error", async () => {
    const cfg = testConfig(dir.path, { IXMETER_CLICKHOUSE_URL: ch.url });
    await expect(openStorage(cfg, silentLog)).rejects.toMatchObject({
      code: 'IXMETER_ERR_STORAGE_VERSION',
      message: expect.stringMatching(
        new RegExp(`version 18\\.16\\.1.*needs ${MIN_SERVER_VERSION.replace('.', '\\.')} or newer`),
      ),
    });
  });

  it('names the user when the password is wrong', async () => {
    const cfg = testConfig(dir.path, {
      IXMETER_CLICKHOUSE_URL: ch.url,
      IXMETER_CLICKHOUSE_USER: 'ixm',
      IXMETER_CLICKHOUSE_PASSWORD: 'wrong',
    });
    await expect(openStorage(cfg, silentLog)).rejects.toMatchObject({
      code: 'IXMETER_ERR_STORAGE_UNAVAILABLE',
      message: expect.stringMatching(/refused user 'ixm'.*IXMETER_CLICKHOUSE_PASSWORD/),
    });
  });

  it('says when nothing listens at the URL', async () => {
    const url = `http://127.0.0.1:${await freeTcpPort()}`;
    await expect(openStorage(testConfig(dir.path, { IXMETER_CLICKHOUSE_URL: url }), silentLog)).rejects.toMatchObject({
      code: 'IXMETER_ERR_STORAGE_UNAVAILABLE',
      message: expect.stringContaining(`cannot reach ClickHouse at ${url}`),
    });
  });

  it('`ixmeter serve` exits non-zero with the version message', () => {
    const r = spawnSync(process.execPath, ['bin/ixmeter.js', 'serve'], {
      env: {
        PATH: process.env.PATH,
        IXMETER_CLICKHOUSE_URL: ch.url,
        IXMETER_DATA_DIR: dir.path,
        IXMETER_LOG_LEVEL: 'silent',
        IXMETER_HTTP_PORT: '0',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/version 18\.16\.1; ixmeter needs .* \[IXMETER_ERR_STORAGE_VERSION\]/);
  });
});
