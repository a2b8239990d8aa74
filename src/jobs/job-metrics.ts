/**
 * @file The counters the job layer updates as work happens (per process; Prometheus sums them over the nodes).
 * Gauges of the shared state (queue depth, review queue) are read from the store when scraped (src/http/metrics.ts).
 */
import { Counter, Histogram, type Registry } from 'prom-client';

export interface JobMetrics {
  jobsCompleted: Counter<'environment' | 'category'>;
  engineDuration: Histogram<'class'>;
  engineWait: Histogram<'class'>;
  callbacksDelivered: Counter;
  callbackFailures: Counter<'category'>;
  reviewDecisions: Counter<'environment' | 'category'>;
  /** Failed storage operations (not the expected refusals such as a duplicate job_id). */
  storageErrors: Counter<'component'>;
}

export function createJobMetrics(registry: Registry): JobMetrics {
  const registers = [registry];
  const storageErrors = new Counter({
    name: 'likeness_storage_errors_total',
    help: 'Failed storage operations, by component (database, blobs)',
    labelNames: ['component'],
    registers,
  });
  // Exported at 0 from the start, so that rate() and increase() alerts see the first error.
  for (const component of ['database', 'blobs']) storageErrors.inc({ component }, 0);
  const seconds = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32];
  return {
    jobsCompleted: new Counter({
      name: 'likeness_jobs_completed_total',
      help: 'SmartSelfie jobs completed, by environment and result category',
      labelNames: ['environment', 'category'],
      registers,
    }),
    engineDuration: new Histogram({
      name: 'likeness_engine_duration_seconds',
      help: 'Face engine time per job (all its images), by class: sync (/v2 requests) or queued (v1 jobs)',
      labelNames: ['class'],
      buckets: seconds,
      registers,
    }),
    engineWait: new Histogram({
      name: 'likeness_engine_wait_seconds',
      help: 'Time a job waited for an engine slot, by class',
      labelNames: ['class'],
      buckets: [0.001, ...seconds],
      registers,
    }),
    callbacksDelivered: new Counter({ name: 'likeness_callbacks_delivered_total', help: 'Callback attempts answered 2xx', registers }),
    callbackFailures: new Counter({
      name: 'likeness_callback_failures_total',
      help: 'Failed callback attempts, by category (timeout, refused, tls, dns, http_status, blocked_destination, network)',
      labelNames: ['category'],
      registers,
    }),
    reviewDecisions: new Counter({
      name: 'likeness_review_decisions_total',
      help: 'Human review decisions, by environment and resulting category',
      labelNames: ['environment', 'category'],
      registers,
    }),
    storageErrors,
  };
}
