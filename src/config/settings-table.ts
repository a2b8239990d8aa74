/**
 * @file Every server setting in one table: where it lives in ServerConfig, its `serve` flag, its LIKENESS_*
 * environment variable, its type, range and default, and what it does. The configuration schema, the environment
 * parser, the `serve` options and `serve --help` are all generated from it, so adding a setting is adding one row.
 */
import { availableParallelism } from 'node:os';
import { isIP } from 'node:net';
import { DEFAULT_THRESHOLDS } from '../decision/thresholds.js';
import { DEFAULT_EXECUTION_PROVIDER, EXECUTION_PROVIDER_CHOICES } from '../engine/backend/execution-provider.js';
import { DEFAULT_SETTINGS, SPOOF_AGGREGATIONS, type EngineSettings } from '../engine/settings.js';
import { parseAllowList } from '../net/destination-policy.js';
import type { ServerConfig } from './server-config.js';

/** Every setting's place in ServerConfig, dotted into groups: a row with a path the interface lacks does not compile. */
type Leaves<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends readonly unknown[] | string | number | boolean | null ? `${P}${K}` : T[K] extends object ? Leaves<T[K], `${P}${K}.`> : `${P}${K}`;
}[keyof T & string];
export type SettingPath = Leaves<ServerConfig>;

export type ServerRole = 'all' | 'api' | 'worker';
export const SERVER_ROLES: readonly ServerRole[] = ['all', 'api', 'worker'];

export type SettingType = 'integer' | 'number' | 'string' | 'boolean' | 'list' | 'integer-list';

export interface SettingSpec {
  /** Where the value lives in ServerConfig: a key, or a dotted path into a group (`thresholds.match`). */
  path: SettingPath;
  /**
   * The `serve` flag as Commander writes it: '--port <port>' takes a value, '--http' is a switch. null: from the
   * environment only (a secret on a command line is visible to every local user in the process list).
   */
  flag: string | null;
  env: string;
  type: SettingType;
  /** The default, in configuration units; null = not set. */
  default: unknown;
  description: string;
  /** Whether null (not set) is a valid value. */
  nullable?: boolean;
  /** Inclusive range of a number, or of every item of an integer list, in flag units. */
  min?: number;
  max?: number;
  choices?: readonly string[];
  /** A regular expression a string must match (JSON schema `pattern`), with what it means for messages. */
  pattern?: { source: string; means: string };
  /** Flag and environment values are in this unit, multiplied by `scale` into the configuration's. */
  unit?: { name: string; scale: number };
  /** A check a schema cannot express (parsing a list entry); returns what is wrong, or null. */
  check?: (value: unknown) => string | null;
  /** Never printed: --help and messages show that it is set, not its value. */
  secret?: boolean;
}

const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * 24 * HOUR_MS;

/** An entry Fastify's trustProxy (proxy-addr) understands: an address, a CIDR range or a named range. */
function isProxySpec(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (['loopback', 'linklocal', 'uniquelocal'].includes(value)) return true;
  const [address, prefix, extra] = value.split('/');
  const version = isIP(address ?? '');
  if (!version || extra !== undefined) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128));
}

function checkAllowList(value: unknown): string | null {
  try {
    parseAllowList(value as string[]);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

function checkProxies(value: unknown): string | null {
  const bad = (value as unknown[]).filter((p) => !isProxySpec(p));
  return bad.length ? `must list addresses, CIDR ranges, loopback, linklocal or uniquelocal; got ${bad.join(', ')}` : null;
}

function checkMasterKey(value: unknown): string | null {
  return value === null || Buffer.from(String(value), 'base64').length === 32 ? null : 'must be 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`)';
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const snake = (s: string) => kebab(s).replace(/-/g, '_').toUpperCase();

/** A row of an engine setting group: flag --<group>-<key>, env LIKENESS_<GROUP>_<KEY>, default from DEFAULT_SETTINGS. */
type EngineKeys = {
  engine: Exclude<keyof EngineSettings, 'quality' | 'liveness' | 'matchThreshold'>;
  quality: keyof EngineSettings['quality'];
  liveness: keyof EngineSettings['liveness'];
};
function engineRow<G extends keyof EngineKeys>(group: G, key: EngineKeys[G] & string, type: SettingType, description: string, range: Partial<SettingSpec> = {}): SettingSpec {
  const defaults = (group === 'engine' ? DEFAULT_SETTINGS : DEFAULT_SETTINGS[group as 'quality' | 'liveness']) as unknown as Record<string, unknown>;
  const value = type === 'boolean' ? '<true|false>' : type === 'string' ? '<name>' : '<n>';
  return {
    path: (group === 'engine' ? `engineSettings.${key}` : `engineSettings.${group}.${key}`) as SettingPath,
    flag: `--${group}-${kebab(key)} ${value}`,
    env: `LIKENESS_${group.toUpperCase()}_${snake(key)}`,
    type,
    default: defaults[key],
    description,
    ...range,
  };
}

/** A decision threshold's row: flag --<name>, env LIKENESS_<NAME>, default from DEFAULT_THRESHOLDS. */
function thresholdRow(key: keyof typeof DEFAULT_THRESHOLDS, name: string, description: string): SettingSpec {
  return { path: `thresholds.${key}`, flag: `--${name} <n>`, env: `LIKENESS_${name.replace(/-/g, '_').toUpperCase()}`, type: 'number', default: DEFAULT_THRESHOLDS[key], min: 0, max: 1, description };
}

const ratio = { min: 0, max: 1 };

export const SETTINGS: readonly SettingSpec[] = [
  // Where state lives.
  { path: 'dataDir', flag: '--data <dir>', env: 'LIKENESS_DATA', type: 'string', default: '.likeness', description: 'directory for all state: database, images, TLS certificate, keys' },
  { path: 'databaseUrl', flag: '--database <url>', env: 'LIKENESS_DATABASE_URL', type: 'string', nullable: true, default: null, pattern: { source: '^postgres(ql)?://', means: 'a postgres:// URL' }, description: 'postgres://… : records and job queue in PostgreSQL, shared by a cluster (default: SQLite under --data)' },
  { path: 'blobsUrl', flag: '--blobs <url>', env: 'LIKENESS_BLOBS_URL', type: 'string', nullable: true, default: null, pattern: { source: '^s3://', means: 'an s3:// URL' }, description: 's3://bucket/prefix?endpoint=…&region=…&forcePathStyle=true : images in object storage (default: <data>/images)' },
  { path: 'masterKey', flag: null, env: 'LIKENESS_MASTER_KEY', type: 'string', nullable: true, default: null, secret: true, check: checkMasterKey, description: 'master key, 32 bytes base64 (environment only: a command line is visible to other users); default: <data>/secrets/master.key, created on first start; a cluster must set it or --master-key-file' },
  { path: 'masterKeyFile', flag: '--master-key-file <file>', env: 'LIKENESS_MASTER_KEY_FILE', type: 'string', nullable: true, default: null, description: 'file holding the master key (base64), e.g. a mounted secret kept off the data disk' },
  { path: 'role', flag: '--role <role>', env: 'LIKENESS_ROLE', type: 'string', default: 'all', choices: SERVER_ROLES, description: 'all = API and workers; api = HTTP only; worker = engine and callbacks (HTTP /health and /metrics only)' },
  // Network.
  { path: 'host', flag: '--host <address>', env: 'LIKENESS_HOST', type: 'string', default: '127.0.0.1', description: 'address to listen on' },
  { path: 'port', flag: '--port <port>', env: 'LIKENESS_PORT', type: 'integer', default: 8443, min: 0, max: 65535, description: 'port to listen on; 0 picks a free one and prints it' },
  { path: 'http', flag: '--http', env: 'LIKENESS_HTTP', type: 'boolean', default: false, description: 'serve plain HTTP instead of HTTPS, for a TLS-terminating reverse proxy in front (logged as a warning; set --trust-proxy and --public-url too)' },
  { path: 'publicUrl', flag: '--public-url <url>', env: 'LIKENESS_PUBLIC_URL', type: 'string', nullable: true, default: null, pattern: { source: '^https?://[^/]+', means: 'an http(s) URL' }, description: 'origin clients reach this server at, for upload and image URLs (default: from a trusted proxy\'s X-Forwarded-Proto/Host, else the listening address)' },
  { path: 'sandboxUrl', flag: '--sandbox-url <url>', env: 'LIKENESS_SANDBOX_URL', type: 'string', nullable: true, default: null, pattern: { source: '^https?://[^/]+/*$', means: 'an http(s) origin (no path)' }, description: "origin of a host name that serves the sandbox at its root, for Smile ID's Android SDK (docs/mobile.md)" },
  { path: 'tlsCertFile', flag: '--tls-cert <file>', env: 'LIKENESS_TLS_CERT', type: 'string', nullable: true, default: null, description: 'PEM certificate (default: a self-signed one under <data>/tls)' },
  { path: 'tlsKeyFile', flag: '--tls-key <file>', env: 'LIKENESS_TLS_KEY', type: 'string', nullable: true, default: null, description: 'PEM private key for --tls-cert' },
  { path: 'trustProxy', flag: '--trust-proxy <list>', env: 'LIKENESS_TRUST_PROXY', type: 'list', default: [], check: checkProxies, description: 'comma-separated addresses/CIDR ranges (or loopback, linklocal, uniquelocal) of reverse proxies whose X-Forwarded-For/-Proto/-Host are believed (default: none)' },
  { path: 'bodyLimitBytes', flag: '--body-limit-bytes <n>', env: 'LIKENESS_BODY_LIMIT_BYTES', type: 'integer', default: 25 * 1024 * 1024, min: 1024, max: 1024 * 1024 * 1024, description: 'largest request body (JSON or zip), in bytes' },
  { path: 'rateLimitPerSecond', flag: '--rate-limit <per-second>', env: 'LIKENESS_RATE_LIMIT', type: 'integer', default: 100, min: 0, max: 1_000_000, description: 'API requests per second per partner and environment, sustained; over it requests get 429 (2292) with Retry-After; 0 = no limit' },
  { path: 'rateLimitBurst', flag: '--rate-limit-burst <n>', env: 'LIKENESS_RATE_LIMIT_BURST', type: 'integer', default: 200, min: 1, max: 1_000_000, description: 'requests a partner environment may send at once above the sustained rate' },
  { path: 'signatureMaxAgeMs', flag: '--signature-max-skew <seconds>', env: 'LIKENESS_SIGNATURE_MAX_SKEW', type: 'integer', default: HOUR_MS, min: 0, max: 365 * 24 * 3600, unit: { name: 'seconds', scale: 1000 }, description: 'accept request signatures timestamped within this many seconds of the server clock, either way; 0 = any age (see README: the Python SDK reuses one signature)' },
  { path: 'uploadUrlTtlMs', flag: '--upload-url-ttl-ms <ms>', env: 'LIKENESS_UPLOAD_URL_TTL_MS', type: 'integer', default: HOUR_MS, min: 1000, max: WEEK_MS, description: 'lifetime of an upload_url' },
  { path: 'imageLinkTtlMs', flag: '--image-link-ttl-ms <ms>', env: 'LIKENESS_IMAGE_LINK_TTL_MS', type: 'integer', default: 15 * 60_000, min: 1000, max: WEEK_MS, description: 'lifetime of the signed image links in job_status' },
  { path: 'webTokenTtlMs', flag: '--web-token-ttl-ms <ms>', env: 'LIKENESS_WEB_TOKEN_TTL_MS', type: 'integer', default: HOUR_MS, min: 1000, max: WEEK_MS, description: 'lifetime of a hosted web integration token from /token' },
  // Jobs and callbacks.
  { path: 'jobConcurrency', flag: '--concurrency <n>', env: 'LIKENESS_JOB_CONCURRENCY', type: 'integer', default: availableParallelism(), min: 1, max: 1024, description: 'jobs processed at once (default: the number of cores)' },
  { path: 'jobLeaseMs', flag: '--job-lease-ms <ms>', env: 'LIKENESS_JOB_LEASE_MS', type: 'integer', default: 5 * 60_000, min: 500, max: 24 * HOUR_MS, description: 'a job task not finished within this time (its worker died or hung) is handed to another worker' },
  { path: 'callbackTimeoutMs', flag: '--callback-timeout-ms <ms>', env: 'LIKENESS_CALLBACK_TIMEOUT_MS', type: 'integer', default: 10_000, min: 100, max: 600_000, description: 'callback delivery request timeout' },
  // About a day of retries: 10 s, 30 s, 2 min, 10 min, 30 min, 1 h, 3 h, 6 h, 12 h.
  { path: 'callbackConcurrency', flag: '--callback-concurrency <n>', env: 'LIKENESS_CALLBACK_CONCURRENCY', type: 'integer', default: 16, min: 1, max: 1024, description: 'callback deliveries at once per process' },
  { path: 'callbackPerDestination', flag: '--callback-per-destination <n>', env: 'LIKENESS_CALLBACK_PER_DESTINATION', type: 'integer', default: 4, min: 1, max: 1024, description: 'callback deliveries at once to one receiver (host:port), per process: a receiver that hangs holds only these' },
  { path: 'callbackConnectTimeoutMs', flag: '--callback-connect-timeout-ms <ms>', env: 'LIKENESS_CALLBACK_CONNECT_TIMEOUT_MS', type: 'integer', default: 3_000, min: 100, max: 600_000, description: 'time to open a connection to a callback receiver (the request timeout covers the whole delivery)' },
  { path: 'callbackRetryDelaysMs', flag: '--callback-retry-delays-ms <list>', env: 'LIKENESS_CALLBACK_RETRY_DELAYS_MS', type: 'integer-list', default: [10_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000, 43_200_000], min: 0, max: 7 * 24 * HOUR_MS, description: 'comma-separated delays between callback delivery attempts, in ms (about a day of retries)' },
  { path: 'allowCallbackHosts', flag: '--allow-callback-hosts <list>', env: 'LIKENESS_ALLOW_CALLBACK_HOSTS', type: 'list', default: [], check: checkAllowList, description: 'comma-separated host names, addresses and CIDR ranges that callbacks may reach although not public (default: public addresses only)' },
  // The engine.
  { path: 'engineWorkers', flag: '--workers <n>', env: 'LIKENESS_ENGINE_WORKERS', type: 'integer', default: availableParallelism(), min: 1, max: 256, description: 'face engine worker threads (default: the number of cores)' },
  { path: 'workerNice', flag: '--worker-nice <n>', env: 'LIKENESS_WORKER_NICE', type: 'integer', default: 10, min: 0, max: 19, description: 'with --role worker: the CPU priority (nice value, 0–19) the process lowers itself to before its engine threads start, so API processes sharing the machine answer first; 0 = leave it' },
  { path: 'engineExecutionProvider', flag: '--execution-provider <name>', env: 'LIKENESS_EXECUTION_PROVIDER', type: 'string', default: DEFAULT_EXECUTION_PROVIDER, choices: EXECUTION_PROVIDER_CHOICES, description: "onnxruntime execution provider: auto = CUDA where onnxruntime's CUDA provider is installed and a GPU is visible, else CPU" },
  { path: 'modelsDir', flag: '--models-dir <dir>', env: 'LIKENESS_MODELS_DIR', type: 'string', nullable: true, default: null, description: 'directory holding the face models and manifest.json (default: the installed package\'s models/)' },
  engineRow('engine', 'flipAverage', 'boolean', 'embed a selfie and its mirror image and sum the two embeddings (~6 ms more)'),
  engineRow('engine', 'fusion', 'boolean', 'fuse a second recogniser\'s score into selfie-to-registered-selfie matching (off: ~20 % more CPU per job for a gain inside the confidence interval; MODELS.md)'),
  engineRow('engine', 'maxWorkingSidePx', 'integer', 'longest side of the working image for a selfie; larger inputs are shrunk on decode', { min: 64, max: 8192 }),
  engineRow('engine', 'maxFrameSidePx', 'integer', 'longest side of the working image for a liveness frame', { min: 64, max: 8192 }),
  engineRow('engine', 'minImageSidePx', 'integer', 'smallest accepted image side, in pixels', { min: 1, max: 4096 }),
  engineRow('quality', 'minFaceSizePx', 'integer', 'smallest accepted face box side, in pixels of the original image', { min: 1, max: 4096 }),
  engineRow('quality', 'minBrightness', 'number', 'mean luma (0–255) of the face below which it is too dark', { min: 0, max: 255 }),
  engineRow('quality', 'maxBrightness', 'number', 'mean luma (0–255) of the face above which it is overexposed', { min: 0, max: 255 }),
  engineRow('quality', 'minSharpness', 'number', 'Laplacian variance of the aligned face below which it is blurry (sharp photos measure 200–4,000)', { min: 0, max: 100_000 }),
  engineRow('quality', 'maxYaw', 'number', '|yaw| (0 frontal, ~1 profile) above which the pose is extreme', { min: 0, max: 2 }),
  engineRow('quality', 'maxPitch', 'number', '|pitch| above which the pose is extreme', { min: 0, max: 2 }),
  engineRow('quality', 'minEyeOpenness', 'number', 'mean eye aspect ratio below which the eyes count as closed', ratio),
  engineRow('quality', 'secondFacePriorityRatio', 'number', 'a second face whose size weighted by centrality is at least this fraction of the main face\'s (and about as sharp) fails the image', ratio),
  engineRow('quality', 'bystanderSharpnessRatio', 'number', 'a second face below this fraction of the main face\'s sharpness is a defocused bystander', ratio),
  engineRow('quality', 'maxBacklitRatio', 'number', 'face luma below this fraction of its surroundings\' gives the backlit hint', ratio),
  engineRow('liveness', 'minFaceFraction', 'number', 'fraction of liveness frames that must contain a face', ratio),
  engineRow('liveness', 'minFrameSimilarity', 'number', 'cosine similarity every frame\'s face must reach to the selfie', ratio),
  engineRow('liveness', 'minYawRange', 'number', 'yaw range over the burst that shows natural motion', ratio),
  engineRow('liveness', 'minPitchRange', 'number', 'pitch range over the burst that shows natural motion', ratio),
  engineRow('liveness', 'minEyeRange', 'number', 'eye openness range over the burst that shows natural motion', ratio),
  engineRow('liveness', 'minMouthRange', 'number', 'mouth openness range over the burst that shows natural motion', ratio),
  engineRow('liveness', 'minFrameDifference', 'number', 'mean grey difference (0–255) of two frame thumbnails below which they are replayed', { min: 0, max: 255 }),
  engineRow('liveness', 'spoofThreshold', 'number', 'aggregated anti-spoof P(genuine) a burst needs to pass', ratio),
  engineRow('liveness', 'spoofAggregation', 'string', 'how the selfie\'s and frames\' anti-spoof scores become the burst\'s', { choices: SPOOF_AGGREGATIONS }),
  engineRow('liveness', 'spoofFrames', 'integer', 'liveness frames also given the anti-spoof model, evenly spread (0 = every frame)', { min: 0, max: 1000 }),
  // The decision.
  thresholdRow('match', 'match-threshold', 'decision: cosine similarity at or above which faces match (FMR 1e-4 on lfw-dev; MODELS.md)'),
  thresholdRow('matchReviewBelow', 'match-review-below', 'decision: the human-review band runs from match minus this…'),
  thresholdRow('matchReviewAbove', 'match-review-above', 'decision: …up to match plus this (the thresholds at FMR 1e-3 and 1e-5)'),
  thresholdRow('spoof', 'spoof-threshold', 'decision: selfie anti-spoof P(genuine) at or above which it counts as live'),
  thresholdRow('spoofReviewBand', 'spoof-review-band', 'decision: half-width of the human-review band around spoof'),
  thresholdRow('liveness', 'liveness-threshold', 'decision: burst liveness score at or above which the burst is live'),
  thresholdRow('livenessReviewBand', 'liveness-review-band', 'decision: half-width of the human-review band around liveness'),
  // Operations.
  { path: 'accessLog', flag: '--access-log', env: 'LIKENESS_ACCESS_LOG', type: 'boolean', default: false, description: 'log one line per HTTP request (method, route pattern, status, time; never the URL, which may hold a capability)' },
  { path: 'metricsToken', flag: null, env: 'LIKENESS_METRICS_TOKEN', type: 'string', nullable: true, default: null, secret: true, check: (v) => (v !== null && String(v).length < 16 ? 'must be at least 16 characters' : null), description: 'bearer token /metrics requires (16+ characters; environment only); without it or --metrics-port only local clients may scrape' },
  { path: 'metricsPort', flag: '--metrics-port <port>', env: 'LIKENESS_METRICS_PORT', type: 'integer', nullable: true, default: null, min: 0, max: 65535, description: 'serve /metrics on this separate plain-HTTP port instead of the API port' },
  { path: 'metricsHost', flag: '--metrics-host <address>', env: 'LIKENESS_METRICS_HOST', type: 'string', nullable: true, default: null, description: 'address of the --metrics-port listener (default: --host)' },
  { path: 'imageRetentionDays', flag: '--image-retention-days <days>', env: 'LIKENESS_IMAGE_RETENTION_DAYS', type: 'integer', default: 30, min: 0, max: 36_500, description: 'days job images are kept where a partner environment has no setting of its own (likeness partner retention); templates stay until the user is deleted' },
  { path: 'retentionPurgeIntervalMs', flag: '--retention-purge-interval-ms <ms>', env: 'LIKENESS_RETENTION_PURGE_INTERVAL_MS', type: 'integer', default: HOUR_MS, min: 1000, max: WEEK_MS, description: 'how often a worker node purges expired job images' },
  { path: 'logLevel', flag: '--log-level <level>', env: 'LIKENESS_LOG_LEVEL', type: 'string', default: 'info', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], description: 'pino log level' },
];
