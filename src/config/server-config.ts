/**
 * @file The server's configuration tree with documented defaults. Flags and LIKENESS_* environment variables
 * override the defaults; the result is validated once and frozen.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { isIP } from 'node:net';
import { parseAllowList } from '../net/destination-policy.js';
import { DEFAULT_EXECUTION_PROVIDER, EXECUTION_PROVIDER_CHOICES, isExecutionProviderChoice, type ExecutionProviderChoice } from '../engine/index.js';

export type ServerRole = 'all' | 'api' | 'worker';
export const SERVER_ROLES: readonly ServerRole[] = ['all', 'api', 'worker'];

export interface ServerConfig {
  /** Directory holding all state: SQLite database, images, TLS certificate, master key. */
  dataDir: string;
  /** postgres://… : records and the job queue in PostgreSQL, shared by a cluster; null = SQLite under dataDir. */
  databaseUrl: string | null;
  /** s3://bucket/prefix?endpoint=…&region=…&forcePathStyle=true : images in object storage; null = dataDir/images. */
  blobsUrl: string | null;
  /** all = API and workers; api = HTTP only; worker = engine and callbacks (HTTP only /health and /metrics). */
  role: ServerRole;
  /** HTTPS listen address and port (0 = any free port). */
  host: string;
  port: number;
  /** Base URL clients reach this server at (used in upload_url, image links); default https://<host>:<port>. */
  publicUrl: string | null;
  /**
   * Origin whose host name serves the sandbox at the root (`/v1`, `/v2`), e.g. https://sandbox.likeness.example:8443:
   * Smile ID's Android SDK calls absolute paths, so it cannot reach the `/sandbox` prefix (docs/mobile.md).
   */
  sandboxUrl: string | null;
  /** PEM files; when absent a self-signed certificate is generated under dataDir/tls. */
  tlsCertFile: string | null;
  tlsKeyFile: string | null;
  /** Engine worker threads (default = cores). */
  engineWorkers: number;
  /** onnxruntime execution provider: 'auto' (CUDA where installed and a GPU is visible, else CPU), 'cpu' or 'cuda'. */
  engineExecutionProvider: ExecutionProviderChoice;
  /** How many jobs are processed at once by the queue worker. */
  jobConcurrency: number;
  /** A job task not finished within this time (its worker died or hung) is handed to another worker. */
  jobLeaseMs: number;
  /** Lifetime of an upload_url. */
  uploadUrlTtlMs: number;
  /** Lifetime of signed image links in job_status. */
  imageLinkTtlMs: number;
  /** Lifetime of a hosted web integration token from /token (default 1 hour). */
  webTokenTtlMs: number;
  /** Largest request body (JSON or zip), in bytes. */
  bodyLimitBytes: number;
  /** Callback delivery: request timeout and retry schedule (delays between attempts). */
  callbackTimeoutMs: number;
  callbackRetryDelaysMs: number[];
  /** Callback deliveries at once per process; at most callbackPerDestination of them to one host:port. */
  callbackConcurrency: number;
  callbackPerDestination: number;
  /** Time to open the connection to a callback receiver, shorter than callbackTimeoutMs (the whole request). */
  callbackConnectTimeoutMs: number;
  /**
   * Accept request signatures whose timestamp is within this many ms of the server's clock, either way (0 = no window).
   * The Python SDK signs once per WebApi object and reuses the signature (PROTOCOL.md §2.1): a long-lived Python
   * client needs a wider window or 0, at the price of captured requests being replayable for that long.
   */
  signatureMaxAgeMs: number;
  /** Non-public callback destinations the operator allows: host names, addresses and CIDR ranges. */
  allowCallbackHosts: string[];
  /** API requests per second per partner and environment, sustained (0 = no limit), and the burst allowed above it. */
  rateLimitPerSecond: number;
  rateLimitBurst: number;
  /** Reverse proxies whose X-Forwarded-For is believed: addresses, CIDR ranges, or loopback/linklocal/uniquelocal. */
  trustProxy: string[];
  /** Days job images are kept where a partner environment has no setting (`likeness partner retention`). */
  imageRetentionDays: number;
  /** How often a worker node purges expired job images. */
  retentionPurgeIntervalMs: number;
  /** Log level for pino. */
  logLevel: string;
  /** One log line per HTTP request (method, route pattern, status, time; never the URL, which may hold a capability). */
  accessLog: boolean;
  /** Bearer token that /metrics requires; with neither this nor metricsPort, only local clients may scrape. */
  metricsToken: string | null;
  /** Serve /metrics on this separate plain-HTTP port instead of the API port; null = API port. */
  metricsPort: number | null;
  /** Address of the metrics listener (default: host). */
  metricsHost: string | null;
}

export const DEFAULTS: Omit<ServerConfig, 'dataDir'> = {
  databaseUrl: null,
  blobsUrl: null,
  role: 'all',
  host: '127.0.0.1',
  port: 8443,
  publicUrl: null,
  sandboxUrl: null,
  tlsCertFile: null,
  tlsKeyFile: null,
  engineWorkers: availableParallelism(),
  engineExecutionProvider: DEFAULT_EXECUTION_PROVIDER,
  jobConcurrency: availableParallelism(),
  jobLeaseMs: 5 * 60_000,
  uploadUrlTtlMs: 60 * 60_000,
  imageLinkTtlMs: 15 * 60_000,
  webTokenTtlMs: 60 * 60_000,
  bodyLimitBytes: 25 * 1024 * 1024,
  callbackTimeoutMs: 10_000,
  // About a day of retries: 10 s, 30 s, 2 min, 10 min, 30 min, 1 h, 3 h, 6 h, 12 h.
  callbackRetryDelaysMs: [10_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000, 43_200_000],
  callbackConcurrency: 16,
  callbackPerDestination: 4,
  callbackConnectTimeoutMs: 3_000,
  signatureMaxAgeMs: 60 * 60_000,
  allowCallbackHosts: [],
  rateLimitPerSecond: 100,
  rateLimitBurst: 200,
  trustProxy: [],
  imageRetentionDays: 30,
  retentionPurgeIntervalMs: 3_600_000,
  logLevel: 'info',
  accessLog: false,
  metricsToken: null,
  metricsPort: null,
  metricsHost: null,
};

export function defaultDataDir(): string {
  return resolve(process.env.LIKENESS_DATA ?? '.likeness');
}

/** Merges overrides over the defaults, checks every value and freezes the result. */
export function buildServerConfig(overrides: Partial<ServerConfig> & { dataDir?: string }): Readonly<ServerConfig> {
  const cfg: ServerConfig = { ...DEFAULTS, ...stripUndefined(overrides), dataDir: resolve(overrides.dataDir ?? defaultDataDir()) };
  const problems: string[] = [];
  const intIn = (name: keyof ServerConfig, min: number, max: number) => {
    const v = cfg[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) problems.push(`${name} must be an integer from ${min} to ${max}, got ${String(v)}`);
  };
  intIn('port', 0, 65535);
  intIn('engineWorkers', 1, 256);
  intIn('jobConcurrency', 1, 1024);
  intIn('jobLeaseMs', 500, 24 * 3_600_000);
  intIn('uploadUrlTtlMs', 1000, 7 * 24 * 3_600_000);
  intIn('imageLinkTtlMs', 1000, 7 * 24 * 3_600_000);
  intIn('webTokenTtlMs', 1000, 7 * 24 * 3_600_000);
  intIn('bodyLimitBytes', 1024, 1024 * 1024 * 1024);
  intIn('callbackTimeoutMs', 100, 600_000);
  intIn('callbackConcurrency', 1, 1024);
  intIn('callbackPerDestination', 1, 1024);
  intIn('callbackConnectTimeoutMs', 100, 600_000);
  if (cfg.metricsPort !== null) intIn('metricsPort', 0, 65535);
  if (cfg.metricsToken !== null && (typeof cfg.metricsToken !== 'string' || cfg.metricsToken.length < 16)) problems.push('metricsToken must be at least 16 characters');
  intIn('signatureMaxAgeMs', 0, 365 * 24 * 3_600_000);
  intIn('rateLimitPerSecond', 0, 1_000_000);
  intIn('rateLimitBurst', 1, 1_000_000);
  intIn('imageRetentionDays', 0, 36_500);
  intIn('retentionPurgeIntervalMs', 1000, 7 * 24 * 3_600_000);
  if (!Array.isArray(cfg.callbackRetryDelaysMs) || cfg.callbackRetryDelaysMs.some((d) => !Number.isInteger(d) || d < 0)) {
    problems.push('callbackRetryDelaysMs must be a list of non-negative integers');
  }
  if (!isExecutionProviderChoice(cfg.engineExecutionProvider)) {
    problems.push(`engineExecutionProvider must be one of ${EXECUTION_PROVIDER_CHOICES.join(', ')}, got ${String(cfg.engineExecutionProvider)}`);
  }
  if (!SERVER_ROLES.includes(cfg.role)) problems.push(`role must be one of ${SERVER_ROLES.join(', ')}, got ${String(cfg.role)}`);
  if (cfg.databaseUrl !== null && !/^postgres(ql)?:\/\//.test(cfg.databaseUrl)) problems.push('databaseUrl must be a postgres:// URL');
  if (cfg.blobsUrl !== null && !cfg.blobsUrl.startsWith('s3://')) problems.push('blobsUrl must be an s3:// URL');
  if (!Array.isArray(cfg.allowCallbackHosts)) problems.push('allowCallbackHosts must be a list');
  else {
    try {
      parseAllowList(cfg.allowCallbackHosts);
    } catch (err) {
      problems.push(`allowCallbackHosts: ${(err as Error).message}`);
    }
  }
  const badProxies = Array.isArray(cfg.trustProxy) ? cfg.trustProxy.filter((p) => !isProxySpec(p)) : ['(not a list)'];
  if (badProxies.length) problems.push(`trustProxy must list addresses, CIDR ranges, loopback, linklocal or uniquelocal; got ${badProxies.join(', ')}`);
  if ((cfg.tlsCertFile === null) !== (cfg.tlsKeyFile === null)) problems.push('give both a TLS certificate and its key, or neither');
  if (cfg.publicUrl !== null && !/^https?:\/\/[^/]+/.test(cfg.publicUrl)) problems.push(`publicUrl must be an http(s) URL, got ${cfg.publicUrl}`);
  if (cfg.sandboxUrl !== null && !/^https?:\/\/[^/]+\/*$/.test(cfg.sandboxUrl)) problems.push(`sandboxUrl must be an http(s) origin (no path), got ${cfg.sandboxUrl}`);
  if (problems.length) throw new Error(`invalid configuration:\n  ${problems.join('\n  ')}`);
  return Object.freeze({
    ...cfg,
    publicUrl: cfg.publicUrl?.replace(/\/+$/, '') ?? null,
    sandboxUrl: cfg.sandboxUrl?.replace(/\/+$/, '') ?? null,
    allowCallbackHosts: Object.freeze([...cfg.allowCallbackHosts]) as string[],
    trustProxy: Object.freeze([...cfg.trustProxy]) as string[],
  });
}

/** An entry Fastify's trustProxy (proxy-addr) understands: an address, a CIDR range or a named range. */
function isProxySpec(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (['loopback', 'linklocal', 'uniquelocal'].includes(value)) return true;
  const [address, prefix, extra] = value.split('/');
  const version = isIP(address ?? '');
  if (!version || extra !== undefined) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128));
}

/** A comma-separated setting as a list (empty items dropped). */
export function parseList(value: string): string[] {
  return value.split(',').map((item) => item.trim()).filter(Boolean);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Reads LIKENESS_* environment variables into overrides. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<ServerConfig> {
  const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
  return stripUndefined({
    dataDir: env.LIKENESS_DATA,
    databaseUrl: env.LIKENESS_DATABASE_URL || undefined,
    blobsUrl: env.LIKENESS_BLOBS_URL || undefined,
    host: env.LIKENESS_HOST,
    port: num(env.LIKENESS_PORT),
    publicUrl: env.LIKENESS_PUBLIC_URL,
    sandboxUrl: env.LIKENESS_SANDBOX_URL,
    tlsCertFile: env.LIKENESS_TLS_CERT,
    tlsKeyFile: env.LIKENESS_TLS_KEY,
    engineWorkers: num(env.LIKENESS_ENGINE_WORKERS),
    engineExecutionProvider: env.LIKENESS_EXECUTION_PROVIDER || undefined,
    jobConcurrency: num(env.LIKENESS_JOB_CONCURRENCY),
    signatureMaxAgeMs: env.LIKENESS_SIGNATURE_MAX_SKEW ? Number(env.LIKENESS_SIGNATURE_MAX_SKEW) * 1000 : undefined,
    allowCallbackHosts: env.LIKENESS_ALLOW_CALLBACK_HOSTS === undefined ? undefined : parseList(env.LIKENESS_ALLOW_CALLBACK_HOSTS),
    rateLimitPerSecond: num(env.LIKENESS_RATE_LIMIT),
    rateLimitBurst: num(env.LIKENESS_RATE_LIMIT_BURST),
    trustProxy: env.LIKENESS_TRUST_PROXY === undefined ? undefined : parseList(env.LIKENESS_TRUST_PROXY),
    webTokenTtlMs: num(env.LIKENESS_WEB_TOKEN_TTL_MS),
    jobLeaseMs: num(env.LIKENESS_JOB_LEASE_MS),
    imageRetentionDays: num(env.LIKENESS_IMAGE_RETENTION_DAYS),
    logLevel: env.LIKENESS_LOG_LEVEL,
    callbackConcurrency: num(env.LIKENESS_CALLBACK_CONCURRENCY),
    callbackPerDestination: num(env.LIKENESS_CALLBACK_PER_DESTINATION),
    callbackConnectTimeoutMs: num(env.LIKENESS_CALLBACK_CONNECT_TIMEOUT_MS),
    accessLog: env.LIKENESS_ACCESS_LOG === undefined || env.LIKENESS_ACCESS_LOG === '' ? undefined : /^(1|true|yes|on)$/i.test(env.LIKENESS_ACCESS_LOG),
    metricsToken: env.LIKENESS_METRICS_TOKEN || undefined,
    metricsPort: num(env.LIKENESS_METRICS_PORT),
    metricsHost: env.LIKENESS_METRICS_HOST || undefined,
  }) as Partial<ServerConfig>;
}
