/**
 * @file 1:N search benchmark (issue 15): real embeddings of ../shared/faces planted among synthetic distractor
 * templates (a Gaussian fitted to ../shared/lfw-dev, bench/lib/distractors.ts), searched side by side by a plain
 * Float32 JavaScript loop (exact: the ground truth), the shipped FaceIndex (12-bit templates: an int8 WebAssembly
 * SIMD scan, its shortlist re-scored from all 12 bits) and usearch's HNSW graph (approximate). Reports query p50/p99, recall@1/@10 against exact float32 search, the
 * quantisation's similarity error, memory per million templates, load time, the time duplicate detection adds to an
 * enrolment, and whether every planted duplicate is found at DUPLICATE_THRESHOLD. Writes its section of BENCHMARKS.md.
 *
 *   npm run bench:search -- --data ../shared [--sizes 10000,100000,1000000] [--ann-max 100000] [--check]
 *
 * `--check` exits 1 on a recall, memory or duplicate miss, 3 on a speed-only miss. The default sizes (10k, 100k) are
 * CI's; the 1M run is made by hand and its table kept in BENCHMARKS.md.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import usearch from 'usearch';
import { createEngine, DEFAULT_SETTINGS } from '../src/engine/index.js';
import { DUPLICATE_THRESHOLD, falseDuplicateOdds } from '../src/search/duplicate-threshold.js';
import { FaceIndex } from '../src/search/face-index.js';
import { DEFAULT_MATCH_THRESHOLD } from '../src/engine/settings.js';
import { drawTemplates, drawUniformTemplates, fitTemplateModel } from './lib/distractors.js';
import { countBelow } from './lib/error-rates.js';
import { machineDescription, markdownTable, percentile, REPO_ROOT, writeBenchmarkSection } from './lib/report.js';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: process.env.LIKENESS_SHARED_DIR ?? path.resolve(REPO_ROOT, '..', 'shared') },
    sizes: { type: 'string', default: '10000,100000' },
    'ann-max': { type: 'string', default: '10000' },
    queries: { type: 'string', default: '100' },
    check: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(REPO_ROOT, 'BENCHMARKS.md') },
  },
});
const dataDir = path.resolve(args.data!);
const sizes = args.sizes!.split(',').map(Number);
const annMax = Number(args['ann-max']);
if (!existsSync(path.join(dataDir, 'lfw-dev', 'identities.csv')) || !existsSync(path.join(dataDir, 'faces', 'identities.csv'))) {
  console.error(`search-bench: no evaluation data at ${dataDir} (pass --data ../shared)`);
  process.exit(2);
}

const TARGET = { p99Ms1M: 50, recall10: 0.99, bytesPerMillion: 1.2e9, enrolMs100k: 10 };
const K = 10;
const DIMS = 512;
const started = performance.now();
const load = loadavg()[0];

// ---- Real embeddings (cached under .cache/: computing them takes ~30 s on two cores) ------------------------------
interface Photo {
  file: string;
  identity: string;
}
function readIdentities(dir: string): Photo[] {
  const rows = readFileSync(path.join(dataDir, dir, 'identities.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  return rows.filter(([, identity]) => identity).map(([file, identity]) => ({ file: `${dir}/${file}`, identity }));
}
const faces = readIdentities('faces');
const lfw = readIdentities('lfw-dev');

async function embeddings(photos: Photo[]): Promise<Map<string, Float32Array>> {
  const manifest = readFileSync(path.join(REPO_ROOT, 'models', 'manifest.json'));
  const key = createHash('sha256').update(manifest).update(JSON.stringify(DEFAULT_SETTINGS)).update(photos.map((p) => p.file).join()).digest('hex').slice(0, 16);
  const cacheFile = path.join(REPO_ROOT, '.cache', 'search-bench', `embeddings-${key}.json`);
  if (existsSync(cacheFile)) {
    const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, string>;
    return new Map(Object.entries(cached).map(([f, b64]) => [f, new Float32Array(new Uint8Array(Buffer.from(b64, 'base64')).buffer)]));
  }
  const engine = await createEngine({ workers: 2 });
  const out = new Map<string, Float32Array>();
  try {
    await Promise.all(
      photos.map(async (p) => {
        const a = await engine.analyze(await readFile(path.join(dataDir, p.file)));
        if (a.embedding) out.set(p.file, Float32Array.from(a.embedding));
      }),
    );
  } finally {
    await engine.close();
  }
  mkdirSync(path.dirname(cacheFile), { recursive: true });
  writeFileSync(cacheFile, JSON.stringify(Object.fromEntries([...out].map(([f, v]) => [f, Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')]))));
  return out;
}

const t0 = performance.now();
const emb = await embeddings([...faces, ...lfw]);
const embedSeconds = (performance.now() - t0) / 1000;
const planted = faces.filter((p) => emb.has(p.file));
const lfwEmb = lfw.filter((p) => emb.has(p.file));
console.log(`search-bench: ${emb.size} embeddings in ${embedSeconds.toFixed(1)} s; load average ${load.toFixed(1)}`);

// ---- Distractors and their realism ---------------------------------------------------------------------------------
const RANK = 48;
const model = fitTemplateModel(lfwEmb.map((p) => emb.get(p.file)!), RANK);
const dot = (a: Float32Array, ao: number, b: Float32Array) => {
  let s = 0;
  for (let d = 0; d < DIMS; d++) s += a[ao + d] * b[d];
  return s;
};
interface Dist {
  label: string;
  scores: Float64Array;
}
function distribution(label: string, scores: number[]): Dist {
  return { label, scores: Float64Array.from(scores).sort() };
}
const realImpostors: number[] = [];
for (let i = 0; i < lfwEmb.length; i++) {
  const a = emb.get(lfwEmb[i].file)!;
  for (let j = i + 1; j < lfwEmb.length; j++) if (lfwEmb[i].identity !== lfwEmb[j].identity) realImpostors.push(dot(a, 0, emb.get(lfwEmb[j].file)!));
}
const SAMPLE = 20_000;
const sample = new Float32Array(SAMPLE * DIMS);
const vsSample = (q: Photo[]) => q.flatMap((p) => Array.from({ length: SAMPLE }, (_, i) => dot(sample, i * DIMS, emb.get(p.file)!)));
drawTemplates(model, SAMPLE, sample, 1);
const fitted = vsSample(planted);
drawUniformTemplates(DIMS, SAMPLE, sample, 2);
const uniform = vsSample(planted);
const dists = [
  distribution(`real impostor pairs, lfw-dev (${realImpostors.length.toLocaleString('en')})`, realImpostors),
  distribution(`faces/ photos × fitted distractors (${fitted.length.toLocaleString('en')})`, fitted),
  distribution(`faces/ photos × random unit vectors (${uniform.length.toLocaleString('en')})`, uniform),
];

// ---- Methods -------------------------------------------------------------------------------------------------------
interface Hit {
  id: number;
  s: number;
}
/** Exact float32 search: every score, then the k best (the ground truth, and the plain-JavaScript baseline). */
function floatSearch(matrix: Float32Array, n: number, q: Float32Array, k: number): Hit[] {
  const best: Hit[] = [];
  let floor = -Infinity;
  for (let i = 0; i < n; i++) {
    const s = dot(matrix, i * DIMS, q);
    if (s <= floor) continue;
    best.push({ id: i, s });
    if (best.length > k) {
      best.sort((a, b) => b.s - a.s);
      best.length = k;
      floor = best[k - 1].s;
    }
  }
  return best.sort((a, b) => b.s - a.s).slice(0, k);
}

interface Row {
  size: number;
  method: string;
  p50: number;
  p99: number;
  cpuP50: number;
  recall1: number;
  recall10: number;
  simErrorP99: number | null;
  simErrorMax: number | null;
  bytesPerMillion: number;
  loadMatrixMs: number | null;
  loadRowsMs: number | null;
  buildS: number | null;
}
const rows: Row[] = [];
interface DupResult {
  size: number;
  photosFound: number;
  photos: number;
  missed: string[];
  distractorHits: number;
  otherPersonHits: number;
  enrolP50: number;
  enrolP99: number;
  enrolCpuP50: number;
}
const dups: DupResult[] = [];

const rssMb = () => process.memoryUsage().rss;
/** Runs `fn` and records its wall-clock and CPU milliseconds (CPU shows the work when other processes hold the cores). */
function timed<T>(fn: () => T, wall: number[], cpu: number[]): T {
  const c = process.cpuUsage();
  const t = performance.now();
  const out = fn();
  wall.push(performance.now() - t);
  const u = process.cpuUsage(c);
  cpu.push((u.user + u.system) / 1000);
  return out;
}
const recallAt = (got: number[][], truth: Hit[][], k: number) =>
  got.reduce((s, g, qi) => s + truth[qi].slice(0, k).filter((h) => g.slice(0, k).includes(h.id)).length / Math.min(k, truth[qi].length), 0) / got.length;

for (const size of sizes) {
  const n = size;
  const distractors = n - planted.length;
  const matrix = new Float32Array(n * DIMS);
  drawTemplates(model, distractors, matrix, 1000 + n);
  planted.forEach((p, i) => matrix.set(emb.get(p.file)!, (distractors + i) * DIMS));
  const ids = Array.from({ length: n }, (_, i) => (i < distractors ? `distractor-${i}` : `face:${planted[i - distractors].file}`));
  // Queries: every planted photo (its duplicates are in the index) and lfw-dev photos (not in it), up to --queries.
  const queryCount = Math.max(planted.length, Number(args.queries));
  const queries = [...planted, ...lfwEmb.filter((_, i) => i % 7 === 0)].slice(0, queryCount).map((p) => emb.get(p.file)!);

  // Float32 JavaScript loop: ground truth and the baseline's timing.
  const truth: Hit[][] = [];
  const jsTimes: number[] = [];
  const jsCpu: number[] = [];
  for (const q of queries) truth.push(timed(() => floatSearch(matrix, n, q, K), jsTimes, jsCpu));
  rows.push({ size, method: 'Float32 JavaScript loop (exact)', p50: percentile(jsTimes, 50), p99: percentile(jsTimes, 99), cpuP50: percentile(jsCpu, 50), recall1: 1, recall10: 1, simErrorP99: 0, simErrorMax: 0, bytesPerMillion: (4 * DIMS + 64) * 1e6, loadMatrixMs: 0, loadRowsMs: null, buildS: null });

  // FaceIndex: load from the Float32 matrix and from database-like rows (a BLOB per user), then search.
  let t = performance.now();
  const index = FaceIndex.fromMatrix(DIMS, ids, matrix);
  const loadMatrixMs = performance.now() - t;
  const dbRows = ids.map((userId, i) => ({ user_id: userId, template: Buffer.from(matrix.buffer, i * DIMS * 4, DIMS * 4) }));
  t = performance.now();
  const fromRows = new FaceIndex(DIMS);
  fromRows.reserve(dbRows.length);
  for (const r of dbRows) fromRows.upsert(r.user_id, new Float32Array(r.template.buffer.slice(r.template.byteOffset, r.template.byteOffset + r.template.byteLength)));
  const loadRowsMs = performance.now() - t;
  const slotOf = new Map(ids.map((id, i) => [id, i]));
  const ixTimes: number[] = [];
  const ixCpu: number[] = [];
  const ixGot: number[][] = [];
  const errors: number[] = [];
  index.search(queries[0], K, -1); // compiles the scan's optimised tier
  for (const q of queries) {
    const hits = timed(() => index.search(q, K, -1), ixTimes, ixCpu);
    ixGot.push(hits.map((h) => slotOf.get(h.userId)!));
    for (const h of hits) errors.push(Math.abs(h.similarity - dot(matrix, slotOf.get(h.userId)! * DIMS, q)));
  }
  const sortedErr = [...errors].sort((a, b) => a - b);
  rows.push({
    size, method: '**int8 SIMD scan + 12-bit re-score (FaceIndex, shipped)**', p50: percentile(ixTimes, 50), p99: percentile(ixTimes, 99), cpuP50: percentile(ixCpu, 50),
    recall1: recallAt(ixGot, truth, 1), recall10: recallAt(ixGot, truth, K), simErrorP99: percentile(sortedErr, 99), simErrorMax: sortedErr[sortedErr.length - 1],
    bytesPerMillion: (index.memoryBytes() / n) * 1e6, loadMatrixMs, loadRowsMs, buildS: null,
  });

  // Duplicates: each planted photo searched at the threshold against the index holding every other one.
  const byFile = new Map(planted.map((p) => [`face:${p.file}`, p.identity]));
  let found = 0;
  let distractorHits = 0;
  let otherPersonHits = 0;
  const missed: string[] = [];
  const enrolTimes: number[] = [];
  const enrolCpu: number[] = [];
  for (const p of planted) {
    const self = `face:${p.file}`;
    const v = emb.get(p.file)!;
    index.remove(self);
    // An enrolment's cost of deduplication: one search at the threshold, then the new template joins the index.
    const hits = timed(
      () => {
        const found = index.search(v, K, DUPLICATE_THRESHOLD);
        index.upsert(self, v);
        return found;
      },
      enrolTimes,
      enrolCpu,
    );
    if (hits.some((h) => byFile.get(h.userId) === p.identity)) found++;
    else missed.push(p.file);
    distractorHits += hits.filter((h) => !byFile.has(h.userId)).length;
    otherPersonHits += hits.filter((h) => byFile.has(h.userId) && byFile.get(h.userId) !== p.identity).length;
  }
  dups.push({ size, photosFound: found, photos: planted.length, missed, distractorHits, otherPersonHits, enrolP50: percentile(enrolTimes, 50), enrolP99: percentile(enrolTimes, 99), enrolCpuP50: percentile(enrolCpu, 50) });

  // usearch HNSW (approximate): built from the same matrix with both cores, searched one query at a time.
  if (n <= annMax) {
    const rss0 = rssMb();
    t = performance.now();
    const ann = new usearch.Index({ dimensions: DIMS, metric: 'cos' as never, quantization: 'i8' as never, connectivity: 16, expansion_add: 128, expansion_search: 64, multi: false });
    ann.add(BigUint64Array.from(ids, (_, i) => BigInt(i)), matrix, 2);
    const buildS = (performance.now() - t) / 1000;
    const annBytes = rssMb() - rss0;
    const annTimes: number[] = [];
    const annCpu: number[] = [];
    const annGot: number[][] = [];
    for (const q of queries) annGot.push(Array.from(timed(() => ann.search(q, K, 1), annTimes, annCpu).keys, Number));
    rows.push({
      size, method: 'usearch 2 HNSW, i8, M=16, ef=64 (approximate)', p50: percentile(annTimes, 50), p99: percentile(annTimes, 99), cpuP50: percentile(annCpu, 50),
      recall1: recallAt(annGot, truth, 1), recall10: recallAt(annGot, truth, K), simErrorP99: null, simErrorMax: null,
      bytesPerMillion: (annBytes / n) * 1e6, loadMatrixMs: null, loadRowsMs: null, buildS,
    });
  }
  console.log(`search-bench: ${n.toLocaleString('en')} templates done at ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

// ---- Report --------------------------------------------------------------------------------------------------------
const ms = (x: number | null) => (x === null ? '–' : x < 10 ? `${x.toFixed(2)} ms` : `${x.toFixed(0)} ms`);
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const at = (d: Dist, q: number) => d.scores[Math.min(d.scores.length - 1, Math.floor(q * d.scores.length))];
const share = (d: Dist, t: number) => d.scores.length - countBelow(d.scores, t);
const mean = (d: Dist) => d.scores.reduce((s, x) => s + x, 0) / d.scores.length;
const sd = (d: Dist) => {
  const m = mean(d);
  return Math.sqrt(d.scores.reduce((s, x) => s + (x - m) ** 2, 0) / d.scores.length);
};
const largest = Math.max(...sizes);
const shipped = rows.filter((r) => r.method.includes('FaceIndex'));
const at100k = dups.find((d) => d.size === 100_000);
const atLargest = shipped.find((r) => r.size === largest)!;
// A linear scan's time grows with N: the 1M p99 target scales to the largest size measured.
const p99Target = (TARGET.p99Ms1M * largest) / 1_000_000;
const targets: { name: string; result: string; met: boolean; speed: boolean }[] = [
  { name: `query p99 ≤ ${p99Target < 50 ? `${p99Target.toFixed(1)} ms at ${largest.toLocaleString('en')} (50 ms at 1M, scaled linearly)` : '50 ms at 1M'}`, result: ms(atLargest.p99), met: atLargest.p99 <= p99Target, speed: true },
  { name: `recall@10 ≥ ${TARGET.recall10} against exact float32, every size`, result: shipped.map((r) => r.recall10.toFixed(3)).join(' / '), met: shipped.every((r) => r.recall10 >= TARGET.recall10), speed: false },
  { name: '≤ 1.2 GB per million templates', result: `${(atLargest.bytesPerMillion / 1e9).toFixed(2)} GB`, met: atLargest.bytesPerMillion <= TARGET.bytesPerMillion, speed: false },
  ...(at100k ? [{ name: 'enrolment slowed ≤ 10 ms at 100k (p99 of search + insert)', result: ms(at100k.enrolP99), met: at100k.enrolP99 <= TARGET.enrolMs100k, speed: true }] : []),
  { name: `every planted duplicate found at ${DUPLICATE_THRESHOLD}, every size`, result: dups.map((d) => `${d.photosFound}/${d.photos}`).join(' / '), met: dups.every((d) => d.photosFound === d.photos), speed: false },
];

const odds = [10_000, 100_000, 1_000_000].map((n) => `${n.toLocaleString('en')}: ${falseDuplicateOdds(n).expected} expected, ${pct(falseDuplicateOdds(n).atLeastOne)} of enrolments`);
const md = `## 1:N face search (\`npm run bench:search\`, ${sizes.map((s) => s.toLocaleString('en')).join(' + ')} templates)

${machineDescription()}
- Load average when the run started: ${load.toFixed(1)} (other work shared the 2 cores: timings are noisy, p99 most of all)

Index: every size holds ${planted.length} real templates (the labelled photos of \`faces/\`, 13 people, main face,
flip-averaged embedding as the engine enrols) among synthetic distractors. Queries: ${Math.max(planted.length, Number(args.queries))} per size, the ${planted.length} planted photos
and photos of \`lfw-dev\` that are not in the index; one query at a time, k = ${K}, no threshold. Recall@k is the share of the
exact float32 top-k (the JavaScript loop, float64 sums) that a method returns; the similarity error is |reported − exact| over
the returned hits. Memory per million: FaceIndex's \`memoryBytes()\` (its WebAssembly memory plus an estimate of the ids),
Float32 the matrix plus ids, usearch the process RSS growth while it built (rough). Load: FaceIndex from the Float32 matrix
(\`FaceIndex.fromMatrix\`), and from database-like rows (one 2 KiB BLOB per user, copied to a Float32Array, then
\`upsert\`). Embeddings: ${emb.size} photos, ${embedSeconds.toFixed(1)} s (0 when cached in \`.cache/search-bench\`).

### Distractors

Drawn from a Gaussian fitted to the ${lfwEmb.length} embeddings of \`lfw-dev\`: their mean, the top ${RANK} principal directions
with their variances (${pct(model.explained)} of the variance) and the rest spread evenly over the other ${DIMS - RANK}
directions, each sample L2-normalised. Real embeddings share a mean direction and a few dominant ones, so two different
people do not score 0 ± 1/√${DIMS} as random unit vectors do. Against real faces the fitted distractors are far closer
to real impostor pairs than random vectors, but narrower and lighter in the tail (one draw per person: no look-alikes,
no shared photo conditions), so the false candidates they raise understate what real enrolments meet: count on the
f·N arithmetic below for that. An exact scan's speed does not depend on the scores at all; recall is measured against
exact search over the same data:

${markdownTable(
  ['scores', 'mean', 'sd', 'p99', 'p99.99', 'max', `≥ ${DEFAULT_MATCH_THRESHOLD} (1:1 threshold)`, `≥ ${DUPLICATE_THRESHOLD} (duplicate threshold)`],
  dists.map((d) => [d.label, mean(d).toFixed(3), sd(d).toFixed(3), at(d, 0.99).toFixed(3), at(d, 0.9999).toFixed(3), d.scores[d.scores.length - 1].toFixed(3), `${share(d, DEFAULT_MATCH_THRESHOLD)} (${(share(d, DEFAULT_MATCH_THRESHOLD) / d.scores.length).toExponential(1)})`, `${share(d, DUPLICATE_THRESHOLD)} (${(share(d, DUPLICATE_THRESHOLD) / d.scores.length).toExponential(1)})`]),
)}

### Search

${markdownTable(
  ['templates', 'method', 'query p50', 'query p99', 'CPU per query p50', 'recall@1', 'recall@10', 'similarity error p99 / max', 'memory per million', 'load: matrix / rows', 'build'],
  rows.map((r) => [r.size.toLocaleString('en'), r.method, ms(r.p50), ms(r.p99), ms(r.cpuP50), r.recall1.toFixed(3), r.recall10.toFixed(3), r.simErrorP99 === null ? '–' : `${r.simErrorP99.toFixed(4)} / ${r.simErrorMax!.toFixed(4)}`, `${(r.bytesPerMillion / 1e9).toFixed(2)} GB`, r.loadMatrixMs === null ? '–' : `${ms(r.loadMatrixMs)} / ${ms(r.loadRowsMs)}`, r.buildS === null ? '–' : `${r.buildS.toFixed(1)} s`]),
)}

${annMax >= largest ? 'usearch is built at every size of this run, with both cores (the build column).' : `usearch is built only up to ${annMax.toLocaleString('en')} templates in this run (\`--ann-max\`): its graph takes minutes to build beyond that on 2 cores (800 s for a million, run by hand).`}

### Duplicates and the cost of deduplication at enrolment

Each planted photo is removed, searched for at the duplicate threshold ${DUPLICATE_THRESHOLD} (the engine's FMR 1e-5 cosine,
\`src/search/duplicate-threshold.ts\`) with k = ${K}, and enrolled again: found when a photo of the same person is among
the hits. The enrolment cost is that search plus the insert.

${markdownTable(
  ['templates', 'photos whose duplicate is found', 'missed', 'distractor hits (false candidates)', 'other-person faces/ hits', 'dedup per enrolment p50 / p99', 'CPU p50'],
  dups.map((d) => [d.size.toLocaleString('en'), `${d.photosFound}/${d.photos}`, d.missed.join(', ') || 'none', `${d.distractorHits} (${(d.distractorHits / d.photos).toFixed(2)} per search)`, d.otherPersonHits, `${ms(d.enrolP50)} / ${ms(d.enrolP99)}`, ms(d.enrolCpuP50)]),
)}

Expected false duplicate candidates per enrolment at FMR 1e-5 (f·N, and the share of enrolments with at least one):
${odds.join('; ')}.

### Targets (issue 15)

${markdownTable(['target', 'result', ''], targets.map((x) => [x.name, x.result, x.met ? 'met' : '**missed**']))}

Run took ${((performance.now() - started) / 1000).toFixed(0)} s (sizes ${sizes.map((s) => s.toLocaleString('en')).join(', ')}).
`;

console.log(md);
writeBenchmarkSection(`search-${largest >= 1_000_000 ? '1m' : 'ci'}`, md, args.out);
if (args.check) {
  if (targets.some((x) => !x.met && !x.speed)) process.exit(1);
  if (targets.some((x) => !x.met)) process.exit(3);
}
