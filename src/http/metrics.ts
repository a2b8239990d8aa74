/**
 * @file Prometheus metrics, one registry per server instance (tests start several in one process).
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  jobsCompleted: Counter<'environment' | 'category'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'likeness_' });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'likeness_http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    jobsCompleted: new Counter({
      name: 'likeness_jobs_completed_total',
      help: 'SmartSelfie jobs completed, by environment and result category',
      labelNames: ['environment', 'category'],
      registers: [registry],
    }),
  };
}
