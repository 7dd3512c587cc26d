/**
 * The one configuration schema. Keys are the environment variable names (contract.md), so an error
 * names exactly what the operator must fix, and docs/configuration.md's table is generated from here.
 * A config file (YAML or JSON, `IXMETER_CONFIG_FILE`) uses the same keys; the environment wins.
 */
import { z } from 'zod';
import { parseChannels, type Channel, type WebhookChannel } from './channels.js';
import { parseCorePorts, parseDirectionRules } from '../shared/exporter-rules.js';

const port = z.coerce.number().int().min(0).max(65535);
const bool = z.enum(['true', 'false']).transform((v) => v === 'true');
const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier (letters, digits, _)');

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Secrets are redacted by `ixmeter config` and in logs. */
export const SECRET_KEYS = new Set([
  'IXMETER_CLICKHOUSE_PASSWORD',
  'IXMETER_ADMIN_TOKEN',
  'IXMETER_WEBHOOKS',
  'IXMETER_SMTP_URL',
]);

/** Notification channels (src/config/channels.ts): `Webhook` is one entry of any kind. */
export type Webhook = Channel;
export type { WebhookChannel };

const webhooks = z.string().transform((text, ctx) => {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    ctx.addIssue({
      code: 'custom',
      message: 'must be a JSON array of {kind?, url, secret, min_severity?, types?, members?, events?}',
    });
    return z.NEVER;
  }
  const r = parseChannels(doc);
  if (!r.ok) {
    ctx.addIssue({ code: 'custom', message: r.problems.join('; ') });
    return z.NEVER;
  }
  return r.channels;
});

export const ConfigSchema = z.object({
  IXMETER_CONFIG_FILE: z
    .string()
    .optional()
    .describe('optional YAML/JSON file with any of these keys; environment variables win'),
  IXMETER_DATA_DIR: z
    .string()
    .min(1)
    .default('./data')
    .describe('embedded ClickHouse, spool, templates and other local state'),
  IXMETER_CLICKHOUSE_URL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe(
      'unset: embedded chDB in $IXMETER_DATA_DIR/clickhouse; set: ClickHouse server over HTTP(S), e.g. http://clickhouse:8123',
    ),
  IXMETER_CLICKHOUSE_USER: z.string().default('default').describe('server mode: ClickHouse user'),
  IXMETER_CLICKHOUSE_PASSWORD: z.string().default('').describe('server mode: ClickHouse password (secret)'),
  IXMETER_CLICKHOUSE_DATABASE: identifier.default('ixmeter').describe('database holding every ixmeter table'),
  IXMETER_CLICKHOUSE_CLUSTER: identifier
    .optional()
    .describe('server mode: cluster name; DDL renders ON CLUSTER with Replicated engines and Distributed tables'),
  IXMETER_REDIS_URL: z
    .url({ protocol: /^rediss?$/ })
    .default('redis://127.0.0.1:6379')
    .describe("BullMQ's Redis"),
  IXMETER_REDIS_PREFIX: identifier
    .default('ixmeter')
    .describe('key prefix of every BullMQ queue (isolates installations sharing a Redis)'),
  IXMETER_REDIS_AUTOSTART: bool
    .default(true)
    .describe(
      'with the default URL and no Redis listening, start a private redis-server (data in $IXMETER_DATA_DIR/redis, AOF on)',
    ),
  IXMETER_HTTP_HOST: z.string().min(1).default('127.0.0.1').describe('API and web console listen address'),
  IXMETER_HTTP_PORT: port.default(8080).describe('API and web console port'),
  IXMETER_UDP_HOST: z.string().min(1).default('0.0.0.0').describe('address the flow collectors listen on'),
  IXMETER_NETFLOW_PORT: port
    .default(2055)
    .describe('UDP, NetFlow v5 and v9 (0 disables; every port accepts every protocol)'),
  IXMETER_IPFIX_PORT: port.default(4739).describe('UDP, IPFIX (0 disables)'),
  IXMETER_SFLOW_PORT: port.default(6343).describe('UDP, sFlow v5 (0 disables)'),
  IXMETER_UDP_RECEIVER_NICE: z.coerce
    .number()
    .int()
    .min(-20)
    .max(19)
    .default(-10)
    .describe(
      'Linux nice value of the UDP socket thread, which only copies datagrams into the decode queue, so that nothing else delays reading the sockets (below 0 needs root or CAP_SYS_NICE; when refused the thread keeps its priority and a warning is logged)',
    ),
  IXMETER_UDP_DECODER_NICE: z.coerce
    .number()
    .int()
    .min(-20)
    .max(19)
    .default(-5)
    .describe(
      'Linux nice value of the decode thread (decode, attribution, detection): ahead of database work, which can catch up from memory and the spool, behind the socket thread',
    ),
  IXMETER_UDP_QUEUE_BYTES: z.coerce
    .number()
    .int()
    .min(1 << 20)
    .max(2 ** 31 - 64)
    .default(256 * 1024 * 1024)
    .describe(
      'size of the in-memory queue between the socket thread and the decode thread (≈ 3 s of 60k sFlow datagrams/s); when full, datagrams are dropped and counted per exporter (reason queue_full)',
    ),
  IXMETER_UDP_RECV_BUFFER_BYTES: z.coerce
    .number()
    .int()
    .min(65536)
    .max(2 ** 31 - 1)
    .default(32 * 1024 * 1024)
    .describe('SO_RCVBUF asked for each collector socket (the kernel caps it at net.core.rmem_max)'),
  IXMETER_SAMPLING_OVERRIDES: z
    .string()
    .optional()
    .describe(
      'forced sampling rates per exporter subnet, "CIDR=rate,…" (e.g. 192.0.2.0/24=4096); wins over what devices report',
    ),
  IXMETER_SAMPLING_DEFAULTS: z
    .string()
    .optional()
    .describe(
      'sampling rates per exporter subnet used only when a device reports none ("CIDR=rate,…"; 0.0.0.0/0 and ::/0 work as catch-alls)',
    ),
  IXMETER_FLOW_DIRECTION_OVERRIDES: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      try {
        parseDirectionRules(v, 'IXMETER_FLOW_DIRECTION_OVERRIDES');
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message.replace(/^IXMETER_\w+: /, '') });
      }
    })
    .describe(
      'NetFlow v9/IPFIX flowDirection (IE 61) handling per exporter subnet, "CIDR=mode,…": auto (default: an exporter+domain sending ingress and egress records of the same traffic is counted on ingress only), ingress (always count ingress records only), all or both (count records of both directions)',
    ),
  IXMETER_CORE_PORTS: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      try {
        parseCorePorts(v, 'IXMETER_CORE_PORTS');
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message.replace(/^IXMETER_\w+: /, '') });
      }
    })
    .describe(
      'inter-switch (core/trunk) ports, "exporter:ifIndex,…" (IPv6 exporters in brackets: [2001:db8::1]:7): samples whose input interface is one are counted in exporter stats (ignored: core_port) and never stored as member traffic',
    ),
  IXMETER_TEMPLATE_HOLD_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(600_000)
    .default(10_000)
    .describe('how long NetFlow v9/IPFIX data waiting for its template is held before it is dropped (counted)'),
  IXMETER_RECONCILE_THRESHOLD_PCT: z.coerce
    .number()
    .min(0.1)
    .max(100)
    .default(5)
    .describe('flag a port when flow-estimated and counter bytes of a day differ by more than this percentage'),
  IXMETER_WEBHOOKS: webhooks
    .default([])
    .describe(
      'notification channels: JSON array of {kind: webhook|dingtalk|wecom|feishu|email (default webhook), url, secret, min_severity, types, members, events, lang}; delivered by BullMQ with retries (docs/security-guide.md; secret)',
    ),
  IXMETER_SMTP_URL: z
    .url({ protocol: /^smtps?$/ })
    .optional()
    .describe('SMTP server of the email channel, e.g. smtp://user:pass@mail.example:587 or smtps://…:465 (secret)'),
  IXMETER_SMTP_FROM: z
    .string()
    .min(3)
    .default('ixmeter <ixmeter@localhost>')
    .describe('sender address of the email channel'),
  IXMETER_SECURITY_FILE: z
    .string()
    .optional()
    .describe(
      'YAML/JSON file with detector thresholds and per-member/per-prefix overrides (src/security/thresholds.ts; defaults: domain.md §5.6, FastNetMon, Zeek)',
    ),
  IXMETER_SECURITY_FAST_PATH: bool
    .default(true)
    .describe('run the threshold detectors on the live flow stream in the collector (alerts within seconds)'),
  IXMETER_MEMBERS_FILE: z.string().optional().describe('IX-F Member Export JSON loaded at start'),
  IXMETER_ADMIN_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters')
    .optional()
    .describe('bootstrap admin token; unset: the first start creates one and prints it once (secret)'),
  IXMETER_TIMEZONE: z
    .string()
    .refine(isTimeZone, 'must be an IANA time zone such as Asia/Shanghai')
    .default('Asia/Shanghai')
    .describe('billing months and schedules'),
  IXMETER_FLUSH_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(50)
    .max(60_000)
    .default(1000)
    .describe('longest time a received flow waits before it is queryable'),
  IXMETER_WRITER_MEMORY_ROWS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(100_000_000)
    .default(1_000_000)
    .describe(
      'flow rows the writer keeps in memory while ClickHouse is slow or down; beyond it batches go to the spool, and when the disk is full too they are dropped and counted (reason disk_full)',
    ),
  IXMETER_WRITE_AHEAD: bool
    .default(true)
    .describe(
      'write every flow batch to $IXMETER_DATA_DIR/spool as soon as it is decoded and delete it once inserted: after a kill -9 or power loss the next start replays it (deduplicated), so at most the decode batch wait (IXMETER_FLUSH_INTERVAL_MS / 2) of decoded flows is lost (no fsync: a power loss may tear the last files)',
    ),
  IXMETER_BATCH_SIZE: z.coerce
    .number()
    .int()
    .min(100)
    .max(1_000_000)
    .default(500_000)
    .describe(
      'rows per ClickHouse insert batch (at most; IXMETER_FLUSH_INTERVAL_MS bounds the wait): large batches cost chDB far less CPU per row (measured: 500k rows ≈ 20 % less than 250k)',
    ),
  IXMETER_RAW_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(183, 'must be at least 183 days: the Cybersecurity Law (Art. 21) requires network logs for at least 6 months')
    .max(3650)
    .default(190)
    .describe('raw flow retention (CSL Art. 21 floor is 6 months; PIPL: no longer than necessary)'),
  IXMETER_ROLLUP_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(31)
    .max(36500)
    .default(1827)
    .describe('5-minute member rollups kept as billing evidence (default 5 years)'),
  IXMETER_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('log level (pino)'),
  IXMETER_LOG_FORMAT: z
    .enum(['auto', 'json', 'pretty'])
    .default('auto')
    .describe('log lines: auto = human-readable (pino-pretty) on a terminal, JSON otherwise (journald, Loki, files)'),
  IXMETER_AUDIT_FLUSH_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(5000)
    .default(250)
    .describe(
      'longest time an audit entry for a read waits before it is written, batched with others (writes are written at once; 0: every entry at once)',
    ),
  IXMETER_API_CACHE_MB: z.coerce
    .number()
    .int()
    .min(0)
    .max(65536)
    .default(64)
    .describe(
      "in-process cache of settled member traffic and statement answers (0 disables); writes invalidate it, other processes' writes within 2 s",
    ),
  IXMETER_RATE_LIMIT_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(1)
    .default(6000)
    .describe('API requests per minute per token (or per IP without token)'),
  IXMETER_UTILIZATION_THRESHOLD_PCT: z.coerce
    .number()
    .min(1)
    .max(100)
    .default(80)
    .describe(
      "PORT_UTILIZATION warning when a member port's 5-minute rate reaches this share of its capacity (a member's ixmeter.utilization_threshold_pct wins)",
    ),
  IXMETER_UTILIZATION_BUCKETS: z.coerce
    .number()
    .int()
    .min(1)
    .max(288)
    .default(3)
    .describe('consecutive complete 5-minute buckets at or above the threshold before PORT_UTILIZATION opens'),
  IXMETER_PUBLIC_STATS: bool
    .default(false)
    .describe(
      'publish the fabric total (no member names or numbers) at the unauthenticated /stats page and /api/v1/public/traffic (cached, rate-limited); off: both answer 404',
    ),
  IXMETER_METRICS_TOP_MEMBERS: z.coerce
    .number()
    .int()
    .min(0)
    .max(1000)
    .default(20)
    .describe(
      '/metrics: per-member traffic gauges for this many members (largest last-5-minute rate), the rest summed as asn="other"',
    ),
});

export type ConfigInput = z.input<typeof ConfigSchema>;
export type ConfigValues = z.output<typeof ConfigSchema>;
