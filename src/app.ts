/**
 * @file The composition root: builds storage, the engine, the queue workers and the HTTPS server from a
 * configuration, and shuts them down in order.
 */
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildServerConfig, type ServerConfig, type ServerConfigInput } from './config/server-config.js';
import type { DecisionThresholds } from './decision/types.js';
import { createEngine } from './engine/index.js';
import type { FaceEngine } from './engine/types.js';
import { lowerProcessPriority } from './engine/lower-priority.js';
import { buildHttpServer, ENV_PREFIX } from './http/server.js';
import { createMetrics } from './http/metrics.js';
import { startMetricsServer } from './http/metrics-route.js';
import { publicOrigin } from './http/public-origin.js';
import { loadOrCreateTls, type TlsMaterial } from './http/tls.js';
import { deliverCallbackTask } from './jobs/callback-deliverer.js';
import type { JobContext } from './jobs/context.js';
import { EarlyEngineRuns } from './jobs/early-engine-runs.js';
import { RetentionPurger } from './jobs/image-retention.js';
import { EngineAdmission } from './jobs/engine-admission.js';
import { processJobFailed, processJobTask } from './jobs/job-processor.js';
import { TaskRunner } from './jobs/task-runner.js';
import { FaceIndexRegistry } from './search/face-index-registry.js';
import { openStorage, refuseLostDatabase } from './store/open-storage.js';
import { reportingFailures } from './store/failure-reporting.js';
import type { Storage } from './store/storage.js';
import type { Environment } from './store/types.js';

export { openStorage, type Storage };

/**
 * How often an idle worker looks at the queue when nothing woke it: enqueued tasks are announced (NOTIFY, or the
 * in-process signal) and due times are waited for, so this only bounds the delay of a retry scheduled by another
 * node that then died.
 */
const FALLBACK_POLL_MS = 10_000;

export interface RunningServer {
  config: Readonly<ServerConfig>;
  ctx: JobContext;
  storage: Storage;
  http: FastifyInstance;
  /** null when serving plain HTTP (--http). */
  tls: TlsMaterial | null;
  /** The public URL, else https://host:port (http:// with --http); no trailing slash. */
  origin: string;
  /** http://host:port of the separate metrics listener (--metrics-port); null when /metrics is on the API port. */
  metricsOrigin: string | null;
  /** The `sid_server` value for an environment, e.g. https://127.0.0.1:8443/v1. */
  sidServer(environment: Environment): string;
  close(): Promise<void>;
}

export interface StartOptions {
  config: ServerConfigInput & { dataDir: string };
  /** Use an already-created engine (tests share one between servers). */
  engine?: FaceEngine;
  /** Overrides config.thresholds (tests). */
  thresholds?: DecisionThresholds;
  logger?: Logger;
}

export async function startServer(opts: StartOptions): Promise<RunningServer> {
  const config = buildServerConfig(opts.config);
  const log = opts.logger ?? pino({ level: config.logLevel, redact: ['req.headers.authorization', '*.signature', '*.api_key', '*.image'] });
  if (config.role !== 'all' && !config.databaseUrl) {
    throw new Error(`--role ${config.role} needs a shared database (--database postgres://…): an embedded node is the only node`);
  }
  const storageConfig = { dataDir: config.dataDir, databaseUrl: config.databaseUrl, blobsUrl: config.blobsUrl, server: true };
  const storage = await openStorage(storageConfig, masterKeyEnv(config));
  try {
    await refuseLostDatabase(storage, storageConfig);
  } catch (err) {
    await storage.close();
    throw err;
  }
  // Before any engine thread starts, so they all inherit the lower priority (lower-priority.ts).
  if (config.role === 'worker' && config.workerNice > 0) lowerProcessPriority(config.workerNice);
  const engineAdmission = new EngineAdmission(config.engineWorkers);
  const metrics = createMetrics({ workStats: () => store.workStats(), engineAdmission });
  const failed = (component: 'database' | 'blobs') => () => metrics.storageErrors.inc({ component });
  const store = reportingFailures(storage.records, failed('database'));
  const queue = reportingFailures(storage.queue, failed('database'));
  const blobs = reportingFailures(storage.blobs, failed('blobs'));
  const { serverSecret } = storage;
  const runsWorkers = config.role !== 'api';
  const ownEngine = !opts.engine;
  let engine: FaceEngine | undefined;
  const runners: TaskRunner[] = [];
  // Worker nodes purge expired job images; leases keep two nodes from purging the same ones.
  const purger = runsWorkers
    ? new RetentionPurger({ store, blobs, portal: storage.portal, defaultDays: config.imageRetentionDays }, log, config.retentionPurgeIntervalMs)
    : null;
  let http: FastifyInstance | undefined;
  let metricsServer: { app: FastifyInstance; origin: string } | undefined;
  let faces: FaceIndexRegistry | undefined;
  try {
    const faceEngine = opts.engine ?? (await createEngine({
      workers: config.engineWorkers,
      executionProvider: config.engineExecutionProvider,
      modelsDir: config.modelsDir ?? undefined,
      settings: { ...config.engineSettings, matchThreshold: config.thresholds.match },
    }));
    engine = faceEngine;
    faces = new FaceIndexRegistry(store, log);
    await faces.start();
    const ctx: JobContext = {
      store,
      queue,
      blobs,
      rateLimits: storage.rateLimits,
      engine: faceEngine,
      config,
      thresholds: opts.thresholds ?? config.thresholds,
      serverSecret,
      log,
      // An API-only node has no worker to hand an early run to.
      earlyRuns: new EarlyEngineRuns(runsWorkers ? config.jobConcurrency : 0),
      engineAdmission,
      metrics,
      faces,
    };
    // Embedded mode is the only process on this database: anything leased was interrupted by the last stop. In a
    // cluster, other workers hold live leases; an expired one is claimed again by whichever worker asks first.
    if (storage.kind === 'embedded') {
      const recovered = await queue.recover(true);
      if (recovered) log.info({ recovered }, 'resuming interrupted tasks');
    }
    if (runsWorkers) runners.push(
      new TaskRunner(queue, log, {
        name: 'jobs',
        kinds: ['process_job'],
        concurrency: config.jobConcurrency,
        leaseMs: config.jobLeaseMs,
        maxIdleMs: FALLBACK_POLL_MS,
        handle: (task) => processJobTask(ctx, task),
        onError: (task, err) => processJobFailed(ctx, task, err),
      }),
      new TaskRunner(queue, log, {
        name: 'callbacks',
        kinds: ['deliver_callback'],
        concurrency: config.callbackConcurrency,
        perDestination: config.callbackPerDestination,
        leaseMs: config.callbackTimeoutMs + 30_000,
        maxIdleMs: FALLBACK_POLL_MS,
        handle: (task) => deliverCallbackTask(ctx, task),
        onError: (task, err) => queue.fail(task.id, String((err as Error)?.message ?? err), new Date(Date.now() + 60_000)),
      }),
    );
    const tls = config.http ? null : await loadOrCreateTls(config.dataDir, config.tlsCertFile, config.tlsKeyFile);
    if (!tls) log.warn('serving plain HTTP (--http): API keys, signatures and face images cross the network unencrypted unless a TLS-terminating proxy is in front');
    let origin = config.publicUrl ?? '';
    http = await buildHttpServer({ ctx, metrics, https: tls && { cert: tls.cert, key: tls.key },
      publicUrl: publicOrigin({ publicUrl: config.publicUrl, trustProxy: config.trustProxy, listening: () => origin }),
      api: config.role !== 'worker',
      portal: config.role !== 'worker' ? storage.portal : undefined,
      storageProblems: () => storage.problems(),
    });
    await http.listen({ host: config.host, port: config.port });
    const port = (http.server.address() as AddressInfo).port;
    if (!origin) origin = `${tls ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
    if (config.metricsPort !== null) metricsServer = await startMetricsServer(config, metrics);
    runners.forEach((r) => r.start());
    purger?.start();
    const server: RunningServer = {
      config,
      ctx,
      storage,
      http,
      tls,
      origin,
      metricsOrigin: metricsServer?.origin ?? null,
      sidServer: (env) => `${origin}${ENV_PREFIX[env]}/v1`,
      close: async () => {
        await metricsServer?.app.close();
        await http!.close();
        await Promise.all([...runners.map((r) => r.stop()), purger?.stop()]);
        faces!.close();
        if (ownEngine) await engine!.close();
        await storage.close();
      },
    };
    return server;
  } catch (err) {
    await metricsServer?.app.close();
    await http?.close();
    await Promise.all(runners.map((r) => r.stop()));
    faces?.close();
    if (ownEngine) await engine?.close();
    await storage.close();
    throw err;
  }
}

/** The environment storage reads the master key from: the configured key or key file in place of the process's. */
function masterKeyEnv(config: Readonly<ServerConfig>): NodeJS.ProcessEnv {
  const { LIKENESS_MASTER_KEY, LIKENESS_MASTER_KEY_FILE, ...rest } = process.env;
  if (config.masterKey) return { ...rest, LIKENESS_MASTER_KEY: config.masterKey };
  if (config.masterKeyFile) return { ...rest, LIKENESS_MASTER_KEY_FILE: config.masterKeyFile };
  return process.env;
}
