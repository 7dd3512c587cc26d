/** Redis connection: real server at the configured URL, clear error when unreachable. */
import { describe, expect, it } from 'vitest';
import { connectRedis } from '../../src/storage/redis/connection.js';
import { freeTcpPort, silentLog, tempDir, testConfig } from '../helpers/env.js';
import { runCli } from '../helpers/service.js';

describe('redis', () => {
  it('connects to the running Redis', async () => {
    const d = tempDir();
    const r = await connectRedis(testConfig(d.path), silentLog);
    expect(await r.ping()).toBe(true);
    expect(r.privateServer).toBe(false);
    await r.close();
    d.cleanup();
  });

  it('names the URL and how to start Redis when it is unreachable', async () => {
    const d = tempDir();
    const url = `redis://127.0.0.1:${await freeTcpPort()}`;
    await expect(connectRedis(testConfig(d.path, { IXMETER_REDIS_URL: url }), silentLog)).rejects.toMatchObject({
      code: 'IXMETER_ERR_REDIS_UNAVAILABLE',
      message: expect.stringMatching(new RegExp(`cannot reach Redis at ${url}.*redis-server --daemonize yes`)),
    });
    const serve = runCli(['serve'], {
      IXMETER_DATA_DIR: d.path,
      IXMETER_REDIS_URL: url,
      IXMETER_HTTP_PORT: '0',
      IXMETER_NETFLOW_PORT: '0',
      IXMETER_IPFIX_PORT: '0',
      IXMETER_SFLOW_PORT: '0',
    });
    expect(serve.status).toBe(1);
    expect(serve.stderr).toContain(`cannot reach Redis at ${url}`);
    expect(serve.stderr).toContain('IXMETER_ERR_REDIS_UNAVAILABLE');
    d.cleanup();
  });
});
