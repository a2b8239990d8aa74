/**
 * @file `likeness serve` (= `npm start`): the whole service on one machine with embedded defaults.
 */
import { Command, Option } from 'commander';
import { startServer } from '../../app.js';
import type { ExecutionProviderChoice } from '../../engine/index.js';
import { configFromEnv, DEFAULTS, defaultDataDir, parseList, SERVER_ROLES, type ServerConfig, type ServerRole } from '../../config/server-config.js';
import { createPartnerWithKeys } from '../../jobs/api-keys.js';
import { parseNonNegativeInt, parsePort, parsePositiveInt } from '../cli-support.js';
import { recordServerOrigin } from '../server-address.js';
import { describeBlobs, describeDatabase } from '../../store/open-storage.js';
import { describeRuntime, executionProviderOption } from './engine-command-support.js';
import { describePartner, partnerJson } from './partner.js';

interface ServeOptions {
  data?: string;
  database?: string;
  blobs?: string;
  role?: ServerRole;
  host?: string;
  port?: number;
  publicUrl?: string;
  sandboxUrl?: string;
  tlsCert?: string;
  tlsKey?: string;
  workers?: number;
  executionProvider?: ExecutionProviderChoice;
  concurrency?: number;
  signatureMaxSkew?: number;
  allowCallbackHosts?: string[];
  trustProxy?: string[];
  rateLimit?: number;
  rateLimitBurst?: number;
  imageRetentionDays?: number;
  logLevel?: string;
  callbackConcurrency?: number;
  callbackPerDestination?: number;
  callbackConnectTimeout?: number;
  accessLog?: boolean;
  metricsToken?: string;
  metricsPort?: number;
  metricsHost?: string;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('run the SmartSelfie API server (HTTPS) with its job queue and face engine')
    .addOption(new Option('--data <dir>', 'directory for all state: database, images, TLS certificate, keys').env('LIKENESS_DATA').default(defaultDataDir()))
    .addOption(new Option('--database <url>', 'postgres://… : records and job queue in PostgreSQL, shared by a cluster (default: SQLite under --data)').env('LIKENESS_DATABASE_URL'))
    .addOption(new Option('--blobs <url>', 's3://bucket/prefix?endpoint=…&region=…&forcePathStyle=true : images in object storage (default: <data>/images)').env('LIKENESS_BLOBS_URL'))
    .addOption(new Option('--role <role>', 'all = API and workers; api = HTTP only; worker = engine and callbacks (HTTP /health and /metrics only)').choices([...SERVER_ROLES]).env('LIKENESS_ROLE').default(DEFAULTS.role))
    .addOption(new Option('--host <address>', 'address to listen on').env('LIKENESS_HOST').default(DEFAULTS.host))
    .addOption(new Option('--port <port>', 'HTTPS port; 0 picks a free one and prints it').env('LIKENESS_PORT').argParser(parsePort).default(DEFAULTS.port))
    .addOption(new Option('--public-url <url>', 'origin clients reach this server at, for upload and image URLs').env('LIKENESS_PUBLIC_URL'))
    .addOption(new Option('--sandbox-url <url>', "origin of a host name that serves the sandbox at its root, for Smile ID's Android SDK (docs/mobile.md)").env('LIKENESS_SANDBOX_URL'))
    .addOption(new Option('--tls-cert <file>', 'PEM certificate (default: a self-signed one under <data>/tls)').env('LIKENESS_TLS_CERT'))
    .addOption(new Option('--tls-key <file>', 'PEM private key for --tls-cert').env('LIKENESS_TLS_KEY'))
    .addOption(new Option('--workers <n>', 'face engine worker threads').env('LIKENESS_ENGINE_WORKERS').argParser(parsePositiveInt).default(DEFAULTS.engineWorkers))
    .addOption(executionProviderOption())
    .addOption(new Option('--concurrency <n>', 'jobs processed at once').env('LIKENESS_JOB_CONCURRENCY').argParser(parsePositiveInt).default(DEFAULTS.jobConcurrency))
    .addOption(
      new Option('--signature-max-skew <seconds>', 'accept request signatures timestamped within this many seconds of the server clock, either way; 0 = any age (see README: the Python SDK reuses one signature)')
        .env('LIKENESS_SIGNATURE_MAX_SKEW')
        .argParser(parseNonNegativeInt)
        .default(DEFAULTS.signatureMaxAgeMs / 1000),
    )
    .addOption(
      new Option('--allow-callback-hosts <list>', 'comma-separated host names, addresses and CIDR ranges that callbacks may reach although not public (default: public addresses only)')
        .env('LIKENESS_ALLOW_CALLBACK_HOSTS')
        .argParser(parseList),
    )
    .addOption(
      new Option('--trust-proxy <list>', 'comma-separated addresses/CIDR ranges (or loopback, linklocal, uniquelocal) of reverse proxies whose X-Forwarded-For gives the client address (default: none)')
        .env('LIKENESS_TRUST_PROXY')
        .argParser(parseList),
    )
    .addOption(
      new Option('--rate-limit <per-second>', 'API requests per second per partner and environment, sustained; over it requests get 429 (2292) with Retry-After; 0 = no limit')
        .env('LIKENESS_RATE_LIMIT')
        .argParser(parseNonNegativeInt)
        .default(DEFAULTS.rateLimitPerSecond),
    )
    .addOption(
      new Option('--rate-limit-burst <n>', 'requests a partner environment may send at once above the sustained rate')
        .env('LIKENESS_RATE_LIMIT_BURST')
        .argParser(parsePositiveInt)
        .default(DEFAULTS.rateLimitBurst),
    )
    .addOption(
      new Option('--image-retention-days <days>', 'days job images are kept where a partner environment has no setting of its own (likeness partner retention); templates stay until the user is deleted')
        .env('LIKENESS_IMAGE_RETENTION_DAYS')
        .argParser(parseNonNegativeInt)
        .default(DEFAULTS.imageRetentionDays),
    )
    .addOption(new Option('--log-level <level>', 'pino log level').env('LIKENESS_LOG_LEVEL').default(DEFAULTS.logLevel))
    .addOption(new Option('--access-log', 'log one line per HTTP request (method, route, status, time; default off; env LIKENESS_ACCESS_LOG=1)'))
    .addOption(new Option('--callback-concurrency <n>', 'callback deliveries at once per process').env('LIKENESS_CALLBACK_CONCURRENCY').argParser(parsePositiveInt).default(DEFAULTS.callbackConcurrency))
    .addOption(new Option('--callback-per-destination <n>', 'callback deliveries at once to one receiver (host:port), per process').env('LIKENESS_CALLBACK_PER_DESTINATION').argParser(parsePositiveInt).default(DEFAULTS.callbackPerDestination))
    .addOption(new Option('--callback-connect-timeout <ms>', 'time to connect to a callback receiver').env('LIKENESS_CALLBACK_CONNECT_TIMEOUT_MS').argParser(parsePositiveInt).default(DEFAULTS.callbackConnectTimeoutMs))
    .addOption(new Option('--metrics-token <token>', 'bearer token /metrics requires (16+ characters); without it or --metrics-port only local clients may scrape').env('LIKENESS_METRICS_TOKEN'))
    .addOption(new Option('--metrics-port <port>', 'serve /metrics on this separate plain-HTTP port instead of the API port').env('LIKENESS_METRICS_PORT').argParser(parsePort))
    .addOption(new Option('--metrics-host <address>', 'address of the --metrics-port listener (default: --host)').env('LIKENESS_METRICS_HOST'))
    .action(async (opts: ServeOptions) => {
      const overrides: Partial<ServerConfig> & { dataDir: string } = {
        ...configFromEnv(),
        dataDir: opts.data ?? defaultDataDir(),
        databaseUrl: opts.database ?? null,
        blobsUrl: opts.blobs ?? null,
        role: opts.role,
        host: opts.host,
        port: opts.port,
        publicUrl: opts.publicUrl ?? null,
        sandboxUrl: opts.sandboxUrl ?? null,
        tlsCertFile: opts.tlsCert ?? null,
        tlsKeyFile: opts.tlsKey ?? null,
        engineWorkers: opts.workers,
        engineExecutionProvider: opts.executionProvider,
        jobConcurrency: opts.concurrency,
        signatureMaxAgeMs: opts.signatureMaxSkew === undefined ? undefined : opts.signatureMaxSkew * 1000,
        allowCallbackHosts: opts.allowCallbackHosts,
        trustProxy: opts.trustProxy,
        rateLimitPerSecond: opts.rateLimit,
        rateLimitBurst: opts.rateLimitBurst,
        imageRetentionDays: opts.imageRetentionDays,
        logLevel: opts.logLevel,
        // A flag only turns it on; LIKENESS_ACCESS_LOG (1/0) is read by configFromEnv.
        ...(opts.accessLog ? { accessLog: true } : {}),
        callbackConcurrency: opts.callbackConcurrency,
        callbackPerDestination: opts.callbackPerDestination,
        callbackConnectTimeoutMs: opts.callbackConnectTimeout,
        metricsToken: opts.metricsToken,
        metricsPort: opts.metricsPort,
        metricsHost: opts.metricsHost,
      };
      let server;
      try {
        server = await startServer({ config: overrides });
      } catch (err) {
        process.stderr.write(`likeness: could not start: ${(err as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      recordServerOrigin(server.config.dataDir, server.origin, server.tls.certFile, server.config.sandboxUrl);
      const lines = [
        `Likeness is listening on ${server.origin}  (port ${new URL(server.origin).port})`,
        `  production sid_server: ${server.sidServer('production')}`,
        `  sandbox sid_server:    ${server.sidServer('sandbox')}`,
        `  data directory:        ${server.config.dataDir}`,
        `  role:                  ${server.config.role}`,
        `  database:              ${describeDatabase(server.config)}`,
        `  images:                ${describeBlobs(server.config)}`,
        `  partner portal:        ${server.origin}/portal`,
        `  face engine:           ${describeRuntime(server.ctx.engine.runtime)}`,
        `  metrics:               ${server.metricsOrigin ?? server.origin}/metrics (${server.config.metricsToken ? 'bearer token' : server.metricsOrigin ? 'metrics port' : 'local clients only'})`,
      ];
      if (server.tls.selfSigned) {
        lines.push(`  self-signed certificate: ${server.tls.certFile}`, `  trust it in Node clients with: NODE_EXTRA_CA_CERTS=${server.tls.certFile}`);
      }
      const partners = await server.ctx.store.listPartners();
      if (partners.length > 0) {
        // A restart: the keys were shown once, but the partner ID is what an integration needs next to the URL.
        lines.push(
          ...partners.map((p, i) => `  ${i === 0 ? 'partner ID:' : '           '}            ${p.partnerId} (${p.name})`),
          `  (likeness partner list --data ${server.config.dataDir} lists them; lost keys: likeness keys rotate)`,
        );
      } else if (!server.config.databaseUrl) {
        // Embedded only: in a cluster several nodes start at once, and partners are made with `likeness partner create`.
        const first = partnerJson(await createPartnerWithKeys(server.ctx.store, 'First partner'), server.origin);
        lines.push(
          '',
          'First run: created a partner.',
          describePartner(first),
          '',
          'Create a portal account for it (prints a one-time password):',
          `  likeness user add --data ${server.config.dataDir} --partner ${first.partner_id} --email you@example.com --role admin`,
        );
      }
      process.stdout.write(lines.join('\n') + '\n');
      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        process.stdout.write('likeness: shutting down (finishing jobs in progress)…\n');
        await server.close();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
