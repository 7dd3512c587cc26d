/** One Prometheus registry per process (no global default registry): `ixmeter_<component>_<name>_<unit|total>`. */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ixmeter_process_' });
  const httpRequests = new Counter({
    name: 'ixmeter_api_requests_total',
    help: 'HTTP requests by route, method and status code',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'ixmeter_api_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['route', 'method'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const authFailures = new Counter({
    name: 'ixmeter_api_auth_failures_total',
    help: 'Rejected requests by reason (missing token, invalid token, forbidden)',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const apiCache = new Counter({
    name: 'ixmeter_api_cache_lookups_total',
    help: 'Response cache lookups by namespace and result (hit, miss, coalesced with an identical read in flight, bypass while disabled)',
    labelNames: ['namespace', 'result'] as const,
    registers: [registry],
  });
  return { registry, httpRequests, httpDuration, authFailures, apiCache };
}

export type Metrics = ReturnType<typeof createMetrics>;
