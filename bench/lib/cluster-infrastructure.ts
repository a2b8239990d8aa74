/**
 * @file The cluster backends' real infrastructure, shared by the test run and `bench:cluster`: a throwaway
 * PostgreSQL cluster (Debian's `postgresql`, run as the `postgres` user because initdb refuses root) and an
 * S3-compatible server (`s3rver` from npm, standing in for MinIO/AWS). The tests' global setup starts them once;
 * tests get their own database and key prefix.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import S3rver from 's3rver';

export const TEST_BUCKET = 'likeness-test';

/** Server settings beyond the defaults (`bench:cluster` loads pg_stat_statements to count statements per job). */
export type PostgresSettings = Record<string, string>;

function postgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0], 'bin') : null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Asynchronous, so a server in the same process keeps answering while PostgreSQL stops and starts. */
async function asPostgres(bin: string, args: string[]): Promise<void> {
  const [file, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  await promisify(execFile)(file, argv);
}

export interface PostgresCluster {
  /** postgres://likeness@127.0.0.1:PORT/postgres */
  adminUrl: string;
  dataDir: string;
  pgCtl: string;
  port: number;
  settings?: PostgresSettings;
}

/** pg_ctl start/stop of a running test cluster (fault tests restart it). */
export function pgCtl(cluster: Pick<PostgresCluster, 'pgCtl' | 'dataDir' | 'port' | 'settings'>, action: 'start' | 'stop'): Promise<void> {
  const dir = join(cluster.dataDir, '..');
  const extra = Object.entries(cluster.settings ?? {}).map(([k, v]) => ` -c ${k}=${v}`).join('');
  const args =
    action === 'start'
      ? ['-D', cluster.dataDir, '-o', `-p ${cluster.port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200${extra}`, '-l', join(dir, 'log'), '-w', 'start']
      : ['-D', cluster.dataDir, '-m', 'immediate', '-w', 'stop'];
  return asPostgres(cluster.pgCtl, args);
}

/**
 * Synchronous stop for the run's teardown: the test runner may exit without waiting for a pending child process,
 * which would leave the cluster running.
 */
export function stopPostgresSync(cluster: Pick<PostgresCluster, 'pgCtl' | 'dataDir'>): void {
  const args = ['-D', cluster.dataDir, '-m', 'immediate', '-w', 'stop'];
  const [file, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cluster.pgCtl, ...args]] : [cluster.pgCtl, args];
  execFileSync(file, argv, { stdio: 'pipe' });
}

/** null when Debian's postgresql is not installed (`.ci/run` installs it). */
export async function startPostgres(tempDir: string, settings?: PostgresSettings): Promise<PostgresCluster | null> {
  const bin = postgresBin();
  if (!bin) return null;
  const dir = join(tempDir, 'pg');
  mkdirSync(dir, { recursive: true });
  chmodSync(tempDir, 0o755);
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const dataDir = join(dir, 'data');
  // fsync off: a throwaway cluster for tests, never for figures reported as production-like.
  await asPostgres(join(bin, 'initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'likeness', '--no-sync']);
  const cluster = { adminUrl: '', dataDir, pgCtl: join(bin, 'pg_ctl'), port: await freePort(), settings };
  await pgCtl(cluster, 'start');
  cluster.adminUrl = `postgres://likeness@127.0.0.1:${cluster.port}/postgres`;
  return cluster;
}

export interface S3Server {
  endpoint: string;
  /** Requests served so far, and the request and response body bytes they carried. */
  traffic(): { requests: number; bytesIn: number; bytesOut: number; byMethod: Record<string, number> };
  close(): Promise<void>;
}

export async function startS3(directory: string): Promise<S3Server> {
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: TEST_BUCKET, configs: [] }] });
  const { port } = (await server.run()) as unknown as { port: number };
  const traffic = { requests: 0, bytesIn: 0, bytesOut: 0, byMethod: {} as Record<string, number> };
  // A second listener beside s3rver's own: it only counts.
  server.httpServer.on('request', (req, res) => {
    traffic.requests++;
    traffic.byMethod[req.method!] = (traffic.byMethod[req.method!] ?? 0) + 1;
    traffic.bytesIn += Number(req.headers['content-length'] ?? 0);
    res.once('finish', () => (traffic.bytesOut += Number(res.getHeader('content-length') ?? 0)));
  });
  return { endpoint: `http://127.0.0.1:${port}`, traffic: () => ({ ...traffic, byMethod: { ...traffic.byMethod } }), close: () => server.close() };
}
