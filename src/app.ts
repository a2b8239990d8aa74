/**
 * @file The composition root: builds storage, the engine, the queue workers and the HTTPS server from a
 * configuration, and shuts them down in order.
 */
import { mkdirSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
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
import { LocalDirBlobStore } from './store/blob/local-dir-blob-store.js';
import { RecentBlobCache } from './store/blob/recent-blob-cache.js';
import { SecretBox } from './store/secret-box.js';
import { SqliteRecordStore } from './store/sqlite/sqlite-record-store.js';
import { SqlitePortalStore } from './store/sqlite/sqlite-portal-store.js';
import type { BlobStore, Environment } from './store/types.js';

/** Images of the jobs just uploaded, kept in memory for the worker that processes them (about 60 jobs' worth). */
const RECENT_IMAGE_CACHE_BYTES = 64 * 1024 * 1024;

export interface Storage {
  store: SqliteRecordStore;
  blobs: BlobStore;
  serverSecret: Buffer;
}

/**
 * Opens (creating on first use) the embedded state under dataDir. Also used by CLI commands that need no server;
 * a server passes `backgroundCheckpoints` (see SqliteRecordStore).
 */
export function openStorage(dataDir: string, options: { backgroundCheckpoints?: boolean } = {}): Storage {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secretsDir = join(dataDir, 'secrets');
  const secrets = SecretBox.fromFile(join(secretsDir, 'master.key'));
  const serverKeyFile = join(secretsDir, 'server.key');
  if (!existsSync(serverKeyFile)) writeFileSync(serverKeyFile, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return {
    store: new SqliteRecordStore(join(dataDir, 'likeness.db'), secrets, options),
    blobs: new RecentBlobCache(new LocalDirBlobStore(join(dataDir, 'images')), RECENT_IMAGE_CACHE_BYTES),
    serverSecret: Buffer.from(readFileSync(serverKeyFile, 'utf8').trim(), 'base64'),
  };
}

export interface RunningServer {
  config: Readonly<ServerConfig>;
  ctx: JobContext;
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
  const { store, blobs, serverSecret } = openStorage(config.dataDir, { backgroundCheckpoints: true });
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
      blobs,
      engine: faceEngine,
      config,
      thresholds: opts.thresholds ?? DEFAULT_THRESHOLDS,
      serverSecret,
      log,
      notifyWork: () => runners.forEach((r) => r.notify()),
      earlyRuns: new EarlyEngineRuns(config.jobConcurrency),
    };
    // Embedded mode is the only process on this database: anything leased was interrupted by the last stop.
    const recovered = await store.recoverTasks(true);
    if (recovered) log.info({ recovered }, 'resuming interrupted tasks');
    runners.push(
      new TaskRunner(store, log, {
        name: 'jobs',
        kinds: ['process_job'],
        concurrency: config.jobConcurrency,
        leaseMs: 5 * 60_000,
        maxIdleMs: 1000,
        handle: async (task) => {
          await processJobTask(ctx, task);
          const job = task.payload.smileJobId ? await store.getJobBySmileId(task.payload.smileJobId) : null;
          if (job?.result) metrics.jobsCompleted.inc({ environment: job.environment, category: job.result.category });
        },
        onError: (task, err) => processJobFailed(ctx, task, err),
      }),
      new TaskRunner(store, log, {
        name: 'callbacks',
        kinds: ['deliver_callback'],
        concurrency: 4,
        leaseMs: config.callbackTimeoutMs + 30_000,
        maxIdleMs: 1000,
        handle: (task) => deliverCallbackTask(ctx, task),
        onError: (task, err) => store.failTask(task.id, String((err as Error)?.message ?? err), new Date(Date.now() + 60_000)),
      }),
    );
    const tls = await loadOrCreateTls(config.dataDir, config.tlsCertFile, config.tlsKeyFile);
    let origin = config.publicUrl ?? '';
    http = await buildHttpServer({ ctx, metrics, https: { cert: tls.cert, key: tls.key }, publicUrl: () => origin, portal: new SqlitePortalStore(store.db) });
    await http.listen({ host: config.host, port: config.port });
    const port = (http.server.address() as AddressInfo).port;
    if (!origin) origin = `https://${config.host.includes(':') ? `[${config.host}]` : config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
    runners.forEach((r) => r.start());
    const server: RunningServer = {
      config,
      ctx,
      http,
      tls,
      origin,
      sidServer: (env) => `${origin}${ENV_PREFIX[env]}/v1`,
      close: async () => {
        await http!.close();
        await Promise.all(runners.map((r) => r.stop()));
        if (ownEngine) await engine!.close();
        await store.close();
      },
    };
    return server;
  } catch (err) {
    await http?.close();
    await Promise.all(runners.map((r) => r.stop()));
    if (ownEngine) await engine?.close();
    await store.close();
    throw err;
  }
}
