/**
 * @file Starts the real Likeness server in-process for a test: HTTPS on a free port, fresh storage on the chosen
 * backend (embedded: a data directory; cluster: a PostgreSQL database and an S3 prefix) and a first partner.
 * Nothing is mocked.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { startServer, type RunningServer } from '../../src/app.js';
import type { ServerConfig } from '../../src/config/server-config.js';
import type { DecisionThresholds } from '../../src/decision/types.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { createPartnerWithKeys } from '../../src/jobs/api-keys.js';
import type { StorageConfig } from '../../src/store/storage.js';
import { backendConfig, type BackendName } from './backends.js';

export interface TestServer {
  server: RunningServer;
  /** Production `sid_server`: https://127.0.0.1:PORT/v1 */
  baseUrl: string;
  /** Sandbox `sid_server`: https://127.0.0.1:PORT/sandbox/v1 */
  sandboxUrl: string;
  origin: string;
  partnerId: string;
  sandboxKey: string;
  productionKey: string;
  caCert: string;
  dataDir: string;
  backend: BackendName;
  /** Where this server's state lives: reopen it with openStorage, or pass it back to restart on the same state. */
  storage: StorageConfig;
  close(): Promise<void>;
}

export interface TestServerOptions {
  engine?: FaceEngine;
  config?: Partial<ServerConfig>;
  /** Decision thresholds of this deployment (default: DEFAULT_THRESHOLDS). */
  thresholds?: DecisionThresholds;
  /** Reuse a data directory (restart tests); it is then not removed on close. */
  dataDir?: string;
  /** Default embedded. */
  backend?: BackendName;
  /** Reuse a cluster's database and blobs (restart tests). */
  storage?: StorageConfig;
  /** Where the server logs (default: silent, or LIKENESS_TEST_LOG's level). */
  logger?: Logger;
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'likeness-test-'));
  const backend = opts.backend ?? 'embedded';
  const storage = opts.storage ?? (await backendConfig(backend, dataDir));
  const certFile = process.env.LIKENESS_TEST_TLS_CERT ?? null;
  const server = await startServer({
    config: {
      dataDir,
      host: '127.0.0.1',
      port: 0,
      engineWorkers: 2,
      jobConcurrency: 2,
      tlsCertFile: certFile,
      tlsKeyFile: process.env.LIKENESS_TEST_TLS_KEY ?? null,
      callbackRetryDelaysMs: [200, 500, 1000],
      databaseUrl: storage.databaseUrl ?? null,
      blobsUrl: storage.blobsUrl ?? null,
      // Test callback receivers listen on loopback, which callbacks may not reach unless allowed.
      allowCallbackHosts: ['127.0.0.1'],
      ...opts.config,
    },
    engine: opts.engine,
    thresholds: opts.thresholds,
    logger: opts.logger ?? pino({ level: process.env.LIKENESS_TEST_LOG ?? 'silent' }),
  });
  const partners = await server.ctx.store.listPartners();
  let partnerId: string;
  let sandboxKey: string;
  let productionKey: string;
  if (partners.length) {
    partnerId = partners[0].partnerId;
    sandboxKey = (await server.ctx.store.getApiKey(partnerId, 'sandbox'))!;
    productionKey = (await server.ctx.store.getApiKey(partnerId, 'production'))!;
  } else {
    const created = await createPartnerWithKeys(server.ctx.store, 'Test partner');
    partnerId = created.partner.partnerId;
    sandboxKey = created.keys.sandbox;
    productionKey = created.keys.production;
  }
  return {
    server,
    baseUrl: server.sidServer('production'),
    sandboxUrl: server.sidServer('sandbox'),
    origin: server.origin,
    partnerId,
    sandboxKey,
    productionKey,
    caCert: server.tls ? readFileSync(server.tls.certFile, 'utf8') : '',
    dataDir,
    backend,
    storage,
    close: async () => {
      await server.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Two API nodes and a worker over one PostgreSQL database and blob prefix, each with its own data directory. */
export interface ClusterNodes {
  a: TestServer;
  b: TestServer;
  worker: TestServer;
  close(): Promise<void>;
}

export async function startClusterNodes(engine: FaceEngine): Promise<ClusterNodes> {
  const a = await startTestServer({ engine, backend: 'cluster', config: { role: 'api' } });
  const node = (role: 'api' | 'worker', prefix: string) =>
    startTestServer({ engine, backend: 'cluster', storage: { ...a.storage, dataDir: mkdtempSync(join(tmpdir(), prefix)) }, config: { role } });
  const b = await node('api', 'likeness-b-');
  const worker = await node('worker', 'likeness-w-');
  return {
    a,
    b,
    worker,
    close: async () => {
      for (const n of [a, b, worker]) await n.close();
      for (const n of [b, worker]) rmSync(n.storage.dataDir, { recursive: true, force: true });
    },
  };
}
