/**
 * One ClickHouse access path, two modes: embedded chDB (default) or a server over HTTP.
 * Every query in ixmeter goes through the `@clickhouse/client` returned here.
 */
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config/load.js';
import { AppError, errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { settingsPerStatement } from './query-settings.js';

/** Oldest ClickHouse server release we support (LTS): query parameters, IPv6, TTL, MVs, JSONCompactEachRow. */
export const MIN_SERVER_VERSION = '23.8';

export interface Storage {
  readonly client: ClickHouseClient;
  readonly mode: 'embedded' | 'server';
  readonly database: string;
  readonly cluster: string | undefined;
  readonly serverVersion: string;
  close(): Promise<void>;
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export async function openStorage(config: Config, log: Logger): Promise<Storage> {
  return config.embedded ? openEmbedded(config, log) : openServer(config, log);
}

/** Who holds an embedded data directory (chDB writes the PID into `status`). */
export function embeddedLockHolder(dir: string): string {
  try {
    const m = /PID:\s*(\d+)/.exec(readFileSync(join(dir, 'status'), 'utf8'));
    return m ? `process ${m[1]}` : 'another process';
  } catch {
    return 'another process';
  }
}

async function openEmbedded(config: Config, log: Logger): Promise<Storage> {
  const dir = join(config.dataDir, 'clickhouse');
  mkdirSync(dir, { recursive: true });
  const { createChdbConnection } = await import('chdb/connection');
  let connection: ReturnType<typeof createChdbConnection>;
  try {
    connection = createChdbConnection({ path: dir });
  } catch (e) {
    const holder = embeddedLockHolder(dir);
    throw new AppError(
      'IXMETER_ERR_STORAGE_LOCKED',
      `embedded ClickHouse data directory ${dir} is in use by ${holder}. chDB allows one process per data directory: ` +
        `stop that process, use another IXMETER_DATA_DIR, or run a ClickHouse server (IXMETER_CLICKHOUSE_URL) for several processes.`,
      { cause: e },
    );
  }
  // The client's own Connection types are a private copy (libs.md §3): the cast is the documented workaround.
  const client = settingsPerStatement(
    createClient({
      connection: connection as unknown as NonNullable<Parameters<typeof createClient>[0]>['connection'],
    }),
  );
  const database = config.IXMETER_CLICKHOUSE_DATABASE;
  // chDB ignores the client's `database` option; its session is stateful, so USE sticks for the process.
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  await client.command({ query: `USE ${database}` });
  const serverVersion = await readVersion(client);
  log.info({ dir, version: serverVersion }, 'embedded ClickHouse (chDB) opened');
  return { client, mode: 'embedded', database, cluster: undefined, serverVersion, close: () => client.close() };
}

async function openServer(config: Config, log: Logger): Promise<Storage> {
  const url = config.IXMETER_CLICKHOUSE_URL!;
  const database = config.IXMETER_CLICKHOUSE_DATABASE;
  const common = {
    url,
    username: config.IXMETER_CLICKHOUSE_USER,
    password: config.IXMETER_CLICKHOUSE_PASSWORD,
    request_timeout: 60_000,
    application: 'ixmeter',
  };
  // Connect without a database first: it may not exist yet, and old servers answer differently.
  // Its own console logging is off: every failure is reported by us, once, with what to do.
  const bootstrap = createClient({ ...common, log: { level: ClickHouseLogLevel.OFF } });
  let version: string;
  try {
    version = await readVersion(bootstrap);
  } catch (e) {
    await bootstrap.close();
    const msg = errorMessage(e);
    const auth = /authentication|password|AUTHENTICATION_FAILED|REQUIRED_PASSWORD|Code: 516|Code: 192|Code: 193/i.test(
      msg,
    );
    throw new AppError(
      'IXMETER_ERR_STORAGE_UNAVAILABLE',
      auth
        ? `ClickHouse at ${url} refused user '${config.IXMETER_CLICKHOUSE_USER}': ${msg.split('\n')[0]} (check IXMETER_CLICKHOUSE_USER / IXMETER_CLICKHOUSE_PASSWORD)`
        : `cannot reach ClickHouse at ${url}: ${msg.split('\n')[0]} (is the server running? unset IXMETER_CLICKHOUSE_URL to use embedded chDB)`,
      { cause: e },
    );
  }
  if (compareVersions(version, MIN_SERVER_VERSION) < 0) {
    await bootstrap.close();
    throw new AppError(
      'IXMETER_ERR_STORAGE_VERSION',
      `ClickHouse server at ${url} is version ${version}; ixmeter needs ${MIN_SERVER_VERSION} or newer (use a current LTS release)`,
    );
  }
  const onCluster = config.IXMETER_CLICKHOUSE_CLUSTER ? ` ON CLUSTER ${config.IXMETER_CLICKHOUSE_CLUSTER}` : '';
  await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}${onCluster}` });
  await bootstrap.close();
  const client = createClient({ ...common, database });
  log.info({ url, version, database, cluster: config.IXMETER_CLICKHOUSE_CLUSTER }, 'ClickHouse server connected');
  return {
    client,
    mode: 'server',
    database,
    cluster: config.IXMETER_CLICKHOUSE_CLUSTER,
    serverVersion: version,
    close: () => client.close(),
  };
}

async function readVersion(client: ClickHouseClient): Promise<string> {
  // TabSeparated works on every server generation (18.x has no JSONEachRow output settings we rely on).
  const rs = await client.query({ query: 'SELECT version()', format: 'TabSeparated' });
  return (await rs.text()).trim();
}
