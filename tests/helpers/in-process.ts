/** Start the all-in-one service inside the test process (real chDB, real Redis, real UDP sockets). */
import { createSocket } from 'node:dgram';
import type { Config } from '../../src/config/load.js';
import { startService, type RunningService } from '../../src/runtime/service.js';
import { freeUdpPort, silentLog, testConfig } from './env.js';

export interface TestService {
  svc: RunningService;
  config: Config;
  port: number;
  admin: string;
}

export async function startTestService(dataDir: string, env: Record<string, string> = {}): Promise<TestService> {
  const port = Number(env.IXMETER_NETFLOW_PORT ?? (await freeUdpPort()));
  const admin = 'test-admin-token-0123456789';
  const config = testConfig(dataDir, {
    IXMETER_NETFLOW_PORT: String(port),
    IXMETER_ADMIN_TOKEN: admin,
    IXMETER_FLUSH_INTERVAL_MS: '200',
    ...env,
  });
  const svc = await startService(config, silentLog, {
    parts: ['api', 'collector', 'worker'],
    installSignalHandlers: false,
  });
  return { svc, config, port, admin };
}

export async function sendDatagrams(
  port: number,
  payloads: Uint8Array[],
  opts: { from?: string; perSecond?: number } = {},
): Promise<void> {
  const sock = createSocket('udp4');
  // Only loopback addresses exist here: 127.0.0.0/8 gives each test exporter its own source address.
  await new Promise<void>((r, j) => {
    sock.once('error', j);
    sock.bind(0, opts.from ?? '127.0.0.1', () => r());
  });
  const perMs = (opts.perSecond ?? 20_000) / 1000;
  const t0 = Date.now();
  for (let i = 0; i < payloads.length; i++) {
    await new Promise<void>((r, j) => sock.send(payloads[i]!, port, '127.0.0.1', (e) => (e ? j(e) : r())));
    const ahead = i / perMs - (Date.now() - t0);
    if (ahead > 2) await new Promise((r) => setTimeout(r, ahead));
  }
  await new Promise<void>((r) => sock.close(() => r()));
}

export async function queryOne<T>(svc: RunningService, sql: string, params: Record<string, unknown> = {}): Promise<T> {
  const rs = await svc.storage.client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
  return (await rs.json<T>())[0]!;
}

/** Poll until fn() is true (bounded). */
export async function waitFor(fn: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
