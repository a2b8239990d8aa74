/**
 * @file `npm run bench:cluster`: the same SmartSelfie job mix through (a) the embedded single process and (b) a
 * cluster of 2 API processes behind a TCP round-robin load balancer and 2 worker processes over PostgreSQL and an
 * S3-compatible store, on this machine and in the same run (rounds alternate, so drift in a shared machine's speed
 * hits both alike). Measures jobs/s, end-to-end latency, /job_status at concurrency 16, and the cluster's cost per
 * job: SQL statements (pg_stat_statements), rows, database and WAL bytes, S3 requests and bytes, CPU per process
 * kind. Then a fault run under load: one worker and one API process are killed with SIGKILL and restarted; every
 * accepted job must reach one final result and its callback. Writes the "cluster" section of BENCHMARKS.md.
 * `--check` exits 1 when a job is lost, has two different results or its callback never comes; 3 when only a
 * speed target is missed. `--long` runs more jobs (by hand; the default is the short CI run).
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { loadOrCreateTls } from '../src/http/tls.js';
import { generateSignature, verifySignature } from '../src/protocol/signature.js';
import { CLI, Client, cpuMs, smartSelfieZip, startServerProcess, type HttpAnswer } from './lib/api-driver.js';
import { freePort, startPostgres, stopPostgresSync, TEST_BUCKET } from './lib/cluster-infrastructure.js';
import { startS3Process } from './lib/s3-process.js';
import { flag, machineDescription, markdownTable, percentile, REPO_ROOT, writeBenchmarkSection } from './lib/report.js';

const args = process.argv.slice(2);
const dataDir = flag(args, 'data') ?? join(REPO_ROOT, '..', 'shared');
const check = args.includes('--check');
const long = args.includes('--long');
const ROUNDS = long ? 4 : 2;
const JOBS_PER_ROUND = Number(flag(args, 'jobs') ?? (long ? 50 : 24));
const FAULT_JOBS = Number(flag(args, 'fault-jobs') ?? (long ? 150 : 48));
const CONCURRENCY = 16;
const POLL_INTERVAL_MS = 250;
/** A job lease short enough that a killed worker's job is taken over within seconds; the heartbeat keeps live ones. */
const LEASE_MS = 10_000;
/** Slowness is not loss: on a loaded machine a callback may take minutes; only one that never comes is a miss. */
const CALLBACK_WAIT_MS = 600_000;

const TARGET_RATIO = 0.85;
const TARGET_STATUS_P99_MS = 20;

const frames = Array.from({ length: 8 }, (_, i) => readFileSync(join(dataDir, 'bursts', 'live-1', `f0${i + 1}.jpg`)));

interface Partner {
  partner_id: string;
  production_api_key: string;
}

interface Node {
  name: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  child: ChildProcess;
  origin: string;
}

interface Deployment {
  name: string;
  base: string;
  partner: Partner;
  client: Client;
  nodes: Node[];
}

// ---------- the partner's callback endpoint: every delivery of every job, kept ----------

const deliveries = new Map<string, Record<string, unknown>[]>();
const waiting = new Map<string, () => void>();
const receiver = createHttpServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    res.writeHead(200).end();
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    const jobId = (body.PartnerParams as { job_id: string }).job_id;
    deliveries.set(jobId, [...(deliveries.get(jobId) ?? []), body]);
    waiting.get(jobId)?.();
  });
});

/** What must be the same in every delivery of a job's result and in job_status: the result, not its signing time. */
function resultIdentity(r: Record<string, unknown>): string {
  const { ResultCode, ResultText, Actions, ConfidenceValue, SmileJobID, IsFinalResult, PartnerParams } = r;
  return JSON.stringify({ ResultCode, ResultText, Actions, ConfidenceValue, SmileJobID, IsFinalResult, PartnerParams });
}

// ---------- a TCP round-robin load balancer in front of the API nodes ----------

function startBalancer(ports: number[]): Promise<{ port: number; close(): void }> {
  let next = 0;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    open.add(client);
    client.pause();
    client.on('error', () => {});
    client.on('close', () => open.delete(client));
    // A node that refuses the connection (killed, restarting) is skipped, as an ordinary balancer's health check would.
    const attempt = (left: number) => {
      let connected = false;
      const upstream = connect(ports[next++ % ports.length], '127.0.0.1');
      upstream.once('connect', () => {
        connected = true;
        open.add(upstream);
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
        upstream.on('close', () => (open.delete(upstream), client.destroy()));
        client.on('close', () => upstream.destroy());
      });
      upstream.on('error', () => {
        if (!connected && left > 1) attempt(left - 1);
        else client.destroy();
      });
    };
    attempt(ports.length * 2);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => {
          for (const s of open) s.destroy();
          server.close();
        },
      }),
    ),
  );
}

// ---------- driving jobs ----------

interface JobStats {
  e2eMs: number[];
  statusMs: number[];
  /** Requests retried after a connection error or a 5xx (only expected in the fault run). */
  retries: number;
}

interface Accepted {
  jobId: string;
  userId: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends, retrying as a client does when the connection breaks or the node answers 5xx; the final answer. */
async function sendRetrying(d: Deployment, stats: JobStats, method: string, url: string, body: (attempt: number) => Buffer | string, type: string): Promise<HttpAnswer & { attempts: number }> {
  for (let attempt = 0; ; attempt++) {
    try {
      const a = await d.client.send(method, url, body(attempt), type);
      if (a.status < 500 || attempt >= 40) return { ...a, attempts: attempt + 1 };
    } catch (err) {
      if (attempt >= 40) throw err;
    }
    stats.retries++;
    await sleep(250);
  }
}

/**
 * One client's loop: an enrolment, then (when it was approved) an authentication of the same user, and so on. A job
 * counts as accepted once its zip PUT answered 200, or 2393 to a retry (an earlier attempt landed).
 */
async function clientLoop(d: Deployment, next: () => number | null, stats: JobStats, accepted: Accepted[], callbackWaitMs: number): Promise<void> {
  let enrolled: string | null = null;
  for (let n = next(); n !== null; n = next()) {
    const userId: string = enrolled ?? `${d.name}-u-${n}-${randomBytes(3).toString('hex')}`;
    const params: { user_id: string; job_id: string; job_type: number } = { user_id: userId, job_id: `${d.name}-j-${n}-${randomBytes(3).toString('hex')}`, job_type: enrolled ? 2 : 4 };
    const zip = await smartSelfieZip(d.partner.partner_id, params, enrolled ? frames[1] : frames[0], frames);
    const callback = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), callbackWaitMs);
      waiting.set(params.job_id, () => (clearTimeout(timer), resolve(true)));
    });
    const sign = () => generateSignature(d.partner.production_api_key, d.partner.partner_id);
    const started = performance.now();
    const prep = await sendRetrying(d, stats, 'POST', `${d.base}/upload`, (attempt) =>
      JSON.stringify({ partner_params: params, smile_client_id: d.partner.partner_id, callback_url: receiverUrl, ...sign(), ...(attempt ? { retry: true } : {}) }), 'application/json');
    if (prep.status !== 200) throw new Error(`prep_upload ${prep.status}: ${prep.body}`);
    const put = await sendRetrying(d, stats, 'PUT', JSON.parse(prep.body).upload_url, () => zip, 'application/zip');
    const landedEarlier = put.attempts > 1 && put.status === 409 && JSON.parse(put.body).code === '2393';
    if (put.status !== 200 && !landedEarlier) throw new Error(`upload ${put.status}: ${put.body}`);
    accepted.push({ jobId: params.job_id, userId });
    let polling = true;
    const poll = (async () => {
      while (polling) {
        await sleep(POLL_INTERVAL_MS);
        if (!polling) break;
        const st = await sendRetrying(d, stats, 'POST', `${d.base}/job_status`, () => JSON.stringify({ user_id: userId, job_id: params.job_id, partner_id: d.partner.partner_id, ...sign() }), 'application/json');
        if (st.status === 200 && st.attempts === 1) stats.statusMs.push(st.ms);
      }
    })();
    const arrived = await callback;
    polling = false;
    await poll;
    waiting.delete(params.job_id);
    if (!arrived) continue;
    stats.e2eMs.push(performance.now() - started);
    const first = deliveries.get(params.job_id)![0];
    enrolled = params.job_type === 4 && first.ResultCode === '0810' ? userId : null;
  }
}

async function runLoad(d: Deployment, total: number, callbackWaitMs = CALLBACK_WAIT_MS): Promise<JobStats & { seconds: number; accepted: Accepted[] }> {
  const stats: JobStats = { e2eMs: [], statusMs: [], retries: 0 };
  const accepted: Accepted[] = [];
  let started = 0;
  const next = () => (started < total ? started++ : null);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, total) }, () => clientLoop(d, next, stats, accepted, callbackWaitMs)));
  return { ...stats, accepted, seconds: (performance.now() - t0) / 1000 };
}

/** The final job_status of every accepted job, and what its callbacks said: lost, conflicting, undelivered. */
async function audit(d: Deployment, accepted: Accepted[]) {
  const stats: JobStats = { e2eMs: [], statusMs: [], retries: 0 };
  const lost: string[] = [];
  const conflicting: string[] = [];
  const undelivered: string[] = [];
  const badSignature: string[] = [];
  let repeated = 0;
  for (const job of accepted) {
    let final: Record<string, unknown> | null = null;
    for (let i = 0; i < 240 && !final; i++) {
      const sign = generateSignature(d.partner.production_api_key, d.partner.partner_id);
      const st = await sendRetrying(d, stats, 'POST', `${d.base}/job_status`, () => JSON.stringify({ user_id: job.userId, job_id: job.jobId, partner_id: d.partner.partner_id, ...sign }), 'application/json');
      const body = st.status === 200 ? (JSON.parse(st.body) as { job_complete: boolean; result: Record<string, unknown> }) : null;
      if (body?.job_complete) final = body.result;
      else await sleep(500);
    }
    if (!final) lost.push(job.jobId);
    const got = deliveries.get(job.jobId) ?? [];
    if (got.length === 0) undelivered.push(job.jobId);
    repeated += Math.max(0, got.length - 1);
    for (const b of got) if (!verifySignature(d.partner.production_api_key, d.partner.partner_id, b.timestamp as string, b.signature as string)) badSignature.push(job.jobId);
    const identities = new Set([...got, ...(final ? [final] : [])].map(resultIdentity));
    if (identities.size > 1) conflicting.push(job.jobId);
  }
  return { lost, conflicting, undelivered, badSignature, repeated };
}

// ---------- processes ----------

async function startNode(name: string, nodeArgs: string[], env: NodeJS.ProcessEnv): Promise<Node> {
  return { name, args: nodeArgs, env, ...(await startServerProcess(nodeArgs, env)) };
}

async function kill9(node: Node): Promise<void> {
  node.child.kill('SIGKILL');
  if (node.child.exitCode === null && node.child.signalCode === null) await new Promise((r) => node.child.once('exit', r));
}

async function restart(node: Node): Promise<void> {
  node.child = (await startServerProcess(node.args, node.env)).child;
}

async function stopAll(nodes: Node[]): Promise<void> {
  await Promise.all(
    nodes.map(async (n) => {
      if (n.child.exitCode !== null || n.child.signalCode !== null) return;
      n.child.kill('SIGTERM');
      await new Promise((r) => n.child.once('exit', r));
    }),
  );
}

/** CPU ms of the PostgreSQL server: the postmaster and every backend it forked. */
function postgresCpuMs(dataDirPg: string): number {
  const postmaster = Number(readFileSync(join(dataDirPg, 'postmaster.pid'), 'utf8').split('\n')[0]);
  let total = cpuMs(postmaster) ?? 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster) total += cpuMs(Number(entry)) ?? 0;
    } catch {
      // It exited meanwhile.
    }
  }
  return total;
}

let receiverUrl = '';

/** Statements the nodes ran since the last reset (the benchmark's own monitoring queries left out). */
async function statementsSinceReset(db: pg.Client): Promise<number> {
  const { rows } = await db.query(`SELECT coalesce(sum(calls), 0)::float8 AS calls FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
    WHERE d.datname = 'likeness_bench' AND s.query NOT ILIKE '%pg_stat%' AND s.query NOT ILIKE '%pg_current_wal_lsn%' AND s.query NOT ILIKE '%pg_database_size%'`);
  return rows[0].calls;
}

/** Calls per statement text since the last reset (same filter as statementsSinceReset), for the breakdown. */
async function statementCalls(db: pg.Client): Promise<Map<string, number>> {
  const { rows } = await db.query(`SELECT regexp_replace(s.query, '\\s+', ' ', 'g') AS query, sum(calls)::float8 AS calls FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
    WHERE d.datname = 'likeness_bench' AND s.query NOT ILIKE '%pg_stat%' AND s.query NOT ILIKE '%pg_current_wal_lsn%' AND s.query NOT ILIKE '%pg_database_size%' GROUP BY 1`);
  return new Map(rows.map((r) => [r.query as string, r.calls as number]));
}

/** The nodes' /job_status request-duration histogram, summed over the nodes, as "≤ 5 ms: n, ≤ 10 ms: …". */
async function serverStatusDurations(client: Client, nodes: Node[]): Promise<string> {
  const le = new Map<string, number>();
  for (const node of nodes) {
    const text = (await client.send('GET', `${node.origin}/metrics`, '', 'text/plain')).body;
    for (const m of text.matchAll(/^likeness_http_request_duration_seconds_bucket\{([^}]*)\} (\d+)/gm)) {
      if (!m[1].includes('job_status') || !m[1].includes('status="200"')) continue;
      const bound = /le="([^"]+)"/.exec(m[1])![1];
      le.set(bound, (le.get(bound) ?? 0) + Number(m[2]));
    }
  }
  return [...le].map(([bound, n]) => `≤ ${bound === '+Inf' ? '∞' : `${Number(bound) * 1000} ms`}: ${n}`).join(', ');
}

async function main() {
  const machine = machineDescription();
  console.log(`Cluster benchmark (${long ? 'long' : 'CI'} run) on\n${machine}`);
  const root = mkdtempSync(join(tmpdir(), 'likeness-bench-cluster-'));
  // fsync on (unlike the tests' cluster): figures that may be quoted should be paid for as production pays.
  const cluster = await startPostgres(root, { shared_preload_libraries: 'pg_stat_statements', fsync: 'on' });
  if (!cluster) throw new Error("bench:cluster needs Debian's postgresql (apt-get install -y postgresql)");
  const s3 = await startS3Process(join(root, 's3'));
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/callback`;
  const admin = new pg.Client({ connectionString: cluster.adminUrl });
  await admin.connect();
  await admin.query('CREATE DATABASE likeness_bench');
  await admin.end();
  const databaseUrl = cluster.adminUrl.replace(/\/postgres$/, '/likeness_bench');
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  await db.query('CREATE EXTENSION pg_stat_statements');
  const blobsUrl = `s3://${TEST_BUCKET}/bench?endpoint=${encodeURIComponent(s3.endpoint)}&forcePathStyle=true`;

  // One certificate for every node (the balancer passes TLS through), trusted by the client.
  const tls = await loadOrCreateTls(join(root, 'tls'), null, null);
  const tlsArgs = ['--tls-cert', tls.certFile, '--tls-key', join(dirname(tls.certFile), 'key.pem')];
  const common = ['--log-level', 'warn', '--rate-limit', '0', ...tlsArgs];
  const env = { ...process.env, LIKENESS_ALLOW_CALLBACK_HOSTS: '127.0.0.1' };
  const clusterEnv = {
    ...env,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    LIKENESS_MASTER_KEY: randomBytes(32).toString('base64'),
    LIKENESS_JOB_LEASE_MS: String(LEASE_MS),
  };
  const partnerCreate = (extra: string[], e: NodeJS.ProcessEnv) =>
    JSON.parse(execFileSync(process.execPath, [CLI, 'partner', 'create', '--json', ...extra], { encoding: 'utf8', env: e })) as Partner;
  const ca = readFileSync(tls.certFile, 'utf8');

  // (a) embedded: one process, default settings.
  const embDir = join(root, 'embedded');
  const embPartner = partnerCreate(['--data', embDir], env);
  const embNode = await startNode('embedded', ['serve', '--data', embDir, '--port', '0', ...common], env);
  const embedded: Deployment = { name: 'emb', base: `${embNode.origin}/v1`, partner: embPartner, client: new Client(ca), nodes: [embNode] };

  // (b) cluster: 2 API nodes behind the balancer, 2 workers with one engine thread each (2 in all, as embedded).
  const storageArgs = (name: string) => ['--data', join(root, name), '--database', databaseUrl, '--blobs', blobsUrl];
  const clusterPartner = partnerCreate(storageArgs('cli'), clusterEnv);
  const apiPorts = [await freePort(), await freePort()];
  const balancer = await startBalancer(apiPorts);
  const publicUrl = `https://127.0.0.1:${balancer.port}`;
  const apis = await Promise.all(
    apiPorts.map((port, i) => startNode(`api${i + 1}`, ['serve', '--role', 'api', ...storageArgs(`api${i + 1}`), '--port', String(port), '--public-url', publicUrl, '--workers', '1', ...common], clusterEnv)),
  );
  const workers = await Promise.all(
    [1, 2].map((i) => startNode(`worker${i}`, ['serve', '--role', 'worker', ...storageArgs(`worker${i}`), '--port', '0', '--workers', '1', '--concurrency', '2', ...common], clusterEnv)),
  );
  const clustered: Deployment = { name: 'cl', base: `${publicUrl}/v1`, partner: clusterPartner, client: new Client(ca), nodes: [...apis, ...workers] };

  const results: Record<string, { jobs: number; seconds: number; e2e: number[]; status: number[] }> = {};
  const cost = { polls: 0, seconds: 0, statements: 0, rows: 0, walBytes: 0, dbBytes: 0, s3Requests: 0, s3BytesIn: 0, s3BytesOut: 0, apiCpu: 0, workerCpu: 0, pgCpu: 0, s3Cpu: 0, embeddedCpu: 0, jobs: 0 };
  const byStatement = new Map<string, number>();
  const s3ByMethod: Record<string, number> = {};
  const allCpu = (nodes: Node[]) => nodes.reduce((sum, n) => sum + (cpuMs(n.child.pid!) ?? 0), 0);
  try {
    // Warm both (JIT, prepared statements, connection pools); not measured.
    await runLoad(embedded, 4);
    await runLoad(clustered, 4);
    for (let round = 0; round < ROUNDS; round++) {
      for (const d of [embedded, clustered]) {
        const isCluster = d === clustered;
        let before: { wal: string; size: number; tup: number; s3: Awaited<ReturnType<typeof s3.traffic>>; s3Cpu: number; api: number; worker: number; pg: number; emb: number } | null = null;
        if (isCluster) {
          await db.query('SELECT pg_stat_statements_reset()');
          const r = await db.query(
            `SELECT pg_current_wal_lsn()::text AS wal, pg_database_size('likeness_bench')::float8 AS size,
               (SELECT (tup_inserted + tup_updated + tup_deleted)::float8 FROM pg_stat_database WHERE datname = 'likeness_bench') AS tup`,
          );
          before = { ...r.rows[0], s3: await s3.traffic(), s3Cpu: cpuMs(s3.pid) ?? 0, api: allCpu(apis), worker: allCpu(workers), pg: postgresCpuMs(cluster.dataDir), emb: 0 };
        }
        const embCpu0 = allCpu([embNode]);
        const run = await runLoad(d, JOBS_PER_ROUND);
        if (run.accepted.length !== run.e2eMs.length) throw new Error(`${d.name}: ${run.accepted.length - run.e2eMs.length} callbacks never came`);
        const agg = (results[d.name] ??= { jobs: 0, seconds: 0, e2e: [], status: [] });
        agg.jobs += run.e2eMs.length;
        agg.seconds += run.seconds;
        agg.e2e.push(...run.e2eMs);
        agg.status.push(...run.statusMs);
        console.log(`round ${round + 1} ${d.name}: ${(run.e2eMs.length / run.seconds).toFixed(2)} jobs/s, e2e p50 ${percentile(run.e2eMs, 50).toFixed(0)} ms, /job_status p99 ${percentile(run.statusMs, 99).toFixed(1)} ms`);
        if (!isCluster) {
          cost.embeddedCpu += allCpu([embNode]) - embCpu0;
          continue;
        }
        // The statistics collector publishes row counts about once a second.
        await sleep(1500);
        const statements = await statementsSinceReset(db);
        for (const [q, n] of await statementCalls(db)) byStatement.set(q, (byStatement.get(q) ?? 0) + n);
        const r = await db.query(
          `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::float8 AS wal, pg_database_size('likeness_bench')::float8 - $2 AS size,
             (SELECT (tup_inserted + tup_updated + tup_deleted)::float8 FROM pg_stat_database WHERE datname = 'likeness_bench') - $3 AS tup`,
          [before!.wal, before!.size, before!.tup],
        );
        const t = await s3.traffic();
        for (const [m, n] of Object.entries(t.byMethod)) s3ByMethod[m] = (s3ByMethod[m] ?? 0) + n - (before!.s3.byMethod[m] ?? 0);
        cost.jobs += run.e2eMs.length;
        cost.statements += statements;
        cost.polls += run.statusMs.length;
        cost.seconds += run.seconds + 1.5;
        cost.rows += r.rows[0].tup;
        cost.walBytes += r.rows[0].wal;
        cost.dbBytes += r.rows[0].size;
        cost.s3Requests += t.requests - before!.s3.requests;
        cost.s3BytesIn += t.bytesIn - before!.s3.bytesIn;
        cost.s3BytesOut += t.bytesOut - before!.s3.bytesOut;
        cost.apiCpu += allCpu(apis) - before!.api;
        cost.workerCpu += allCpu(workers) - before!.worker;
        cost.pgCpu += postgresCpuMs(cluster.dataDir) - before!.pg;
        cost.s3Cpu += (cpuMs(s3.pid) ?? 0) - before!.s3Cpu;
      }
    }
    // The servers' own view of /job_status (their request-duration histograms, warm-up included): what of the
    // clients' latency the server spent, and what the network path (for the cluster, the balancer) added.
    console.log(`/job_status durations, server side (cumulative): embedded ${await serverStatusDurations(embedded.client, [embNode])}`);
    console.log(`  cluster API nodes ${await serverStatusDurations(clustered.client, apis)}`);
    await stopAll([embNode]);

    // What the statements per job are made of: the workers' idle loops (per second, whatever the load) and each
    // /job_status poll, measured alone; the rest is the job itself.
    await db.query('SELECT pg_stat_statements_reset()');
    await sleep(3000);
    const idlePerSecond = (await statementsSinceReset(db)) / 3;
    const probe = (await runLoad(clustered, 1)).accepted[0];
    await db.query('SELECT pg_stat_statements_reset()');
    const probeStats: JobStats = { e2eMs: [], statusMs: [], retries: 0 };
    const POLLS = 40;
    const pollStart = performance.now();
    for (let i = 0; i < POLLS; i++) {
      const sign = generateSignature(clusterPartner.production_api_key, clusterPartner.partner_id);
      await sendRetrying(clustered, probeStats, 'POST', `${clustered.base}/job_status`, () => JSON.stringify({ user_id: probe.userId, job_id: probe.jobId, partner_id: clusterPartner.partner_id, ...sign }), 'application/json');
    }
    const perPoll = ((await statementsSinceReset(db)) - (idlePerSecond * (performance.now() - pollStart)) / 1000) / POLLS;

    // The fault run: under load, kill -9 one worker and one API node once a third of the jobs are in, restart both.
    console.log('fault run: kill -9 of worker1 and api1 under load, then restart');
    let faultAt = 0;
    const fault = (async () => {
      const start = Date.now();
      while (deliveriesFor('fault-j') < FAULT_JOBS / 3 && Date.now() - start < 120_000) await sleep(20);
      faultAt = performance.now();
      await Promise.all([kill9(workers[0]), kill9(apis[0])]);
      await sleep(1000);
      await Promise.all([restart(workers[0]), restart(apis[0])]);
    })();
    const faulted: Deployment = { ...clustered, name: 'fault' };
    const faultRun = await runLoad(faulted, FAULT_JOBS);
    await fault;
    const verdict = await audit(faulted, faultRun.accepted);
    console.log(`fault run: ${faultRun.accepted.length} accepted, ${faultRun.retries} requests retried; lost ${verdict.lost.length}, conflicting ${verdict.conflicting.length}, undelivered ${verdict.undelivered.length}, bad signatures ${verdict.badSignature.length}, repeated deliveries ${verdict.repeated}; fault ${faultAt ? 'injected' : 'NOT injected'}`);

    const emb = results.emb;
    const cl = results.cl;
    const ratio = cl.jobs / cl.seconds / (emb.jobs / emb.seconds);
    const statusP99 = percentile(cl.status, 99);
    const per = (v: number) => v / cost.jobs;
    const pollsPerJob = per(cost.polls);
    const idlePerJob = (idlePerSecond * cost.seconds) / cost.jobs;
    const ownPerJob = per(cost.statements) - pollsPerJob * perPoll - idlePerJob;
    const speed = [
      { name: `cluster throughput ≥ ${TARGET_RATIO * 100} % of embedded on the same machine`, ok: ratio >= TARGET_RATIO, value: `${(ratio * 100).toFixed(0)} %` },
      { name: `cluster /job_status p99 at concurrency ${CONCURRENCY} ≤ ${TARGET_STATUS_P99_MS} ms`, ok: statusP99 <= TARGET_STATUS_P99_MS, value: `${statusP99.toFixed(1)} ms` },
    ];
    const behaviour = [
      { name: 'fault run: the kills happened under load', ok: faultAt > 0, value: faultAt ? 'yes' : 'no' },
      { name: 'fault run: accepted jobs lost = 0', ok: verdict.lost.length === 0, value: String(verdict.lost.length) },
      { name: 'fault run: jobs with two different final results = 0', ok: verdict.conflicting.length === 0, value: String(verdict.conflicting.length) },
      { name: 'fault run: callbacks never delivered = 0', ok: verdict.undelivered.length === 0, value: String(verdict.undelivered.length) },
      { name: 'fault run: callbacks with a bad signature = 0', ok: verdict.badSignature.length === 0, value: String(verdict.badSignature.length) },
    ];
    const row = (name: string, r: typeof emb) => [
      name,
      r.jobs,
      (r.jobs / r.seconds).toFixed(2),
      percentile(r.e2e, 50).toFixed(0),
      percentile(r.e2e, 95).toFixed(0),
      percentile(r.status, 50).toFixed(1),
      percentile(r.status, 99).toFixed(1),
    ];
    const md = [
      '## Cluster (`npm run bench:cluster`)',
      '',
      machine,
      `- Load average at the end of the run: ${loadavg().map((l) => l.toFixed(1)).join(', ')} (1, 5, 15 min; ${loadavg()[0] > 3 ? 'the machine was busy with other work: speed figures are not representative' : 'a quiet machine'})`,
      '',
      `${long ? 'Long run (`--long`)' : 'CI run'}: the same job mix through (a) the embedded single process (\`serve\`, default settings: SQLite + local directory) and (b) 2 API processes (\`--role api\`) behind a TCP round-robin balancer in the benchmark process and 2 worker processes (\`--role worker --workers 1 --concurrency 2\`: 2 engine threads in all, as embedded) over PostgreSQL ${cluster ? '(Debian, fsync on, pg_stat_statements loaded)' : ''} and s3rver (standing in for S3, in a process of its own), everything on this one machine. Each client (${CONCURRENCY} at once) runs an enrolment (job_type 4: selfie + 8 liveness frames, bursts/live-1) and, when it was approved, an authentication of the same user (job_type 2), through prep_upload and zip PUT over HTTPS, polling job_status every ${POLL_INTERVAL_MS} ms until the signed callback arrives (e2e). ${ROUNDS} rounds of ${JOBS_PER_ROUND} jobs per deployment, alternating, after a warm-up. Rate limits off (\`--rate-limit 0\`) on both. The machine is shared (other work may run beside the benchmark); both deployments run in the same time span.`,
      '',
      markdownTable(['deployment', 'jobs', 'jobs/s', 'e2e p50 ms', 'e2e p95 ms', '/job_status p50 ms', '/job_status p99 ms'], [row('embedded (1 process)', emb), row('cluster (2 API + 2 workers)', cl)]),
      '',
      `Cluster cost per job (measured over the cluster rounds: ${cost.jobs} jobs; CPU and statements include the clients' /job_status polls and the workers' idle loops):`,
      '',
      markdownTable(
        ['SQL statements (pg_stat_statements calls, BEGIN/COMMIT included)', 'rows written', 'WAL bytes', 'database growth bytes', 'S3 requests', 'S3 bytes up', 'S3 bytes down', 'API core-ms', 'worker core-ms (engine + its I/O)', 'PostgreSQL core-ms', 'object store (s3rver) core-ms', 'embedded process core-ms'],
        [[per(cost.statements).toFixed(1), per(cost.rows).toFixed(1), per(cost.walBytes).toFixed(0), per(cost.dbBytes).toFixed(0), per(cost.s3Requests).toFixed(1), per(cost.s3BytesIn).toFixed(0), per(cost.s3BytesOut).toFixed(0), per(cost.apiCpu).toFixed(0), per(cost.workerCpu).toFixed(0), per(cost.pgCpu).toFixed(0), per(cost.s3Cpu).toFixed(0), (cost.embeddedCpu / emb.jobs).toFixed(0)]],
      ),
      '',
      `SQL statements per job, taken apart: ${ownPerJob.toFixed(0)} for the job itself (prep_upload, upload, claim, heartbeats, completion, callback), ${pollsPerJob.toFixed(1)} /job_status polls × ${perPoll.toFixed(1)} statements each (measured alone), and ${idlePerJob.toFixed(0)} from the workers' idle loops (${idlePerSecond.toFixed(1)} statements/s for 2 workers, whatever the load: a cost per worker, not per job; slow jobs on a loaded machine spread it over fewer jobs).`,
      '',
      `Fault run: ${FAULT_JOBS} jobs at concurrency ${CONCURRENCY} on the cluster (job lease ${LEASE_MS} ms, extended by the worker's heartbeat); once a third of them had their callback, worker1 and api1 were killed with SIGKILL and restarted a second later. Clients retry a request whose connection broke or that answered 5xx (${faultRun.retries} retries), and prep_upload with the retry flag. Accepted = the zip PUT answered 200 (or 2393 to a retry). Afterwards, every accepted job's final job_status and every callback delivery (signature checked) were compared. ${faultRun.accepted.length} accepted, ${verdict.repeated} repeated deliveries (at-least-once; same result).`,
      '',
      markdownTable(['target', 'measured', 'met'], [...speed, ...behaviour].map((r) => [r.name, r.value, r.ok ? 'yes' : '**no**'])),
    ].join('\n');
    writeBenchmarkSection('cluster', md);
    // Where the statements and object-store requests go (console only: the detail for whoever tunes them next).
    console.log('\nSQL statements per job, by statement (cluster rounds, polls and idle loops included):');
    for (const [q, n] of [...byStatement].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${per(n).toFixed(2).padStart(7)}  ${q.slice(0, 150)}`);
    console.log(`S3 requests per job by method: ${Object.entries(s3ByMethod).map(([m, n]) => `${m} ${per(n).toFixed(2)}`).join(', ')}`);
    console.log('\n' + md);
    if (check) {
      const missedBehaviour = behaviour.filter((r) => !r.ok);
      const missedSpeed = speed.filter((r) => !r.ok);
      if (missedBehaviour.length) {
        console.error(`bench:cluster: missed ${missedBehaviour.map((f) => f.name).join('; ')}`);
        process.exitCode = 1;
      } else if (missedSpeed.length) {
        console.error(`bench:cluster: missed ${missedSpeed.map((f) => f.name).join('; ')}`);
        process.exitCode = 3;
      }
    }
  } finally {
    embedded.client.close();
    clustered.client.close();
    balancer.close();
    await stopAll([embNode, ...apis, ...workers]);
    await db.end().catch(() => {});
    receiver.close();
    await s3.close();
    stopPostgresSync(cluster);
    rmSync(root, { recursive: true, force: true });
  }
}

function deliveriesFor(prefix: string): number {
  let n = 0;
  for (const key of deliveries.keys()) if (key.startsWith(prefix)) n++;
  return n;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
