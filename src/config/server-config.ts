/**
 * @file The server's configuration tree. Its settings, with their flags, environment variables, ranges and defaults,
 * are the rows of settings-table.ts; a configuration is merged over the defaults, checked once against the schema
 * generated from that table (unknown keys and bad values refused, each named with its flag and variable) and
 * deep-frozen. Precedence: `serve` flags, then LIKENESS_* environment variables, then the defaults.
 */
import { resolve } from 'node:path';
import type { DecisionThresholds } from '../decision/types.js';
import type { ExecutionProviderChoice } from '../engine/backend/execution-provider.js';
import type { EngineSettings } from '../engine/settings.js';
import { configProblems } from './config-schema.js';
import { SETTINGS, type ServerRole, type SettingSpec } from './settings-table.js';

export { SERVER_ROLES, type ServerRole } from './settings-table.js';

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
  /**
   * Nice value a worker-role process runs at (0 = unchanged): engine work is batch and yields the CPU to the API
   * processes on the same machine, whose latency partners feel.
   */
  workerNice: number;
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
  /** Serve plain HTTP (a TLS-terminating proxy in front): only when asked, with a warning in the log. */
  http: boolean;
  /** The master key (base64) or a file holding it; neither = <dataDir>/secrets/master.key (embedded only). */
  masterKey: string | null;
  masterKeyFile: string | null;
  /** Directory of the face models; null = the package's models/ (LIKENESS_MODELS_DIR). */
  modelsDir: string | null;
  /** The engine's tunables (its match threshold is `thresholds.match`). */
  engineSettings: EngineTuning;
  /** The decision's thresholds and review bands. */
  thresholds: DecisionThresholds;
}

export type EngineTuning = Omit<EngineSettings, 'matchThreshold'>;

/** A configuration as given: any setting may be left out, groups in part. */
export type ServerConfigInput = { [K in keyof ServerConfig]?: ServerConfig[K] extends readonly unknown[] | null | string | number | boolean ? ServerConfig[K] : DeepPartial<ServerConfig[K]> };
type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

type Tree = Record<string, unknown>;
const isGroup = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

function setAt(tree: Tree, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = tree;
  for (const key of parts.slice(0, -1)) node = (node[key] ??= {}) as Tree;
  node[parts[parts.length - 1]] = value;
}

/** `over` merged into `base` group by group; undefined leaves nothing, lists replace. */
function merge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    out[key] = isGroup(value) && isGroup(base[key]) ? merge(base[key], value) : value;
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

function defaultsTree(): Tree {
  const tree: Tree = {};
  for (const spec of SETTINGS) setAt(tree, spec.path, structuredClone(spec.default));
  return tree;
}

/** Every default, as a frozen configuration (dataDir relative: resolved when a configuration is built). */
export const DEFAULTS: Readonly<ServerConfig> = deepFreeze(defaultsTree() as unknown as ServerConfig);

export function defaultDataDir(): string {
  return resolve(process.env.LIKENESS_DATA ?? String(DEFAULTS.dataDir));
}

/** Merges a configuration over the defaults, checks it against the schema, refuses it with every problem, deep-freezes it. */
export function buildServerConfig(input: ServerConfigInput): Readonly<ServerConfig> {
  const cfg = merge(defaultsTree(), input as Tree) as unknown as ServerConfig;
  const problems = configProblems(cfg);
  if (!problems.length && (cfg.tlsCertFile === null) !== (cfg.tlsKeyFile === null)) problems.push('give both a TLS certificate (--tls-cert) and its key (--tls-key), or neither');
  if (!problems.length && cfg.masterKey !== null && cfg.masterKeyFile !== null) problems.push('give the master key (LIKENESS_MASTER_KEY) or a file holding it (--master-key-file / LIKENESS_MASTER_KEY_FILE), not both');
  if (problems.length) throw new Error(`invalid configuration:\n  ${problems.join('\n  ')}`);
  return deepFreeze({
    ...cfg,
    dataDir: resolve(cfg.dataDir),
    publicUrl: cfg.publicUrl?.replace(/\/+$/, '') ?? null,
    sandboxUrl: cfg.sandboxUrl?.replace(/\/+$/, '') ?? null,
  });
}

/** A comma-separated setting as a list (empty items dropped). */
export function parseList(value: string): string[] {
  return value.split(',').map((item) => item.trim()).filter(Boolean);
}

/**
 * A flag's or environment variable's text as the setting's value, in configuration units. Text that is not of the
 * setting's type is kept as it is, for the schema to refuse with the setting's name.
 */
function settingValue(spec: SettingSpec, text: string | true): unknown {
  if (text === true) return true;
  const number = (t: string) => (t.trim() !== '' && Number.isFinite(Number(t)) ? Number(t) * (spec.unit?.scale ?? 1) : t);
  switch (spec.type) {
    case 'integer':
    case 'number':
      return number(text);
    case 'boolean':
      return /^(true|1|yes|on)$/i.test(text) ? true : /^(false|0|no|off)$/i.test(text) ? false : text;
    case 'list':
      return parseList(text);
    case 'integer-list':
      return parseList(text).map(number);
    case 'string':
      return text === '' && spec.nullable ? null : text;
  }
}

/** Overrides from `values` (flag or variable text, by setting), as a configuration input. */
export function configFromValues(values: (spec: SettingSpec) => string | true | undefined): ServerConfigInput {
  const tree: Tree = {};
  for (const spec of SETTINGS) {
    const text = values(spec);
    if (text !== undefined) setAt(tree, spec.path, settingValue(spec, text));
  }
  return tree as ServerConfigInput;
}

/** A setting's environment variable; an empty one counts as not set. */
export function envText(spec: SettingSpec, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[spec.env] === '' ? undefined : env[spec.env];
}

/** Reads LIKENESS_* environment variables into overrides. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfigInput {
  return configFromValues((spec) => envText(spec, env));
}

