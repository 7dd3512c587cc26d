/** The environment of one `ixmeter serve` process in a fault test or bench: own data dir, database, Redis prefix, ports. */
import { freeTcpPort, freeUdpPort, uniqueName } from './env.js';

export interface ServeEnv {
  env: Record<string, string>;
  db: string;
  port: number;
  netflow: number;
  url: string;
  admin: string;
}

export async function serveEnv(name: string, dataDir: string, extra: Record<string, string> = {}): Promise<ServeEnv> {
  const port = await freeTcpPort();
  const netflow = await freeUdpPort();
  const db = uniqueName(name);
  const admin = `${name}-admin-token-0123456789`;
  const env = {
    IXMETER_DATA_DIR: dataDir,
    IXMETER_CLICKHOUSE_DATABASE: db,
    IXMETER_REDIS_PREFIX: uniqueName(name),
    IXMETER_HTTP_PORT: String(port),
    IXMETER_ADMIN_TOKEN: admin,
    IXMETER_NETFLOW_PORT: String(netflow),
    IXMETER_IPFIX_PORT: '0',
    IXMETER_SFLOW_PORT: '0',
    ...extra,
  };
  return { env, db, port, netflow, url: `http://127.0.0.1:${port}`, admin };
}
