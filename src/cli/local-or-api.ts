/**
 * Commands that touch data work whether or not a service runs: they open storage themselves, and when
 * a running embedded `serve` holds the data directory they go through its API with IXMETER_ADMIN_TOKEN.
 */
import type { Storage } from '../storage/clickhouse/client.js';
import { createAuditLog } from '../audit/audit.service.js';
import { loadConfig, type Config } from '../config/load.js';
import { AppError } from '../shared/errors.js';
import { createLogger } from '../shared/logger.js';
import { openMigratedStorage } from '../runtime/storage-setup.js';

export type ApiCall = (method: string, path: string, body?: unknown) => Promise<unknown>;

export type Local = { storage: Storage; audit: ReturnType<typeof createAuditLog> };

export async function withLocalOrApi<T>(
  local: (l: Local) => Promise<T>,
  remote: (api: ApiCall) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  const log = createLogger('warn');
  let opened: Awaited<ReturnType<typeof openMigratedStorage>>;
  try {
    opened = await openMigratedStorage(config, log);
  } catch (e) {
    if (!(e instanceof AppError && e.code === 'IXMETER_ERR_STORAGE_LOCKED')) throw e;
    return remote(apiCaller(config));
  }
  const { storage } = opened;
  try {
    const audit = createAuditLog(storage.client, log);
    const out = await local({ storage, audit });
    await audit.flush();
    return out;
  } finally {
    await storage.close();
  }
}

export function apiCaller(config: Config): ApiCall {
  const admin = config.IXMETER_ADMIN_TOKEN;
  if (!admin) {
    throw new AppError(
      'IXMETER_ERR_STORAGE_LOCKED',
      'a running ixmeter service holds the data directory; set IXMETER_ADMIN_TOKEN to the admin token it printed at first start so this command can go through its API',
    );
  }
  const host =
    config.IXMETER_HTTP_HOST === '0.0.0.0' || config.IXMETER_HTTP_HOST === '::'
      ? '127.0.0.1'
      : config.IXMETER_HTTP_HOST;
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${config.IXMETER_HTTP_PORT}/api/v1`;
  return async (method: string, path: string, body?: unknown): Promise<unknown> => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${admin}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch (e) {
      throw new AppError(
        'IXMETER_ERR_SERVICE_UNAVAILABLE',
        `the data directory is locked but the service API at ${base} does not answer`,
        { cause: e },
      );
    }
    const json = (await res.json()) as { code?: string; message?: string };
    if (!res.ok)
      throw new AppError(
        (json.code as never) ?? 'IXMETER_ERR_INTERNAL',
        `API ${method} ${path}: ${json.message ?? res.status}`,
      );
    return json;
  };
}
