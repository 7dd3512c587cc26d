import type { AuditLog } from '../audit/audit.service.js';
import type { TokensService } from '../auth/tokens.service.js';
import type { ExportersService } from '../exporters/exporters.service.js';
import type { MembersService } from '../members/members.service.js';
import type { TrafficService } from '../traffic/traffic.service.js';
import type { ReconciliationService } from '../ports/reconciliation.service.js';
import type { StatementsService } from '../statements/statements.service.js';
import type { StatementsRepository } from '../statements/statements.repository.js';
import type { StatementRuns } from '../jobs/statement-runs.js';
import type { PoliciesService } from '../subsidies/policies.service.js';
import type { AlertsService } from '../alerts/alerts.service.js';
import type { Config } from '../config/load.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { Storage } from '../storage/clickhouse/client.js';
import type { RedisHandle } from '../storage/redis/connection.js';
import type { ResponseCache } from '../shared/response-cache.js';
import type { BackupJobs } from '../backup/jobs.js';

/** What the collectors report to /health (the collector process or the in-process collectors). */
export interface CollectorStatus {
  status: 'ok' | 'degraded' | 'stopped' | 'disabled' | 'remote';
  listeners: Array<{ protocol: string; port: number; bound: boolean }>;
  [key: string]: unknown;
}

export interface ApiDeps {
  config: Config;
  log: Logger;
  storage: Storage;
  redis: RedisHandle;
  tokens: TokensService;
  audit: AuditLog;
  metrics: Metrics;
  collectors: () => CollectorStatus;
  exporters: ExportersService;
  members: MembersService;
  traffic: TrafficService;
  reconciliation: ReconciliationService;
  statements: StatementsService;
  statementsRepo: StatementsRepository;
  runs: StatementRuns | null;
  policies: PoliciesService;
  alerts: AlertsService;
  /** Settled traffic and statement answers (src/shared/response-cache.ts). */
  cache: ResponseCache;
  /** Online backups (embedded `serve` only; absent: the backup routes answer not available). */
  backups?: BackupJobs | null;
}
