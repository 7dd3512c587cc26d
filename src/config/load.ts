/** Load, validate and freeze the configuration once per process. Nothing else reads process.env. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { AppError, errorMessage } from '../shared/errors.js';
import { parseSamplingRules } from '../shared/sampling-rules.js';
import { ConfigSchema, SECRET_KEYS, type ConfigValues } from './schema.js';

export type Config = Readonly<ConfigValues & { dataDir: string; embedded: boolean }>;

const KNOWN = new Set(Object.keys(ConfigSchema.shape));

/** Keys in a file may be written as IXMETER_HTTP_PORT or http_port. */
function normalizeKey(k: string): string {
  const up = k.toUpperCase();
  return up.startsWith('IXMETER_') ? up : `IXMETER_${up}`;
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new AppError('IXMETER_ERR_CONFIG_INVALID', `IXMETER_CONFIG_FILE=${path}: cannot read (${errorMessage(e)})`, {
      cause: e,
    });
  }
  let doc: unknown;
  try {
    doc = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new AppError(
      'IXMETER_ERR_CONFIG_INVALID',
      `IXMETER_CONFIG_FILE=${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'} (${errorMessage(e)})`,
      { cause: e },
    );
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new AppError(
      'IXMETER_ERR_CONFIG_INVALID',
      `IXMETER_CONFIG_FILE=${path}: must be a mapping of setting names to values`,
    );
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) {
    const key = normalizeKey(k);
    if (!KNOWN.has(key)) throw new AppError('IXMETER_ERR_CONFIG_INVALID', `${path}: unknown setting '${k}'`);
    out[key] = typeof v === 'string' ? v : String(v);
  }
  return out;
}

/**
 * Build the config from environment variables (and the optional file). Empty strings count as unset.
 * Unknown IXMETER_* environment variables are rejected so that typos do not pass silently.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const fromEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (!k.startsWith('IXMETER_') || v === undefined || v === '') continue;
    if (!KNOWN.has(k))
      throw new AppError(
        'IXMETER_ERR_CONFIG_INVALID',
        `unknown environment variable ${k} (see 'ixmeter config --help' or docs/configuration.md)`,
      );
    fromEnv[k] = v;
  }
  const file = fromEnv.IXMETER_CONFIG_FILE;
  const merged = { ...(file ? readConfigFile(file) : {}), ...fromEnv };
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const key = String(i.path[0] ?? '?');
      const raw = merged[key as keyof typeof merged];
      const shown = SECRET_KEYS.has(key) ? '[redacted]' : JSON.stringify(raw);
      return `${key}=${shown}: ${i.message}`;
    });
    throw new AppError('IXMETER_ERR_CONFIG_INVALID', `invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const v = parsed.data;
  const ports = [v.IXMETER_NETFLOW_PORT, v.IXMETER_IPFIX_PORT, v.IXMETER_SFLOW_PORT].filter((p) => p !== 0);
  if (new Set(ports).size !== ports.length) {
    throw new AppError(
      'IXMETER_ERR_CONFIG_INVALID',
      `collector ports must differ: NETFLOW=${v.IXMETER_NETFLOW_PORT} IPFIX=${v.IXMETER_IPFIX_PORT} SFLOW=${v.IXMETER_SFLOW_PORT}`,
    );
  }
  if (v.IXMETER_CLICKHOUSE_CLUSTER && !v.IXMETER_CLICKHOUSE_URL) {
    throw new AppError(
      'IXMETER_ERR_CONFIG_INVALID',
      `IXMETER_CLICKHOUSE_CLUSTER=${v.IXMETER_CLICKHOUSE_CLUSTER} needs IXMETER_CLICKHOUSE_URL (embedded chDB has no cluster)`,
    );
  }
  const email = v.IXMETER_WEBHOOKS.findIndex((c) => c.kind === 'email');
  if (email >= 0 && !v.IXMETER_SMTP_URL) {
    throw new AppError(
      'IXMETER_ERR_CONFIG_INVALID',
      `IXMETER_WEBHOOKS[${email}] (kind email) needs IXMETER_SMTP_URL (e.g. smtp://mail.example:587)`,
    );
  }
  for (const key of ['IXMETER_SAMPLING_OVERRIDES', 'IXMETER_SAMPLING_DEFAULTS'] as const) {
    try {
      parseSamplingRules(v[key], key);
    } catch (e) {
      throw new AppError(
        'IXMETER_ERR_CONFIG_INVALID',
        `${key}=${JSON.stringify(v[key])}: ${errorMessage(e).replace(`${key}: `, '')}`,
      );
    }
  }
  return Object.freeze({ ...v, dataDir: resolve(v.IXMETER_DATA_DIR), embedded: !v.IXMETER_CLICKHOUSE_URL });
}

/** The effective config as printed by `ixmeter config`: secrets and URL passwords redacted. */
export function redactedConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(ConfigSchema.shape)) {
    const value = (config as Record<string, unknown>)[key];
    if (value === undefined) {
      out[key] = null;
      continue;
    }
    if (SECRET_KEYS.has(key)) {
      out[key] = value === '' ? '' : '[redacted]';
      continue;
    }
    out[key] = typeof value === 'string' ? redactUrlPassword(value) : value;
  }
  return out;
}

export function redactUrlPassword(s: string): string {
  return s.replace(/^([a-z]+:\/\/[^:/@]*:)[^@]*@/i, '$1[redacted]@');
}
