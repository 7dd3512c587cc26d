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
import type { NoticesService } from '../notices/notices.service.js';
import type { Channels } from '../channels/dispatch.js';
import type { SecurityReports } from '../reports/security-report.js';
import type { Config } from '../config/load.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { Storage } from '../storage/clickhouse/client.js';
import type { RedisHandle } from '../storage/redis/connection.js';
import type { ResponseCache } from '../shared/response-cache.js';
import type { OverviewService } from '../overview/overview.service.js';
import type { UtilizationService } from '../overview/utilization.service.js';
import type { PortalService } from '../overview/portal.service.js';
import type { ExclusionsService } from '../exclusions/exclusions.service.js';
import type { DisputesService } from '../disputes/disputes.service.js';
import type { Programme } from '../programme/programme.service.js';
import type { FeesService } from '../fees/fees.service.js';
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
  /** Rectification notices, notification channels, the supervision report (issue #16). */
  notices: NoticesService;
  channels: Channels;
  securityReports: SecurityReports;
  /** Settled traffic and statement answers (src/shared/response-cache.ts). */
  cache: ResponseCache;
  /** Exchange overview, port utilisation, member portal (src/overview). */
  overview: OverviewService;
  utilization: UtilizationService;
  portal: PortalService;
  exclusions: ExclusionsService;
  disputes: DisputesService;
  programme: Programme;
  fees: FeesService;
  /** Online backups (embedded `serve` only; absent: the backup routes answer not available). */
  backups?: BackupJobs | null;
}
