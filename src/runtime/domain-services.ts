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
import { hookMatches } from '../alerts/webhooks.js';
import { createResponseCache } from '../shared/response-cache.js';

export interface DomainHooks {
  /** Live exporter counters of an in-process collector (null: read the snapshots collectors store). */
  liveExporters?: (() => { id: string; stats: ExporterCounters[]; templates: Record<string, number> }) | null;
  onAssignmentsChanged?: () => void;
}

export function createDomainServices(storage: Storage, config: Config, log: Logger, hooks: DomainHooks = {}, queues: QueueSet | null = null) {
  const c = storage.client;
  const members = createMembersService(createMembersRepository(c), hooks.onAssignmentsChanged);
  const statementsRepo = createStatementsRepository(c);
  const policies = createPoliciesService(statementsRepo);
  // API answers of settled traffic and of statements; served only once a change watch runs (service.ts).
  const cache = createResponseCache({ maxBytes: config.IXMETER_API_CACHE_MB * 1024 * 1024 });
  const statementsService = createStatementsService(statementsRepo, members, policies, config.IXMETER_TIMEZONE, reviewNote(storage.client));
  // A compute in this process (worker, CLI) is seen by this process's cache at once.
  const compute: typeof statementsService.compute = async (...args) => {
    try {
      return await statementsService.compute(...args);
    } finally {
      await cache.written('statements');
    }
  };
  const notify = async (alert: AlertView, event: string): Promise<void> => {
    if (!queues) return;
    const hooks = config.IXMETER_WEBHOOKS;
    for (let i = 0; i < hooks.length; i++) {
      if (hookMatches(hooks[i]!, alert)) await queues.get('webhooks').add('deliver', { hook: i, event, alert: alert as unknown as Record<string, unknown> });
    }
  };
  return {
    alerts: createAlertsService(createAlertsRepository(c), notify),
    members,
    statementsRepo,
    policies,
    statements: { ...statementsService, compute },
    cache,
    runs: queues ? createStatementRuns(statementsRepo, members, queues) : null,
    tokens: createTokensService(createTokensRepository(c)),
    audit: createAuditLog(c, log, { flushIntervalMs: config.IXMETER_AUDIT_FLUSH_MS }),
    exporters: createExportersService(createExportersRepository(c), hooks.liveExporters ?? null),
    traffic: createTrafficService(createTrafficRepository(c), config.IXMETER_TIMEZONE),
    reconciliation: createReconciliationService(createReconciliationRepository(c), config.IXMETER_TIMEZONE, config.IXMETER_RECONCILE_THRESHOLD_PCT),
  };
}

export type DomainServices = ReturnType<typeof createDomainServices>;
