/**
 * Redis for BullMQ. When Redis is unreachable: with the default URL and a redis-server binary on the
 * PATH (and IXMETER_REDIS_AUTOSTART), start a private one (127.0.0.1, AOF on, data in
 * $IXMETER_DATA_DIR/redis) and stop it on exit; otherwise fail with a message saying how to start one.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Config } from '../../config/load.js';
import { redactUrlPassword } from '../../config/load.js';
import { AppError, errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface RedisHandle {
  readonly url: string;
  /** Shared connection for commands (BullMQ queues create their own from `connectionOptions`). */
  readonly connection: Redis;
  readonly privateServer: boolean;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

async function tryConnect(url: string, timeoutMs: number): Promise<Redis> {
  const r = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    connectTimeout: timeoutMs,
    retryStrategy: (n) => Math.min(n * 200, 2000),
  });
  r.on('error', () => undefined); // reported through ping() and health; ioredis reconnects by itself
  try {
    await Promise.race([
      r.connect(),
      new Promise((_, rej) => setTimeout(() => rej(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)),
    ]);
    await r.ping();
    return r;
  } catch (e) {
    r.disconnect();
    throw e;
  }
}

function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function startPrivateRedis(dataDir: string, log: Logger): Promise<ChildProcess> {
  const dir = join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    'redis-server',
    ['--bind', '127.0.0.1', '--port', '6379', '--dir', dir, '--appendonly', 'yes', '--save', '', '--daemonize', 'no'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  child.stderr?.on('data', (d: Buffer) => log.warn({ redis: d.toString().trim() }, 'private redis-server'));
  log.info({ pid: child.pid, dir }, 'started a private redis-server on 127.0.0.1:6379 (AOF on)');
  return child;
}

export async function connectRedis(config: Config, log: Logger): Promise<RedisHandle> {
  const url = config.IXMETER_REDIS_URL;
  let child: ChildProcess | undefined;
  let connection: Redis;
  try {
    connection = await tryConnect(url, 2000);
  } catch (first) {
    const canStart = url.replace(/\/$/, '') === DEFAULT_REDIS_URL && config.IXMETER_REDIS_AUTOSTART && hasRedisServer();
    if (!canStart) {
      throw new AppError(
        'IXMETER_ERR_REDIS_UNAVAILABLE',
        `cannot reach Redis at ${redactUrlPassword(url)}: ${errorMessage(first)}. Start one, e.g. ` +
          `'redis-server --daemonize yes --bind 127.0.0.1 --port 6379' (Debian: apt-get install redis-server), or set IXMETER_REDIS_URL.`,
        { cause: first },
      );
    }
    child = await startPrivateRedis(config.dataDir, log);
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        connection = await tryConnect(url, 1000);
        break;
      } catch (e) {
        if (Date.now() > deadline || child.exitCode !== null) {
          child.kill('SIGTERM');
          throw new AppError(
            'IXMETER_ERR_REDIS_UNAVAILABLE',
            `started a private redis-server but cannot reach it at ${url}: ${errorMessage(e)}`,
            { cause: e },
          );
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
  const proc = child;
  return {
    url,
    connection,
    privateServer: proc !== undefined,
    async ping() {
      try {
        return (
          (await Promise.race([
            connection.ping(),
            new Promise<string>((r) => setTimeout(() => r('timeout'), 1000)),
          ])) === 'PONG'
        );
      } catch {
        return false;
      }
    },
    async close() {
      try {
        await connection.quit();
      } catch {
        connection.disconnect();
      }
      if (proc && proc.exitCode === null) {
        await new Promise<void>((resolve) => {
          proc.once('exit', () => resolve());
          proc.kill('SIGTERM'); // redis-server fsyncs the AOF on SIGTERM
          setTimeout(() => {
            proc.kill('SIGKILL');
            resolve();
          }, 5000).unref();
        });
      }
    },
  };
}
