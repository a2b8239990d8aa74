/**
 * @file Prometheus metrics, one registry per server instance (tests start several in one process). Counters and
 * histograms are this process's (jobs, engine, callbacks, storage errors: Prometheus sums them over the nodes);
 * gauges of the shared backlog (queue depth and age, callback backlog, review queue) are read from the store at each
 * scrape, so every node of a cluster reports the same, current values (aggregate them with max, not sum).
 */
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EngineAdmission } from '../jobs/engine-admission.js';
import { createJobMetrics, type JobMetrics } from '../jobs/job-metrics.js';
import type { TaskKind, WorkStats } from '../store/types.js';

export interface Metrics extends JobMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
}

export interface MetricSources {
  /** The shared backlog, read from the store at scrape time. */
  workStats(): Promise<WorkStats>;
  engineAdmission?: EngineAdmission;
}

const TASK_LABEL: Record<TaskKind, string> = { process_job: 'jobs', deliver_callback: 'callbacks' };

const ageOf = (at: string | null, now: number) => (at ? Math.max(0, (now - Date.parse(at)) / 1000) : 0);

export function createMetrics(sources?: MetricSources): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'likeness_' });
  const metrics: Metrics = {
    registry,
    ...createJobMetrics(registry),
    httpDuration: new Histogram({
      name: 'likeness_http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      // 0.02: the /job_status p99 target (README), so an alert can be set on it.
      buckets: [0.001, 0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
  if (sources) addBacklogGauges(metrics, sources);
  return metrics;
}

function addBacklogGauges(metrics: Metrics, sources: MetricSources): void {
  const registers = [metrics.registry];
  // One store read per scrape, shared by the gauges (prom-client calls each gauge's collect).
  let pending: Promise<void> | null = null;
  const collect = () =>
    (pending ??= sources
      .workStats()
      .then((stats) => {
        const now = Date.now();
        for (const [kind, t] of Object.entries(stats.tasks) as [TaskKind, WorkStats['tasks'][TaskKind]][]) {
          depth.set({ queue: TASK_LABEL[kind] }, t.count);
          age.set({ queue: TASK_LABEL[kind] }, ageOf(t.oldestCreatedAt, now));
        }
        callbackBacklog.set(stats.tasks.deliver_callback.count);
        reviewSize.set(stats.review.count);
        reviewAge.set(ageOf(stats.review.oldestCreatedAt, now));
      })
      .catch(() => {
        // No value rather than a stale one; the failure itself is counted as a storage error.
        for (const g of [depth, age, callbackBacklog, reviewSize, reviewAge]) g.reset();
      })
      .finally(() => setImmediate(() => (pending = null))));
  const depth = new Gauge({ name: 'likeness_queue_depth', help: 'Unfinished tasks (waiting, scheduled for retry or running), by queue: jobs, callbacks', labelNames: ['queue'], registers, collect });
  const age = new Gauge({ name: 'likeness_queue_oldest_age_seconds', help: 'Age of the oldest unfinished task, by queue (0 when empty)', labelNames: ['queue'], registers, collect });
  const callbackBacklog = new Gauge({ name: 'likeness_callback_backlog', help: 'Callbacks not yet delivered nor given up (pending and retrying)', registers, collect });
  const reviewSize = new Gauge({ name: 'likeness_review_queue_size', help: 'Jobs awaiting a human review decision', registers, collect });
  const reviewAge = new Gauge({ name: 'likeness_review_oldest_age_seconds', help: 'Age of the oldest job awaiting review (0 when none)', registers, collect });
  const admission = sources.engineAdmission;
  if (admission) {
    new Gauge({
      name: 'likeness_engine_waiting',
      help: 'Jobs of this process waiting for an engine slot, by class: sync (/v2 requests) or queued (v1 jobs)',
      labelNames: ['class'],
      registers,
      collect() {
        const q = admission.queued;
        this.set({ class: 'sync' }, q.sync);
        this.set({ class: 'queued' }, q.queued);
      },
    });
  }
}
