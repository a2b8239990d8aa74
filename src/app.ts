/**
 * @file The composition root: builds storage, the engine, the queue workers and the HTTPS server from a
 * configuration, and shuts them down in order.
 */
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildServerConfig, type ServerConfig } from './config/server-config.js';
import { DEFAULT_THRESHOLDS } from './decision/index.js';
import type { DecisionThresholds } from './decision/types.js';
import { createEngine } from './engine/index.js';
import type { FaceEngine } from './engine/types.js';
import { buildHttpServer, ENV_PREFIX } from './http/server.js';
import { createMetrics } from './http/metrics.js';
import { loadOrCreateTls, type TlsMaterial } from './http/tls.js';
import { deliverCallbackTask } from './jobs/callback-deliverer.js';
import type { JobContext } from './jobs/context.js';
import { EarlyEngineRuns } from './jobs/early-engine-runs.js';
import { processJobFailed, processJobTask } from './jobs/job-processor.js';
import { TaskRunner } from './jobs/task-runner.js';
import { openStorage, refuseLostDatabase } from './store/open-storage.js';
import type { Storage } from './store/storage.js';
import type { Environment } from './store/types.js';

export { openStorage, type Storage };

export interface RunningServer {
  config: Readonly<ServerConfig>;
  ctx: JobContext;
  storage: Storage;
  http: FastifyInstance;
  tls: TlsMaterial;
  /** https://host:port (no trailing slash). */
  origin: string;
  /** The `sid_server` value for an environment, e.g. https://127.0.0.1:8443/v1. */
  sidServer(environment: Environment): string;
  close(): Promise<void>;
}

export interface StartOptions {
  config: Partial<ServerConfig> & { dataDir: string };
  /** Use an already-created engine (tests share one between servers). */
  engine?: FaceEngine;
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
  const storage = await openStorage(storageConfig);
  try {
    await refuseLostDatabase(storage, storageConfig);
  } catch (err) {
    await storage.close();
    throw err;
  }
  const { records: store, queue, blobs, serverSecret } = storage;
  const runsWorkers = config.role !== 'api';
  const ownEngine = !opts.engine;
  let engine: FaceEngine | undefined;
  const runners: TaskRunner[] = [];
  let http: FastifyInstance | undefined;
  try {
    const faceEngine = opts.engine ?? (await createEngine({ workers: config.engineWorkers, executionProvider: config.engineExecutionProvider }));
    engine = faceEngine;
    const metrics = createMetrics();
    const ctx: JobContext = {
      store,
      queue,
      blobs,
      rateLimits: storage.rateLimits,
      engine: faceEngine,
      config,
      thresholds: opts.thresholds ?? DEFAULT_THRESHOLDS,
      serverSecret,
      log,
      // An API-only node has no worker to hand an early run to.
      earlyRuns: new EarlyEngineRuns(runsWorkers ? config.jobConcurrency : 0),
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
        maxIdleMs: 1000,
        handle: async (task) => {
          await processJobTask(ctx, task);
          const job = task.payload.smileJobId ? await store.getJobBySmileId(task.payload.smileJobId) : null;
          if (job?.result) metrics.jobsCompleted.inc({ environment: job.environment, category: job.result.category });
        },
        onError: (task, err) => processJobFailed(ctx, task, err),
      }),
      new TaskRunner(queue, log, {
        name: 'callbacks',
        kinds: ['deliver_callback'],
        concurrency: 4,
        leaseMs: config.callbackTimeoutMs + 30_000,
        maxIdleMs: 1000,
        handle: (task) => deliverCallbackTask(ctx, task),
        onError: (task, err) => queue.fail(task.id, String((err as Error)?.message ?? err), new Date(Date.now() + 60_000)),
      }),
    );
    const tls = await loadOrCreateTls(config.dataDir, config.tlsCertFile, config.tlsKeyFile);
    let origin = config.publicUrl ?? '';
    http = await buildHttpServer({ ctx, metrics, https: { cert: tls.cert, key: tls.key }, publicUrl: () => origin,
      api: config.role !== 'worker',
      portal: config.role !== 'worker' ? storage.portal : undefined,
      storageProblems: () => storage.problems(),
    });
    await http.listen({ host: config.host, port: config.port });
    const port = (http.server.address() as AddressInfo).port;
    if (!origin) origin = `https://${config.host.includes(':') ? `[${config.host}]` : config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
    runners.forEach((r) => r.start());
    const server: RunningServer = {
      config,
      ctx,
      storage,
      http,
      tls,
      origin,
      sidServer: (env) => `${origin}${ENV_PREFIX[env]}/v1`,
      close: async () => {
        await http!.close();
        await Promise.all(runners.map((r) => r.stop()));
        if (ownEngine) await engine!.close();
        await storage.close();
      },
    };
    return server;
  } catch (err) {
    await http?.close();
    await Promise.all(runners.map((r) => r.stop()));
    if (ownEngine) await engine?.close();
    await storage.close();
    throw err;
  }
}
