/**
 * @file `npm run bench:soak`: a bounded soak. 16 clients (v1 upload jobs and synchronous v2 requests, mixed) drive a
 * server in its own process for 10 minutes (`--duration`); one partner's callback receiver never answers; half-way
 * the server is killed (`kill -9`) and restarted on the same data. Reports throughput, errors, latency, the server's
 * memory every minute (RSS and its V8 heap / external / native split from /metrics), callbacks missing or
 * duplicated, jobs not final (read from the storage after the run) and the healthy partner's callback delay.
 * Writes the "soak" section of BENCHMARKS.md (runs under 5 minutes: "soak-short"); `--check` exits 1 on a miss.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Agent, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSignature } from '../src/protocol/signature.js';
import { openStorage } from '../src/store/open-storage.js';
import { smartSelfieZip } from './lib/api-driver.js';
import { flag, machineDescription, markdownTable, percentile, REPO_ROOT, writeBenchmarkSection } from './lib/report.js';

const args = process.argv.slice(2);
const shared = flag(args, 'data') ?? join(REPO_ROOT, '..', 'shared');
const durationS = Number(flag(args, 'duration') ?? 600);
const check = args.includes('--check');
const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const V1_HEALTHY = 10;
const V1_SLOW = 2;
const V2_HEALTHY = 4;
const POLL_MS = 500;
const SAMPLE_MS = 10_000;
/** After the load stops, callbacks still queued get this long to arrive. */
const DRAIN_MS = Math.min(60_000, Math.max(20_000, durationS * 100));
const TARGET_CALLBACK_P99_MS = 2000;
const TARGET_RSS_GROWTH = 0.05;

const frames = Array.from({ length: 8 }, (_, i) => readFileSync(join(shared, 'bursts', 'live-1', `f0${i + 1}.jpg`)));
const selfie = frames[0];

interface Partner {
  partner_id: string;
  production_api_key: string;
}

/** One HTTPS request; rejects on a connection failure (as at a kill). */
function send(agent: Agent, method: string, url: string, body: Buffer | string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, timeout: 120_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}

/** Callback receivers: the healthy partner's answers at once; the slow partner's reads the request and never answers. */
function receiver(answer: boolean): Promise<{ server: Server; url: string; arrivals: Map<string, number[]>; delays: { completedAt: number; ms: number }[] }> {
  const arrivals = new Map<string, number[]>();
  const delays: { completedAt: number; ms: number }[] = [];
  const server = createServer(async (req, res) => {
    const text = await readBody(req);
    const now = Date.now();
    try {
      const body = JSON.parse(text) as { PartnerParams: { job_id: string }; timestamp: string };
      arrivals.set(body.PartnerParams.job_id, [...(arrivals.get(body.PartnerParams.job_id) ?? []), now]);
      const completedAt = Date.parse(body.timestamp);
      if ((arrivals.get(body.PartnerParams.job_id) ?? []).length === 1) delays.push({ completedAt, ms: now - completedAt });
    } catch {
      // Not a callback: ignored.
    }
    if (answer) res.writeHead(200).end();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`, arrivals, delays })),
  );
}

function multipart(fields: Record<string, string>, files: { field: string; data: Buffer }[]): { body: Buffer; type: string } {
  const boundary = `----soak${randomUUID()}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  for (const f of files) {
    parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${f.field}"; filename="${f.field}.jpg"\r\ncontent-type: image/jpeg\r\n\r\n`), f.data, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}

/** The server process: `likeness serve` on a fixed port, so upload URLs handed out before a kill stay valid after it. */
class ServerProcess {
  child: ChildProcess | null = null;
  up = false;
  constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}
  get origin(): string {
    return `https://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    const child = spawn(
      process.execPath,
      [CLI, 'serve', '--data', this.dir, '--port', String(this.port), '--log-level', 'warn', '--allow-callback-hosts', '127.0.0.1', '--rate-limit', '0'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (/listening on/.test(out)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
    });
    this.up = true;
  }
  kill9(): void {
    this.up = false;
    this.child!.kill('SIGKILL');
  }
  async stop(): Promise<void> {
    this.up = false;
    const child = this.child!;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  rssMb(): number | null {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.child!.pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : null;
    } catch {
      return null;
    }
  }
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });

interface Sample {
  t: number;
  rss: number | null;
  heapUsed: number | null;
  heapTotal: number | null;
  external: number | null;
  generation: number;
}

async function main() {
  const machine = machineDescription();
  console.log(`Soak benchmark (${durationS} s) on\n${machine}`);
  const dir = mkdtempSync(join(tmpdir(), 'likeness-bench-soak-'));
  const partner = (name: string) => JSON.parse(execFileSync(process.execPath, [CLI, 'partner', 'create', '--data', dir, '--name', name, '--json'], { encoding: 'utf8' })) as Partner;
  const healthy = partner('Healthy');
  const slow = partner('Slow receiver');
  const good = await receiver(true);
  const stuck = await receiver(false);
  const server = new ServerProcess(dir, await freePort());
  await server.start();
  const ca = readFileSync(join(dir, 'tls', 'cert.pem'), 'utf8');

  const latencies: { v: 1 | 2; ms: number }[] = [];
  let errors = 0;
  let interrupted = 0;
  const errorSamples: string[] = [];
  const attempted: { partner: Partner; userId: string; jobId: string | null; ref: string }[] = [];
  let killAt = Infinity;
  let readyAt = Infinity;
  let generation = 1;
  const started = Date.now();
  const deadline = started + durationS * 1000;

  /** A failure while the server was down (or just back) was caused by the kill: counted apart, the client retries. */
  const failed = (what: string) => {
    const now = Date.now();
    if (!server.up || (now >= killAt && now <= readyAt + 5000)) interrupted++;
    else {
      errors++;
      if (errorSamples.length < 5) errorSamples.push(what);
    }
  };
  const waitUp = async () => {
    while (!server.up) await new Promise((r) => setTimeout(r, 200));
  };

  const v1Job = async (agent: Agent, p: Partner, callbackUrl: string) => {
    const ref = `v1-${randomUUID()}`;
    const params = { user_id: `u-${ref}`, job_id: ref, job_type: 4 };
    const zip = await smartSelfieZip(p.partner_id, params, selfie, frames.slice(1));
    const t0 = Date.now();
    attempted.push({ partner: p, userId: params.user_id, jobId: ref, ref });
    const sign = () => generateSignature(p.production_api_key, p.partner_id);
    const prep = await send(agent, 'POST', `${server.origin}/v1/upload`, JSON.stringify({ partner_params: params, smile_client_id: p.partner_id, callback_url: callbackUrl, ...sign() }), { 'content-type': 'application/json' });
    if (prep.status !== 200) throw new Error(`prep_upload ${prep.status}: ${prep.body.slice(0, 200)}`);
    const put = await send(agent, 'PUT', JSON.parse(prep.body).upload_url, zip, { 'content-type': 'application/zip' });
    if (put.status !== 200) throw new Error(`upload ${put.status}: ${put.body.slice(0, 200)}`);
    for (;;) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      const st = await send(agent, 'POST', `${server.origin}/v1/job_status`, JSON.stringify({ user_id: params.user_id, job_id: ref, partner_id: p.partner_id, ...sign() }), { 'content-type': 'application/json' });
      if (st.status !== 200) throw new Error(`job_status ${st.status}: ${st.body.slice(0, 200)}`);
      if ((JSON.parse(st.body) as { job_complete: boolean }).job_complete) break;
    }
    latencies.push({ v: 1, ms: Date.now() - t0 });
  };

  const v2Job = async (agent: Agent, p: Partner, callbackUrl: string) => {
    const ref = `v2-${randomUUID()}`;
    const userId = `u-${ref}`;
    attempted.push({ partner: p, userId, jobId: null, ref });
    const { signature, timestamp } = generateSignature(p.production_api_key, p.partner_id);
    const form = multipart({ user_id: userId, callback_url: callbackUrl, partner_params: JSON.stringify({ ref }) }, [
      { field: 'selfie_image', data: selfie },
      ...frames.slice(1).map((data) => ({ field: 'liveness_images', data })),
    ]);
    const t0 = Date.now();
    const res = await send(agent, 'POST', `${server.origin}/v2/smart-selfie-enroll`, form.body, {
      'content-type': form.type,
      'SmileID-Partner-ID': p.partner_id,
      'SmileID-Request-Signature': signature,
      'SmileID-Timestamp': timestamp,
      'SmileID-Source-SDK': 'soak',
    });
    if (res.status !== 200) throw new Error(`v2 ${res.status}: ${res.body.slice(0, 200)}`);
    latencies.push({ v: 2, ms: Date.now() - t0 });
  };

  const client = async (job: (agent: Agent) => Promise<void>) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 4, ca });
    while (Date.now() < deadline) {
      await waitUp();
      try {
        await job(agent);
      } catch (err) {
        failed((err as Error).message);
      }
    }
    agent.destroy();
  };

  // Memory: RSS from /proc, the V8 heap and external memory from the server's own /metrics.
  const samples: Sample[] = [];
  const sampler = setInterval(async () => {
    if (!server.up) return;
    const sample: Sample = { t: Date.now() - started, rss: server.rssMb(), heapUsed: null, heapTotal: null, external: null, generation };
    try {
      const agent = new Agent({ ca });
      const text = (await send(agent, 'GET', `${server.origin}/metrics`, '', {})).body;
      agent.destroy();
      const metric = (name: string) => {
        const m = new RegExp(`^likeness_${name} (\\S+)$`, 'm').exec(text);
        return m ? Number(m[1]) / 2 ** 20 : null;
      };
      Object.assign(sample, { heapUsed: metric('nodejs_heap_size_used_bytes'), heapTotal: metric('nodejs_heap_size_total_bytes'), external: metric('nodejs_external_memory_bytes') });
    } catch {
      // The server is being killed: RSS alone.
    }
    samples.push(sample);
  }, SAMPLE_MS);

  const killer = setTimeout(async () => {
    killAt = Date.now();
    console.log(`kill -9 at ${((killAt - started) / 1000).toFixed(0)} s`);
    server.kill9();
    await new Promise((r) => setTimeout(r, 500));
    generation = 2;
    await server.start();
    readyAt = Date.now();
    console.log(`restarted, ready after ${((readyAt - killAt) / 1000).toFixed(1)} s`);
  }, (durationS * 1000) / 2);

  const progress = setInterval(() => console.log(`${((Date.now() - started) / 1000).toFixed(0)} s: ${latencies.length} jobs, ${errors} errors, ${interrupted} interrupted, RSS ${samples.at(-1)?.rss?.toFixed(0)} MB`), 60_000);
  await Promise.all([
    ...Array.from({ length: V1_HEALTHY }, () => client((a) => v1Job(a, healthy, good.url))),
    ...Array.from({ length: V1_SLOW }, () => client((a) => v1Job(a, slow, stuck.url))),
    ...Array.from({ length: V2_HEALTHY }, () => client((a) => v2Job(a, healthy, good.url))),
  ]);
  const loadS = (Date.now() - started) / 1000;
  clearInterval(progress);
  clearTimeout(killer);
  clearInterval(sampler);

  // Every job the server accepted, read from its storage once it has stopped; healthy callbacks get DRAIN_MS first.
  const drainEnd = Date.now() + DRAIN_MS;
  const healthyRefs = attempted.filter((a) => a.partner === healthy).length;
  while (Date.now() < drainEnd && good.arrivals.size < healthyRefs) await new Promise((r) => setTimeout(r, 500));
  await server.stop();
  const storage = await openStorage({ dataDir: dir });
  let accepted = 0;
  let notFinal = 0;
  let missing = 0;
  let duplicated = 0;
  let slowAccepted = 0;
  let slowAttempted = 0;
  const seen = new Set<number>();
  for (const a of attempted) {
    for (const job of await storage.records.listUserJobs(a.partner.partner_id, 'production', a.userId)) {
      if (seen.has(job.smileJobId) || job.state === 'awaiting_upload') continue;
      seen.add(job.smileJobId);
      accepted++;
      if (job.state === 'queued' || job.state === 'processing') notFinal++;
      if (a.partner === healthy) {
        const n = good.arrivals.get(job.jobId)?.length ?? 0;
        if (n === 0) missing++;
        if (n > 1) duplicated++;
      } else {
        slowAccepted++;
        if (stuck.arrivals.has(job.jobId)) slowAttempted++;
      }
    }
  }
  await storage.close();
  good.server.close();
  stuck.server.closeAllConnections();
  stuck.server.close();
  rmSync(dir, { recursive: true, force: true });

  // Callback delay of the healthy partner, jobs completed around the kill aside (their callbacks wait for the restart).
  const steady = good.delays.filter((d) => d.completedAt < killAt - 1000 || d.completedAt > readyAt + 1000);
  const callbackP99 = percentile(steady.map((d) => d.ms), 99);
  const all = latencies.map((l) => l.ms);
  const v1 = latencies.filter((l) => l.v === 1).map((l) => l.ms);
  const v2 = latencies.filter((l) => l.v === 2).map((l) => l.ms);

  // RSS by minute, and its growth over the last 5 minutes, or since 1 minute after the restart if that is later.
  const byMinute = new Map<number, Sample>();
  for (const s of samples) byMinute.set(Math.floor(s.t / 60_000), s);
  const end = samples.at(-1);
  const from = Math.max(loadS * 1000 - 300_000, readyAt - started + 60_000);
  const base = samples.find((s) => s.t >= from && s.generation === end?.generation);
  const growth = end?.rss && base?.rss ? end.rss / base.rss - 1 : NaN;
  // RSS less external memory (Buffers: mostly the recent-image cache, bounded at 64 MB, which fills as jobs pass):
  // the V8 heap and native memory, where a leak would show.
  const unbuffered = (s: Sample | undefined) => (s?.rss != null && s.external !== null ? s.rss - s.external : NaN);
  const leakGrowth = unbuffered(end) / unbuffered(base) - 1;
  const mb = (v: number | null) => (v === null ? '–' : v.toFixed(0));
  const memRows = [...byMinute.entries()].map(([m, s]) => [
    `${m + 1}${s.generation === 2 ? ' (after restart)' : ''}`,
    mb(s.rss),
    mb(s.heapUsed),
    mb(s.heapTotal),
    mb(s.external),
    s.rss !== null && s.heapTotal !== null && s.external !== null ? mb(s.rss - s.heapTotal - s.external) : '–',
  ]);
  const long = durationS >= 300;
  const results = [
    { name: 'errors (outside the kill window) = 0', ok: errors === 0, value: String(errors) },
    { name: 'healthy-partner callbacks missing = 0', ok: missing === 0, value: String(missing) },
    { name: 'accepted jobs not final = 0', ok: notFinal === 0, value: String(notFinal) },
    { name: `healthy partner's callback delay p99 < ${TARGET_CALLBACK_P99_MS} ms`, ok: callbackP99 < TARGET_CALLBACK_P99_MS, value: `${callbackP99.toFixed(0)} ms` },
    ...(long
      ? [
          { name: `RSS growth over the last 5 minutes < ${TARGET_RSS_GROWTH * 100} %`, ok: growth < TARGET_RSS_GROWTH, value: `${(growth * 100).toFixed(1)} % (${mb(base?.rss ?? null)} → ${mb(end?.rss ?? null)} MB, from minute ${((base?.t ?? 0) / 60_000).toFixed(1)})` },
          { name: `RSS less external memory (heap + native) growth over the same minutes < ${TARGET_RSS_GROWTH * 100} %`, ok: leakGrowth < TARGET_RSS_GROWTH, value: `${(leakGrowth * 100).toFixed(1)} % (${unbuffered(base).toFixed(0)} → ${unbuffered(end).toFixed(0)} MB)` },
        ]
      : []),
  ];
  const md = [
    `## Soak (\`npm run bench:soak${long ? '' : ` -- --duration ${durationS}`}\`)`,
    '',
    machine,
    '',
    `${V1_HEALTHY + V1_SLOW + V2_HEALTHY} clients for ${loadS.toFixed(0)} s against \`likeness serve\` (default settings, its own process): ${V1_HEALTHY} v1 clients (prep_upload, zip PUT, job_status every ${POLL_MS} ms until complete) and ${V2_HEALTHY} synchronous /v2 enrolment clients of a healthy partner, whose callback receiver answers at once; ${V1_SLOW} v1 clients of a second partner whose receiver reads each callback and never answers. Every job: 1 selfie + 7 liveness frames (bursts/live-1). \`kill -9\` of the server at ${((killAt - started) / 1000).toFixed(0)} s, restarted on the same data (ready ${((readyAt - killAt) / 1000).toFixed(1)} s later). Requests that failed while it was down or within 5 s of its return are counted as interrupted, not as errors: the client retries with its next job, as a client of a restarted service does. Accepted jobs and their states are read from the storage after the run, once callbacks had up to ${DRAIN_MS / 1000} s to drain.`,
    '',
    markdownTable(
      ['jobs done', 'jobs/s', 'p50 ms', 'p99 ms', 'v1 p50 / p99 ms', 'v2 p50 / p99 ms', 'errors', 'interrupted by the kill', 'accepted', 'not final', 'healthy callbacks missing', 'duplicated', 'slow partner: jobs whose callback was attempted'],
      [[
        latencies.length,
        (latencies.length / loadS).toFixed(2),
        percentile(all, 50).toFixed(0),
        percentile(all, 99).toFixed(0),
        `${percentile(v1, 50).toFixed(0)} / ${percentile(v1, 99).toFixed(0)}`,
        `${percentile(v2, 50).toFixed(0)} / ${percentile(v2, 99).toFixed(0)}`,
        errors,
        interrupted,
        accepted,
        notFinal,
        missing,
        duplicated,
        `${slowAttempted} of ${slowAccepted}`,
      ]],
    ),
    '',
    `Healthy partner's callback delay (result time to arrival, ${steady.length} callbacks, those of jobs completed around the kill aside): p50 ${percentile(steady.map((d) => d.ms), 50).toFixed(0)} ms, p99 ${callbackP99.toFixed(0)} ms.`,
    '',
    'Server memory at the end of each minute (MB): RSS, the V8 heap (used, total), memory outside the heap that V8 tracks (external: Buffers, mostly the write-through cache of recently uploaded images, bounded at 64 MB, which fills as jobs pass and is emptied by a restart), and the rest of RSS (native: onnxruntime, libvips, SQLite, allocator). A leak would show as growth of the heap or of the native rest; the RSS growth target is measured over the last 5 minutes of load, from 1 minute after the restart at the earliest.',
    '',
    markdownTable(['minute', 'RSS', 'heap used', 'heap total', 'external', 'native (rest)'], memRows),
    '',
    markdownTable(['target', 'measured', 'met'], results.map((r) => [r.name, r.value, r.ok ? 'yes' : '**no**'])),
    ...(errorSamples.length ? ['', `First errors: ${errorSamples.map((e) => `\`${e}\``).join('; ')}`] : []),
  ].join('\n');
  writeBenchmarkSection(long ? 'soak' : 'soak-short', md);
  console.log('\n' + md);
  const missed = results.filter((r) => !r.ok);
  if (check && missed.length) {
    console.error(`bench:soak: missed ${missed.map((m) => m.name).join('; ')}`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
