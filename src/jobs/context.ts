/**
 * @file What every use case receives from the composition root: storage, the engine and configuration.
 */
import type { Logger } from 'pino';
import type { ServerConfig } from '../config/server-config.js';
import type { DecisionThresholds } from '../decision/types.js';
import type { FaceEngine } from '../engine/types.js';
import type { ImagePackStore } from '../store/blob/image-packs.js';
import type { JobQueue, RateLimitStore, RecordStore } from '../store/types.js';
import type { FaceIndexRegistry } from '../search/face-index-registry.js';
import type { EarlyEngineRuns } from './early-engine-runs.js';
import type { EngineAdmission } from './engine-admission.js';
import type { JobMetrics } from './job-metrics.js';

export interface JobContext {
  store: RecordStore;
  /** Tasks are enqueued by `store` in the same transaction as the records; workers claim them here. */
  queue: JobQueue;
  blobs: ImagePackStore;
  /** API rate-limit buckets, shared by every API node. */
  rateLimits: RateLimitStore;
  engine: FaceEngine;
  config: Readonly<ServerConfig>;
  thresholds: DecisionThresholds;
  /** Server secret for capability links (upload URLs, image links, web tokens); never leaves the server. */
  serverSecret: Buffer;
  log: Logger;
  /** Engine runs started on uploads while their images are being stored (see early-engine-runs.ts). */
  earlyRuns: EarlyEngineRuns;
  /** Every engine run enters here, so synchronous requests and queued jobs share the engine fairly. */
  engineAdmission: EngineAdmission;
  metrics: JobMetrics;
  /** The partner environments' enrolled faces, in memory, for 1:N search and the duplicate check of enrolments. */
  faces: FaceIndexRegistry;
}
