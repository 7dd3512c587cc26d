/**
 * The composition root. `ixmeter serve` runs every part in one process (required with embedded
 * chDB: one process per data directory); `ixmeter api|collector|worker` run one part each against a
 * ClickHouse server. Dependencies are created here and passed down explicitly.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from '../api/app.js';
import type { CollectorStatus } from '../api/deps.js';
import type { Config } from '../config/load.js';
import { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { createMetrics } from '../shared/metrics.js';
import { connectRedis } from '../storage/redis/connection.js';
import type { Storage } from '../storage/clickhouse/client.js';
import { installLifecycle, type StopStep } from './lifecycle.js';
import { openMigratedStorage } from './storage-setup.js';
// The composition root is the one place in src/ that may import collectors/.
import { startCollectorPart, type CollectorPart } from '../../collectors/part.js';
import type { MembersService } from '../members/members.service.js';
import { createDomainServices, type DomainServices } from './domain-services.js';
import { createQueues } from '../jobs/queues.js';
import { startWorkers } from '../jobs/worker.js';
import { createSecurityScan } from '../alerts/security-scan.js';
import { readSecuritySettings } from '../alerts/security-settings.js';
import { readFileSync } from 'node:fs';
import { createCacheWatch } from '../api/cache-watch.js';
import { createBackupJobs } from '../backup/jobs.js';
import { checkDataIncidents } from '../operations/data-incidents.js';
import { incidentAlerts } from '../operations/incident-alerts.js';

/** IXMETER_MEMBERS_FILE: imported at every start when it changed; a bad file is logged and changes nothing (ingest goes on). */
async function importMembersFileAtStart(members: MembersService, file: string, log: Logger): Promise<void> {
  try {
    const s = await members.importRegistry(readFileSync(file, 'utf8'), {
      source: file,
      actor: 'IXMETER_MEMBERS_FILE',
      skipIfUnchanged: true,
    });
    log.info({ file, ...s }, s.unchanged ? 'member file unchanged since the last import' : 'member file imported');
  } catch (err) {
    log.error({ err, file }, 'IXMETER_MEMBERS_FILE was not imported; the registry is unchanged');
  }
}

export type Part = 'api' | 'collector' | 'worker';

export interface ServiceOptions {
  parts: readonly Part[];
  /** Print the generated first admin token (CLI); tests read it from the result instead. */
  printAdminToken?: (token: string) => void;
  installSignalHandlers?: boolean;
}

export interface RunningService {
  url: string | null;
  /** The storage this process owns (tests query it; chDB allows no second opener). */
  storage: Storage;
  /** The domain services of this process (tests drive them directly). */
  domain: DomainServices;
  collectorListeners: () => Array<{ protocol: string; port: number; bound: boolean }>;
  adminToken: string | undefined;
  stop(): Promise<void>;
}

export async function startService(config: Config, log: Logger, opts: ServiceOptions): Promise<RunningService> {
  const all = opts.parts.length === 3;
  if (config.embedded && !all) {
    throw new AppError(
      'IXMETER_ERR_CONFIG_INVALID',
      `'ixmeter ${opts.parts.join(',')}' runs one part of ixmeter alone, which needs a ClickHouse server (IXMETER_CLICKHOUSE_URL): ` +
        "embedded chDB allows one process per data directory. Run 'ixmeter serve' for the all-in-one service.",
    );
  }
  const steps: StopStep[] = [];
  const stopAll = async () => {
    for (const s of [...steps].reverse()) {
      try {
        await s.run();
      } catch (err) {
        log.error({ err, step: s.name }, 'stop step failed');
      }
    }
  };
  try {
    const { storage, migrations } = await openMigratedStorage(config, log);
    steps.push({ name: 'clickhouse', run: () => storage.close() });
    log.info({ applied: migrations.applied, alreadyApplied: migrations.alreadyApplied }, 'migrations checked');

    const redis = await connectRedis(config, log);
    steps.push({ name: 'redis', run: () => redis.close() });
    const queues = createQueues(config.IXMETER_REDIS_URL, config.IXMETER_REDIS_PREFIX);
    steps.push({ name: 'queues', run: () => queues.close() });

    const metrics = createMetrics();
    let collectorPart: CollectorPart | null = null;
    const domain = createDomainServices(
      storage,
      config,
      log,
      {
        liveExporters: opts.parts.includes('collector')
          ? () => {
              if (!collectorPart) return { id: '', stats: [], templates: {} };
              const c = collectorPart.collector;
              const e = c.exporters();
              return { id: c.id, stats: e.stats, templates: e.templates };
            }
          : null,
        onAssignmentsChanged: () =>
          void collectorPart?.reloadAssignments().catch((err) => log.error({ err }, 'attribution keys reload failed')),
      },
      queues,
    );
    const { tokens, audit, members } = domain;
    steps.push({ name: 'audit', run: () => audit.flush() });

    const boot = await tokens.bootstrapAdmin(config.IXMETER_ADMIN_TOKEN);
    if (boot.envTokenRevoked) log.warn('IXMETER_ADMIN_TOKEN was revoked and stays revoked: set a new one');
    if (boot.token) {
      log.warn('no admin token existed: created the first one (printed once on the console)');
      opts.printAdminToken?.(boot.token);
    }
    const usageTimer = setInterval(
      () => void tokens.flushUsage().catch((err) => log.warn({ err }, 'token usage flush failed')),
      30_000,
    );
    usageTimer.unref();
    steps.push({
      name: 'token-usage',
      run: async () => {
        clearInterval(usageTimer);
        await tokens.flushUsage();
      },
    });

    if (config.IXMETER_MEMBERS_FILE) await importMembersFileAtStart(members, config.IXMETER_MEMBERS_FILE, log);
    if (opts.parts.includes('worker'))
      await checkDataIncidents({
        client: storage.client,
        database: storage.database,
        log,
        alert: incidentAlerts(domain.alerts),
      });

    if (opts.parts.includes('collector')) {
      collectorPart = await startCollectorPart(
        config,
        log,
        metrics.registry,
        storage.client,
        storage.mode,
        (candidates) => {
          void domain.alerts.ingest(candidates).catch((err) => log.error({ err }, 'alert ingest failed'));
        },
      );
      const part = collectorPart;
      steps.push({ name: 'collectors', run: () => part.stop() });
      void domain.alerts.warm().catch((err) => log.warn({ err }, 'loading open alerts failed'));
    }
    if (opts.parts.includes('worker')) {
      const securityScan = createSecurityScan({
        client: storage.client,
        exporters: domain.exporters,
        reconciliation: domain.reconciliation,
        alerts: domain.alerts,
        settings: readSecuritySettings(config).settings,
      });
      const workers = await startWorkers({
        config,
        log,
        queues,
        statements: domain.statements,
        runs: domain.runs!,
        securityScan: () => securityScan(),
        deliverChannel: (job, attempt, max) => domain.channels.process(job, attempt, max),
        noticesOverdue: () => domain.notices.flagOverdue(),
        utilizationScan: () => domain.utilization.scan(domain.alerts),
      });
      steps.push({ name: 'workers', run: () => workers.close() });
    }
    const collectors = (): CollectorStatus =>
      collectorPart ? collectorPart.status() : { status: 'remote', listeners: [] };

    let url: string | null = null;
    if (opts.parts.includes('api')) {
      // The API's response cache serves answers only while this watch sees every process's writes.
      if (config.IXMETER_API_CACHE_MB > 0) {
        const watch = createCacheWatch(storage.client, domain.cache, log, {
          cluster: config.IXMETER_CLICKHOUSE_CLUSTER,
        });
        await watch.start();
        steps.push({ name: 'cache-watch', run: () => watch.stop() });
      }
      const backups =
        storage.mode === 'embedded'
          ? createBackupJobs({
              storage,
              dataDir: config.dataDir,
              log,
              hold: (fn) => (collectorPart ? collectorPart.writer.exclusive(fn) : fn()),
            })
          : null;
      const app = await buildApp({ config, log, storage, redis, metrics, collectors, ...domain, backups });
      url = await app.listen({ host: config.IXMETER_HTTP_HOST, port: config.IXMETER_HTTP_PORT });
      steps.push({ name: 'http', run: () => app.close() });
      log.info({ url, docs: `${url}/api/docs` }, 'API and console listening');
    }

    // Readiness markers for container healthchecks of the collector/worker parts (docker-compose.yml).
    for (const part of opts.parts.filter((p) => p !== 'api')) {
      const file = join(config.dataDir, `${part}.ready`);
      mkdirSync(config.dataDir, { recursive: true });
      writeFileSync(file, `${process.pid}\n`);
      steps.push({ name: `${part}-ready`, run: () => rmSync(file, { force: true }) });
    }

    const ordered = [...steps].reverse();
    if (opts.installSignalHandlers !== false) installLifecycle(log, ordered);
    return {
      url,
      storage,
      domain,
      collectorListeners: () => (collectorPart ? collectorPart.status().listeners : []),
      adminToken: boot.token,
      async stop() {
        for (const s of ordered) {
          try {
            await s.run();
          } catch (err) {
            log.error({ err, step: s.name }, 'stop step failed');
          }
        }
      },
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
