/** The domain services over one storage, built in one place for the service and for tests. */
import { createAuditLog } from '../audit/audit.service.js';
import { createTokensRepository } from '../auth/tokens.repository.js';
import { createTokensService } from '../auth/tokens.service.js';
import type { Config } from '../config/load.js';
import { createExportersRepository } from '../exporters/exporters.repository.js';
import { createExportersService, type ExporterCounters } from '../exporters/exporters.service.js';
import { createMembersRepository } from '../members/members.repository.js';
import { createMembersService } from '../members/members.service.js';
import { createReconciliationRepository } from '../ports/reconciliation.repository.js';
import { createReconciliationService } from '../ports/reconciliation.service.js';
import type { Logger } from '../shared/logger.js';
import type { Storage } from '../storage/clickhouse/client.js';
import { createTrafficRepository } from '../traffic/traffic.repository.js';
import { createTrafficService } from '../traffic/traffic.service.js';
import { createStatementsRepository } from '../statements/statements.repository.js';
import { createStatementsService } from '../statements/statements.service.js';
import { reviewNote } from '../operations/data-incidents.js';
import { createPoliciesService } from '../subsidies/policies.service.js';
import { createStatementRuns } from '../jobs/statement-runs.js';
import type { QueueSet } from '../jobs/queues.js';
import { createAlertsRepository } from '../alerts/alerts.repository.js';
import { createAlertsService, type AlertView } from '../alerts/alerts.service.js';
import { createChannels } from '../channels/dispatch.js';
import { createDeliveriesRepository } from '../channels/deliveries.repository.js';
import { createNoticesRepository } from '../notices/notices.repository.js';
import { createNoticesService } from '../notices/notices.service.js';
import { createSecurityReports } from '../reports/security-report.js';
import { createResponseCache } from '../shared/response-cache.js';
import { createOverviewRepository } from '../overview/overview.repository.js';
import { createOverviewService } from '../overview/overview.service.js';
import { createUtilizationRepository } from '../overview/utilization.repository.js';
import { createUtilizationService } from '../overview/utilization.service.js';
import { createPortalRepository } from '../overview/portal.repository.js';
import { createPortalService } from '../overview/portal.service.js';
import { createCoverageRepository } from '../statements/coverage.repository.js';
import { createExclusionsRepository } from '../exclusions/exclusions.repository.js';
import { createExclusionsService } from '../exclusions/exclusions.service.js';
import { createDisputesRepository } from '../disputes/disputes.repository.js';
import { createDisputesService } from '../disputes/disputes.service.js';
import { createProgrammeRepository } from '../programme/programme.repository.js';
import { createBudgetPhase } from '../programme/budget-phase.js';
import { createProgrammeHooks } from '../programme/hooks.js';
import { createProgramme } from '../programme/programme.service.js';
import { createFeesService } from '../fees/fees.service.js';

export interface DomainHooks {
  /** Live exporter counters of an in-process collector (null: read the snapshots collectors store). */
  liveExporters?: (() => { id: string; stats: ExporterCounters[]; templates: Record<string, number> }) | null;
  onAssignmentsChanged?: () => void;
}

export function createDomainServices(
  storage: Storage,
  config: Config,
  log: Logger,
  hooks: DomainHooks = {},
  queues: QueueSet | null = null,
) {
  const c = storage.client;
  const members = createMembersService(createMembersRepository(c), hooks.onAssignmentsChanged);
  const statementsRepo = createStatementsRepository(c);
  const policies = createPoliciesService(statementsRepo);
  // API answers of settled traffic and of statements; served only once a change watch runs (service.ts).
  const cache = createResponseCache({ maxBytes: config.IXMETER_API_CACHE_MB * 1024 * 1024 });
  const corrections = {
    coverage: createCoverageRepository(c),
    exclusions: createExclusionsRepository(c),
    disputes: createDisputesRepository(c),
  };
  const programmeRepo = createProgrammeRepository(c);
  const statementsService = createStatementsService(
    statementsRepo,
    members,
    policies,
    config.IXMETER_TIMEZONE,
    corrections,
    createProgrammeHooks(programmeRepo, createBudgetPhase(statementsRepo, programmeRepo)),
    reviewNote(storage.client),
  );
  // A compute in this process (worker, CLI) is seen by this process's cache at once.
  const compute: typeof statementsService.compute = async (...args) => {
    try {
      return await statementsService.compute(...args);
    } finally {
      await cache.written('statements');
    }
  };
  // Notification channels (IXMETER_WEBHOOKS kinds): one BullMQ job per channel and recipient.
  const channels = createChannels({
    channels: config.IXMETER_WEBHOOKS,
    queues,
    deliveries: createDeliveriesRepository(c),
    members,
    log,
    timeZone: config.IXMETER_TIMEZONE,
    smtpUrl: config.IXMETER_SMTP_URL,
    smtpFrom: config.IXMETER_SMTP_FROM,
  });
  const notify = (alert: AlertView, event: string): Promise<void> => channels.alert(alert, event);
  const alertsRepo = createAlertsRepository(c);
  const audit = createAuditLog(c, log, { flushIntervalMs: config.IXMETER_AUDIT_FLUSH_MS });
  return {
    alerts: createAlertsService(alertsRepo, notify),
    channels,
    notices: createNoticesService({
      repo: createNoticesRepository(c),
      alerts: alertsRepo,
      members,
      audit,
      notify: (n, e) =>
        channels
          .notice(n, e)
          .catch((err: unknown) => log.error({ err, notice: n.id, event: e }, 'notice notification not queued')),
    }),
    securityReports: createSecurityReports(c, members, config.IXMETER_TIMEZONE),
    exclusions: createExclusionsService(corrections.exclusions, members, config.IXMETER_TIMEZONE),
    disputes: createDisputesService(
      corrections.disputes,
      statementsRepo,
      { get: statementsService.get, compute },
      policies,
      config.IXMETER_TIMEZONE,
    ),
    members,
    statementsRepo,
    policies,
    statements: { ...statementsService, compute },
    cache,
    programme: createProgramme(programmeRepo, statementsService, statementsRepo, members, policies),
    fees: createFeesService(programmeRepo, members),
    runs: queues ? createStatementRuns(statementsRepo, members, queues) : null,
    tokens: createTokensService(createTokensRepository(c)),
    audit,
    exporters: createExportersService(createExportersRepository(c), hooks.liveExporters ?? null),
    traffic: createTrafficService(
      createTrafficRepository(c),
      config.IXMETER_TIMEZONE,
      config.IXMETER_ROLLUP_RETENTION_DAYS,
    ),
    reconciliation: createReconciliationService(
      createReconciliationRepository(c),
      config.IXMETER_TIMEZONE,
      config.IXMETER_RECONCILE_THRESHOLD_PCT,
    ),
    overview: createOverviewService(
      createOverviewRepository(c),
      members,
      config.IXMETER_TIMEZONE,
      config.IXMETER_ROLLUP_RETENTION_DAYS,
    ),
    utilization: createUtilizationService(createUtilizationRepository(c), members, {
      thresholdPct: config.IXMETER_UTILIZATION_THRESHOLD_PCT,
      buckets: config.IXMETER_UTILIZATION_BUCKETS,
      timezone: config.IXMETER_TIMEZONE,
    }),
    portal: createPortalService(
      createPortalRepository(c),
      members,
      config.IXMETER_TIMEZONE,
      config.IXMETER_ROLLUP_RETENTION_DAYS,
    ),
  };
}

export type DomainServices = ReturnType<typeof createDomainServices>;
