/**
 * @file Accuracy benchmark: verification error rates of every engine variant, side by side, on ../shared/lfw-dev
 * (Labeled Faces in the Wild, 1,240 photos of 300 people) and ../shared/faces. lfw-dev is split by identity
 * (alphabetical order, even positions calibrate, odd positions report): operating points are chosen on the
 * calibration split only and every figure that judges them is measured on the report split. Writes the accuracy
 * section of BENCHMARKS.md and the DET curves to docs/img/det-lfw.svg. `--check` exits 1 when a target of issue 16
 * is missed or the shipped thresholds no longer match a fresh calibration.
 *
 *   npm run bench:accuracy -- --data ../shared [--workers 2] [--check] [--cache DIR]
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_THRESHOLDS } from '../src/decision/index.js';
import { createEngine, DEFAULT_MATCH_THRESHOLD, DEFAULT_SETTINGS, type FaceQuality, type QualityReason, type SettingsOverrides } from '../src/engine/index.js';
import { detSvg } from './lib/det-svg.js';
import { bootstrapFnmr, countAtOrAbove, countBelow, equalErrorRate, fmrAt, fnmrAt, detCurve, scoreSet, thresholdAtFmr, thresholdAtFmrBound, wilson, type ScoreSet } from './lib/error-rates.js';
import { fusedScore, fusePairs, learnFusion, pairScores, toScoreSet, type FusionFit, type PairScores } from './lib/pair-scores.js';
import { machineDescription, markdownTable, REPO_ROOT, writeBenchmarkSection } from './lib/report.js';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: process.env.LIKENESS_SHARED_DIR ?? path.resolve(REPO_ROOT, '..', 'shared') },
    workers: { type: 'string' },
    check: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(REPO_ROOT, 'BENCHMARKS.md') },
    svg: { type: 'string', default: path.join(REPO_ROOT, 'docs', 'img', 'det-lfw.svg') },
    cache: { type: 'string' },
  },
});
const dataDir = path.resolve(args.data!);
const workers = args.workers ? Number(args.workers) : undefined;
if (!existsSync(path.join(dataDir, 'lfw-dev', 'identities.csv')) || !existsSync(path.join(dataDir, 'faces', 'identities.csv'))) {
  console.error(`accuracy-bench: no evaluation data at ${dataDir} (pass --data ../shared)`);
  process.exit(2);
}

/** Operating points: the decision at FMR 1e-4, the review band between the 1e-3 and 1e-5 thresholds. */
const FMRS = [1e-3, 1e-4, 1e-5] as const;
const DECISION_FMR = 1e-4;
/**
 * Targets guarded by `--check`, on the report split, pairs where both photos pass the quality gates. The FNMR
 * ceilings are the shipped variant's figures of the run that chose it (1.43 %, 4.42 %, 7.05 %; 1.31 %, 4.03 %,
 * 7.06 % once issue 16's face choice admitted more photos) plus about 0.5 point for machine-to-machine drift; issue 16's moonshot (1 % at 1e-4) is reported, not guarded, because
 * this recogniser cannot reach it.
 */
const TARGET = {
  fnmrCeiling: { 1e-3: 0.02, 1e-4: 0.05, 1e-5: 0.076 } as Record<number, number>,
  moonshotFnmrAt1e4: 0.01,
  facesImpostorsAccepted: 0,
  facesFnmr: 0.01,
  /** The manifest's thresholds must match a fresh calibration to this (cosine). */
  thresholdDrift: 0.01,
};

interface Variant {
  key: string;
  label: string;
  settings: SettingsOverrides;
  /** The variant the engine ships with (its settings are the defaults). */
  shipped?: boolean;
}
const VARIANTS: Variant[] = [
  { key: 'single', label: 'one embedding per face (before)', settings: { flipAverage: false, fusion: false } },
  { key: 'flip', label: 'face + mirror image embeddings summed', settings: { flipAverage: true, fusion: false }, shipped: true },
  { key: 'fused', label: 'flip + face-api (dlib ResNet) embedding, scores fused (opt-in)', settings: { flipAverage: true, fusion: true } },
];

interface Photo {
  file: string;
  identity: string;
  /** Index of the identity in the identity list of its set. */
  id: number;
}
interface Acquired {
  embedding: Float32Array | null;
  /** The second recogniser's embedding (the fused template's tail); null without fusion or without a face. */
  secondary: Float32Array | null;
  ok: boolean;
  reasons: QualityReason[];
  quality: FaceQuality;
}

function readIdentities(dir: string): Photo[] {
  const rows = readFileSync(path.join(dir, 'identities.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const labelled = rows.filter(([, identity]) => identity);
  const names = [...new Set(labelled.map(([, identity]) => identity))].sort();
  return labelled.map(([file, identity]) => ({ file: path.join(dir, file), identity, id: names.indexOf(identity) }));
}

const lfw = readIdentities(path.join(dataDir, 'lfw-dev'));
const faces = readIdentities(path.join(dataDir, 'faces'));
/** Fixed split by identity: alphabetical order, even positions calibrate, odd positions report. */
const calibration = lfw.filter((p) => p.id % 2 === 0);
const report = lfw.filter((p) => p.id % 2 === 1);

async function acquire(variant: Variant, photos: Photo[]): Promise<Acquired[]> {
  const cached = readCache(variant, photos);
  if (cached) return cached;
  const engine = await createEngine({ workers, settings: variant.settings });
  try {
    const acquired = await Promise.all(
      photos.map(async (p) => {
        const a = await engine.analyze(await readFile(p.file));
        const n = a.embedding?.length ?? 0;
        const secondary = a.template && a.template.length > n ? a.template.slice(n) : null;
        return { embedding: a.embedding, secondary, ok: a.quality.ok, reasons: a.quality.reasons, quality: a.quality };
      }),
    );
    writeCache(variant, photos, acquired);
    return acquired;
  } finally {
    await engine.close();
  }
}

/**
 * `--cache DIR` (a development aid on a slow machine; CI does not use it): each variant's analyses are stored in DIR
 * under a key made of the variant's settings, the model manifest, the photo list and the compiled engine, so a rerun
 * that changes only how scores are evaluated skips the embedding pass. Any change to the engine or the models misses.
 */
function cacheFile(variant: Variant, photos: Photo[]): string | null {
  if (!args.cache) return null;
  const engineDir = path.join(REPO_ROOT, 'dist', 'src', 'engine');
  // Calibration results (operating points, fusion weight and statistics) do not change the analyses: left out.
  const calibrated = new Set(['operatingPoints', 'weight', 'primaryImpostor', 'secondaryImpostor', 'calibration']);
  const models = JSON.stringify(JSON.parse(readFileSync(path.join(REPO_ROOT, 'models', 'manifest.json'), 'utf8')), (k, v: unknown) => (calibrated.has(k) ? undefined : v));
  const hash = createHash('sha256').update(JSON.stringify(variant.settings)).update(models);
  for (const p of photos) hash.update(p.file);
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory()) walk(path.join(dir, e.name));
      else if (e.name.endsWith('.js')) hash.update(readFileSync(path.join(dir, e.name)));
    }
  };
  walk(engineDir);
  return path.join(args.cache, `accuracy-${variant.key}-${hash.digest('hex').slice(0, 16)}.json`);
}

function readCache(variant: Variant, photos: Photo[]): Acquired[] | null {
  const file = cacheFile(variant, photos);
  if (!file || !existsSync(file)) return null;
  const rows = JSON.parse(readFileSync(file, 'utf8')) as (Omit<Acquired, 'embedding' | 'secondary'> & { embedding: number[] | null; secondary: number[] | null })[];
  console.log(`accuracy-bench: ${variant.key}: analyses from ${file}`);
  return rows.map((r) => ({ ...r, embedding: r.embedding && Float32Array.from(r.embedding), secondary: r.secondary && Float32Array.from(r.secondary) }));
}

function writeCache(variant: Variant, photos: Photo[], acquired: Acquired[]): void {
  const file = cacheFile(variant, photos);
  if (!file) return;
  mkdirSync(args.cache!, { recursive: true });
  writeFileSync(file, JSON.stringify(acquired.map((a) => ({ ...a, embedding: a.embedding && Array.from(a.embedding), secondary: a.secondary && Array.from(a.secondary) }))));
}

interface PairSets {
  /** Pairs where both photos pass every quality gate (the decision's population). */
  gated: ScoreSet;
  /** Every pair; a pair with a photo without a face scores −1 (a non-match). */
  all: ScoreSet;
  /** Genuine and impostor pairs of `gated` by name, weakest genuine and strongest impostor first. */
  weakestGenuine: { s: number; a: string; b: string }[];
  strongestImpostor: { s: number; a: string; b: string }[];
}

/** Primary (and, with fusion, secondary) cosines of every pair of `photos`: each image was embedded once per variant. */
function scorePairs(photos: Photo[], acquired: Acquired[]): { primary: PairScores; secondary: PairScores | null } {
  const ids = photos.map((p) => p.id);
  const ok = acquired.map((a) => a.ok);
  const primary = pairScores(ids, acquired.map((a) => a.embedding), ok);
  const fused = acquired.some((a) => a.secondary);
  return { primary, secondary: fused ? pairScores(ids, acquired.map((a) => a.secondary), ok) : null };
}

function pairSets(photos: Photo[], p: PairScores, keep = 5): PairSets {
  const named: { s: number; i: number; j: number; genuine: boolean }[] = [];
  for (let k = 0; k < p.n; k++) {
    if (p.gated[k] && (p.genuine[k] || p.score[k] > 0.3)) named.push({ s: p.score[k], i: p.i[k], j: p.j[k], genuine: !!p.genuine[k] });
  }
  const name = (x: { s: number; i: number; j: number }) => ({ s: x.s, a: path.basename(photos[x.i].file), b: path.basename(photos[x.j].file) });
  return {
    gated: toScoreSet(p, true),
    all: toScoreSet(p, false),
    weakestGenuine: named.filter((x) => x.genuine).sort((a, b) => a.s - b.s).slice(0, keep).map(name),
    strongestImpostor: named.filter((x) => !x.genuine).sort((a, b) => b.s - a.s).slice(0, keep).map(name),
  };
}

// ---------------------------------------------------------------------------------------------------------------

const t0 = performance.now();
interface VariantResult {
  variant: Variant;
  calibration: PairSets;
  report: PairSets;
  faces: PairSets;
  /** Failure to acquire on lfw-dev (all 1,240 photos): photos failing a gate, by reason. */
  fta: { failed: number; byReason: Map<string, number> };
  /**
   * Thresholds chosen on the calibration split, gated pairs: the lowest at which the FMR's 95 % upper bound meets the
   * target (at 1e-5 the split is too small for that; there the threshold lies above every calibration impostor).
   */
  thresholds: Map<number, number>;
  msPerPhoto: number;
  /** The fusion parameters learnt on the calibration split (fused variants only). */
  fusion: FusionFit | null;
  /** lfw-dev report split: each photo's quality and the pair scores, for the quality-aware review band below. */
  reportQuality: FaceQuality[];
  reportPairs: PairScores;
}
const results: VariantResult[] = [];
for (const variant of VARIANTS) {
  const start = performance.now();
  const fromCache = readCache(variant, [...lfw, ...faces]) !== null;
  const acquired = await acquire(variant, [...lfw, ...faces]);
  const msPerPhoto = fromCache ? NaN : (performance.now() - start) / acquired.length;
  const lfwAcquired = acquired.slice(0, lfw.length);
  const byFile = new Map(lfw.map((p, i) => [p.file, lfwAcquired[i]]));
  const pick = (photos: Photo[]) => photos.map((p) => byFile.get(p.file)!);
  const byReason = new Map<string, number>();
  for (const a of lfwAcquired) for (const r of a.reasons) byReason.set(r, (byReason.get(r) ?? 0) + 1);
  const calScores = scorePairs(calibration, pick(calibration));
  // With a second recogniser, its weight and both scores' impostor statistics are learnt on the calibration split
  // and then applied, unchanged, to the report split and faces/.
  const fusion = calScores.secondary ? learnFusion(calScores.primary, calScores.secondary) : null;
  const final = (x: { primary: PairScores; secondary: PairScores | null }) =>
    fusion && x.secondary ? fusePairs(x.primary, x.secondary, fusedScore(fusion)) : x.primary;
  const cal = pairSets(calibration, final(calScores));
  const reportPairs = final(scorePairs(report, pick(report)));
  results.push({
    variant,
    calibration: cal,
    report: pairSets(report, reportPairs),
    faces: pairSets(faces, final(scorePairs(faces, acquired.slice(lfw.length)))),
    fta: { failed: lfwAcquired.filter((a) => !a.ok).length, byReason },
    thresholds: new Map(FMRS.map((f) => [f, thresholdAtFmrBound(cal.gated.impostor, f).threshold])),
    msPerPhoto,
    fusion,
    reportQuality: pick(report).map((a) => a.quality),
    reportPairs,
  });
  console.log(`accuracy-bench: ${variant.key}: ${acquired.length} photos in ${((performance.now() - start) / 1000).toFixed(1)} s`);
}
const benchSeconds = (performance.now() - t0) / 1000;
const shipped = results.find((r) => r.variant.shipped)!;

// ---------------------------------------------------------------------------------------------------------------

const pct = (x: number, digits = 2) => `${(100 * x).toFixed(digits)} %`;
const ci = ([lo, hi]: [number, number]) => `${pct(lo)}–${pct(hi)}`;
const sci = (x: number) => (x === 0 ? '0' : x.toExponential(1).replace('e-', 'e−'));
const cos = (x: number) => x.toFixed(3);

/** FNMR with its identity-bootstrap interval at the report split's own threshold for `fmr` (a DET operating point). */
function operatingPoint(set: ScoreSet, fmr: number) {
  const t = thresholdAtFmr(set.impostor, fmr);
  return { t, fnmr: fnmrAt(set, t), ci: bootstrapFnmr(set, t), misses: countBelow(set.genuine, t) };
}

const detRows = results.map((r) => {
  const ops = FMRS.map((f) => operatingPoint(r.report.gated, f));
  return [
    `${r.variant.label}${r.variant.shipped ? ' **(shipped)**' : ''}`,
    ...ops.map((o) => `**${pct(o.fnmr)}** (${o.misses}) [${ci(o.ci)}] at ${cos(o.t)}`),
    pct(equalErrorRate(r.report.gated).eer),
    FMRS.map((f) => pct(operatingPoint(r.calibration.gated, f).fnmr)).join(' / '),
    Number.isNaN(r.msPerPhoto) ? '– (analyses from --cache)' : `${r.msPerPhoto.toFixed(1)} ms`,
  ];
});

/** The shipped thresholds as chosen on the calibration split, and what they do on the report split. */
const heldOutRows = results.flatMap((r) =>
  FMRS.map((f) => {
    const t = r.thresholds.get(f)!;
    const calK = countAtOrAbove(r.calibration.gated.impostor, t);
    const calN = r.calibration.gated.impostor.length;
    const repK = countAtOrAbove(r.report.gated.impostor, t);
    const repN = r.report.gated.impostor.length;
    return [
      r.variant.key,
      sci(f),
      cos(t),
      `${calK} of ${calN} (${sci(calK / calN)}; 95 % upper ${sci(wilson(calK, calN)[1])})`,
      `${repK} of ${repN} (${sci(repK / repN)}) [${sci(wilson(repK, repN)[0])}–${sci(wilson(repK, repN)[1])}]`,
      `${pct(fnmrAt(r.report.gated, t))} [${ci(bootstrapFnmr(r.report.gated, t))}]`,
      pct(fnmrAt(r.report.all, t)),
    ];
  }),
);

const facesRows = results.map((r) => {
  const [t3, t4, t5] = FMRS.map((f) => r.thresholds.get(f)!);
  const g = r.faces.gated;
  const accepted = (t: number) => countAtOrAbove(g.impostor, t);
  const rejected = (t: number) => countBelow(g.genuine, t);
  return [
    r.variant.key,
    `${accepted(t4)} of ${g.impostor.length}`,
    `${pct(rejected(t4) / g.genuine.length)} (${rejected(t4)} of ${g.genuine.length})`,
    `${accepted(t5)} / ${rejected(t3)}`,
    `${cos(g.impostor[0])} (${r.faces.strongestImpostor[0]?.a}/${r.faces.strongestImpostor[0]?.b})`,
    `${cos(g.genuine[0])} (${r.faces.weakestGenuine[0]?.a}/${r.faces.weakestGenuine[0]?.b})`,
  ];
});

const ftaRow = (r: VariantResult) =>
  `${r.fta.failed} of ${lfw.length} photos (${pct(r.fta.failed / lfw.length, 1)}) fail a quality gate: ${[...r.fta.byReason.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([reason, k]) => `${reason} ${k}`)
    .join(', ')} (a photo can fail several)`;

const manifestPath = path.join(REPO_ROOT, 'models', 'manifest.json');
type Points = { fmr: number; threshold: number }[];
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
  models: { embedding: { operatingPoints?: Points }; fusion?: FusionFit & { operatingPoints?: Points } };
};
const shippedPoints = manifest.models.embedding.operatingPoints ?? [];
/** The fused variant (fusion is opt-in): its calibration must match the manifest's fusion entry, which maps its scores. */
const fusedVariant = results.find((r) => r.fusion);
const manifestFusion = manifest.models.fusion;
const decisionT = shipped.thresholds.get(DECISION_FMR)!;
const shippedReport = FMRS.map((f) => operatingPoint(shipped.report.gated, f));
/** What shipped before flip averaging: one embedding per face. */
const before = results.find((r) => r.variant.key === 'single');
const beforeReport = before ? FMRS.map((f) => operatingPoint(before.report.gated, f)) : null;
/** The decision's edges: it approves at or above `approveAt`, rejects below `rejectBelow`, sends the rest to review. */
const approveAt = DEFAULT_THRESHOLDS.match + DEFAULT_THRESHOLDS.matchReviewAbove;
const rejectBelow = DEFAULT_THRESHOLDS.match - DEFAULT_THRESHOLDS.matchReviewBelow;
const facesAccepted = countAtOrAbove(shipped.faces.gated.impostor, approveAt);
const facesFnmr = fnmrAt(shipped.faces.gated, rejectBelow);
/** Where the report split's pairs go with the shipped thresholds: approved, review, rejected. */
const outcomes = (xs: Float64Array) => {
  const approved = xs.filter((x) => x >= approveAt).length;
  const rejected = xs.filter((x) => x < rejectBelow).length;
  return { approved, review: xs.length - approved - rejected, rejected, n: xs.length };
};
const genuineOutcomes = outcomes(shipped.report.gated.genuine);
const impostorOutcomes = outcomes(shipped.report.gated.impostor);
const facesInReview = countAtOrAbove(shipped.faces.gated.impostor, rejectBelow) - facesAccepted;

const fusionText = (f: FusionFit | undefined | null) =>
  f ? `weight ${f.weight}, impostors primary ${f.primaryImpostor.mean.toFixed(4)} ± ${f.primaryImpostor.sd.toFixed(4)}, second ${f.secondaryImpostor.mean.toFixed(4)} ± ${f.secondaryImpostor.sd.toFixed(4)}` : 'none';

const checks = [
  ...FMRS.map((f, i) => ({
    name: `report split: FNMR at FMR ${sci(f)} ≤ ${pct(TARGET.fnmrCeiling[f], 1)}`,
    ok: shippedReport[i].fnmr <= TARGET.fnmrCeiling[f],
    value: `${pct(shippedReport[i].fnmr)}${beforeReport ? ` (before: ${pct(beforeReport[i].fnmr)})` : ''}`,
  })),
  ...FMRS.map((f) => {
    const m = shippedPoints.find((p) => p.fmr === f);
    const fresh = shipped.thresholds.get(f)!;
    return {
      name: `manifest threshold at FMR ${sci(f)} matches the calibration split (±${TARGET.thresholdDrift})`,
      ok: !!m && Math.abs(m.threshold - fresh) <= TARGET.thresholdDrift,
      value: `${m ? cos(m.threshold) : 'missing'} vs ${cos(fresh)}`,
    };
  }),
  ...(fusedVariant
    ? [
        ...FMRS.map((f) => {
          const m = manifestFusion?.operatingPoints?.find((p) => p.fmr === f);
          const fresh = fusedVariant.thresholds.get(f)!;
          return {
            name: `manifest fusion threshold at FMR ${sci(f)} (maps fused scores onto the cosine scale) matches the calibration split (±${TARGET.thresholdDrift})`,
            ok: !!m && Math.abs(m.threshold - fresh) <= TARGET.thresholdDrift,
            value: `${m ? cos(m.threshold) : 'missing'} vs ${cos(fresh)}`,
          };
        }),
        {
          name: 'manifest fusion weight and impostor statistics match the calibration split (weight exact, means ±0.005, deviations ±5 %)',
          ok:
            !!manifestFusion &&
            manifestFusion.weight === fusedVariant.fusion!.weight &&
            (['primaryImpostor', 'secondaryImpostor'] as const).every(
              (k) => Math.abs(manifestFusion[k].mean - fusedVariant.fusion![k].mean) <= 0.005 && Math.abs(manifestFusion[k].sd / fusedVariant.fusion![k].sd - 1) <= 0.05,
            ),
          value: fusionText(manifestFusion) + ' vs ' + fusionText(fusedVariant.fusion),
        },
      ]
    : []),
  {
    name: 'engine and decision defaults are the manifest\'s FMR 1e−4 threshold',
    ok: shippedPoints.find((p) => p.fmr === DECISION_FMR)?.threshold === DEFAULT_MATCH_THRESHOLD && DEFAULT_THRESHOLDS.match === DEFAULT_MATCH_THRESHOLD,
    value: `${DEFAULT_MATCH_THRESHOLD}`,
  },
  {
    name: `report split: FMR at the shipped threshold not significantly above ${sci(DECISION_FMR)}`,
    ok: wilson(countAtOrAbove(shipped.report.gated.impostor, DEFAULT_MATCH_THRESHOLD), shipped.report.gated.impostor.length)[0] <= DECISION_FMR,
    value: sci(fmrAt(shipped.report.gated, DEFAULT_MATCH_THRESHOLD)),
  },
  {
    name: `faces/: impostor pairs approved by the decision (≥ ${cos(approveAt)}) = ${TARGET.facesImpostorsAccepted}`,
    ok: facesAccepted <= TARGET.facesImpostorsAccepted,
    value: `${facesAccepted} (${facesInReview} in review)`,
  },
  { name: `faces/: genuine pairs rejected by the decision (< ${cos(rejectBelow)}) ≤ ${pct(TARGET.facesFnmr, 0)}`, ok: facesFnmr <= TARGET.facesFnmr, value: pct(facesFnmr) },
];
const moonshot = shippedReport[1].fnmr <= TARGET.moonshotFnmrAt1e4;

/**
 * Quality-aware review band (issue 16): a selfie that passes a gate by less than a factor `ratio` (sharpness,
 * face size, brightness, eye openness below ratio × their minimum; pose or brightness above their maximum / ratio)
 * would get a wider band, its lower edge moved down to the FMR 1e-2 threshold. Measured on the report split, each
 * pair both ways (either photo as the selfie): how many genuine pairs that saves from rejection, and how many more
 * impostor pairs it sends to review.
 */
const Q = DEFAULT_SETTINGS.quality;
const marginal = (q: FaceQuality, r: number) =>
  q.sharpness < r * Q.minSharpness || q.faceSizePx < r * Q.minFaceSizePx || q.brightness < r * Q.minBrightness || q.brightness * r > Q.maxBrightness ||
  Math.abs(q.yaw) * r > Q.maxYaw || Math.abs(q.pitch) * r > Q.maxPitch || q.eyeOpenness < r * Q.minEyeOpenness;
const wideLower = thresholdAtFmrBound(shipped.calibration.gated.impostor, 1e-2).threshold;
const qualityBandRows = [0, 1.25, 1.5].map((ratio) => {
  const p = shipped.reportPairs;
  let probes = 0, marginalProbes = 0, gen = 0, genRejected = 0, genReview = 0, imp = 0, impReview = 0;
  for (let k = 0; k < p.n; k++) {
    if (!p.gated[k]) continue;
    for (const probe of [p.i[k], p.j[k]]) {
      const wide = ratio > 0 && marginal(shipped.reportQuality[probe], ratio);
      probes++;
      if (wide) marginalProbes++;
      const s = p.score[k];
      const verdict = s >= approveAt ? 'approve' : s < (wide ? wideLower : rejectBelow) ? 'reject' : 'review';
      if (p.genuine[k]) {
        gen++;
        if (verdict === 'reject') genRejected++;
        if (verdict === 'review') genReview++;
      } else {
        imp++;
        if (verdict === 'review') impReview++;
      }
    }
  }
  return [
    ratio === 0 ? 'none (shipped)' : `within ${ratio}× of a gate`,
    pct(marginalProbes / probes, 1),
    pct(genRejected / gen),
    pct(genReview / gen, 1),
    sci(impReview / imp),
  ];
});

const svgRel = path.relative(REPO_ROOT, args.svg!);
mkdirSync(path.dirname(args.svg!), { recursive: true });
writeFileSync(
  args.svg!,
  detSvg(
    `DET, lfw-dev report split (${report.length} photos, ${new Set(report.map((p) => p.id)).size} people), both photos pass the gates`,
    results.map((r) => ({
      label: `${r.variant.key}${r.variant.shipped ? ' (shipped)' : ''}`,
      points: detCurve(r.report.gated),
      marks: r.variant.shipped
        ? FMRS.map((f) => {
            const t = r.thresholds.get(f)!;
            return { fmr: fmrAt(r.report.gated, t), fnmr: fnmrAt(r.report.gated, t), label: `calibrated threshold for FMR ${sci(f)}: ${cos(t)}` };
          })
        : undefined,
    })),
  ),
);

const pairList = (xs: { s: number; a: string; b: string }[]) => xs.map((x) => `${x.a} / ${x.b} ${cos(x.s)}`).join('; ');
const md = `
## Accuracy (\`npm run bench:accuracy\`)

${machineDescription()}

\`../shared/lfw-dev\` (Labeled Faces in the Wild, ${lfw.length} photos of ${new Set(lfw.map((p) => p.id)).size} people) is split by identity,
fixed: people in alphabetical order, even positions form the **calibration** split (${calibration.length} photos, thresholds are
chosen there and only there), odd positions the **report** split (${report.length} photos, every figure below that judges a
threshold). Scores are the cosine of the main faces' embeddings, each photo embedded once per variant. Unless said
otherwise, pairs count only when both photos pass the quality gates (the population the decision sees: a photo that
fails a gate is rejected before any comparison). Intervals are 95 %: FNMR by bootstrap over identities (2,000
resamples; a person's pairs are not independent), FMR by Wilson's interval (treating impostor pairs as independent,
which they are not quite: it is optimistic). Run took ${benchSeconds.toFixed(0)} s${results.some((r) => Number.isNaN(r.msPerPhoto)) ? ' (analyses from `--cache`, made by an earlier run of the same engine and models on the same machine: a fresh run embeds every photo once per variant, which took 16 minutes for the three variants on this machine under a load average of ~20)' : ''}.

### DET operating points, report split (${shipped.report.gated.genuine.length} genuine, ${shipped.report.gated.impostor.length} impostor pairs with the shipped variant)

Threshold set on the report split's own impostors (the DET curve's points: what each variant can do).

${markdownTable(['variant', 'FNMR at FMR 1e−3', 'FNMR at FMR 1e−4', 'FNMR at FMR 1e−5', 'EER', 'calibration split: FNMR at 1e−3 / 1e−4 / 1e−5 (chooses the variant)', 'engine time per photo (shared machine)'], detRows)}

![DET curves on the lfw-dev report split](${svgRel})

### Shipped thresholds: chosen on the calibration split, judged on the report split

Each threshold is the lowest at which the 95 % upper bound of the calibration split's FMR meets its target (so the
target holds with that confidence, not only on average). The calibration split is too small to bound 1e−5 (with no
impostor accepted the bound is still 2.7e−5): that threshold lies just above the strongest calibration impostor.

${markdownTable(['variant', 'target FMR', 'threshold (calibration)', 'impostors accepted, calibration', 'impostors accepted, report [95 %]', 'FNMR, report, gated [95 %]', 'FNMR, report, all pairs'], heldOutRows)}

"All pairs" counts every pair, a photo that fails a gate included (and a photo without a face as a non-match).
Failure to acquire, ${shipped.variant.key}: ${ftaRow(shipped)}.

With the shipped decision (approve ≥ ${cos(approveAt)}, review from ${cos(rejectBelow)}, reject below), report split:
genuine pairs ${pct(genuineOutcomes.approved / genuineOutcomes.n, 1)} approved, ${pct(genuineOutcomes.review / genuineOutcomes.n, 1)} to review,
${pct(genuineOutcomes.rejected / genuineOutcomes.n, 1)} rejected; impostor pairs ${impostorOutcomes.approved} approved, ${impostorOutcomes.review} to review
(${sci(impostorOutcomes.review / impostorOutcomes.n)}), the rest of ${impostorOutcomes.n} rejected.

Weakest genuine pairs (report split, ${shipped.variant.key}): ${pairList(shipped.report.weakestGenuine)}.
Strongest impostor pairs (report split, ${shipped.variant.key}): ${pairList(shipped.report.strongestImpostor)}.

### Second recogniser

${results.filter((r) => r.fusion).map((r) => `Variant ${r.variant.key}: learnt on the calibration split, ${fusionText(r.fusion)}: the fused score is (1 − weight) × the primary cosine + weight × the second cosine mapped onto the primary's impostor scale (z-normalised); its own thresholds are in the tables above (the engine, with fusion on, maps it onto the primary cosine's scale through them, so the decision's thresholds stay). Its strongest impostor pairs (report split): ${pairList(r.report.strongestImpostor)}.`).join('\n')}

### Quality-aware review band (measured, not adopted)

A selfie that passes a quality gate by a small margin gets the review band's lower edge moved down from the FMR 1e−3
threshold (${cos(rejectBelow)}) to the FMR 1e−2 one (${cos(wideLower)}), so that the machine sends it to review instead of
rejecting it. Report split, ${shipped.variant.key}, every gated pair counted twice (either photo as the selfie):

${markdownTable(['margin that counts as barely passing', 'selfies affected', 'genuine pairs rejected', 'genuine pairs to review', 'impostor pairs to review'], qualityBandRows)}

### \`faces/\` (${faces.length} press photos of 13 people) at each variant's calibrated thresholds

${markdownTable(['variant', 'impostors accepted at FMR 1e−4 threshold', 'FNMR at FMR 1e−4 threshold', 'impostors ≥ 1e−5 threshold / genuine < 1e−3 threshold', 'strongest impostor', 'weakest genuine'], facesRows)}

### Targets (issue 16)

| target | result | |
|---|---|---|
${checks.map((c) => `| ${c.name} | ${c.value} | ${c.ok ? 'met' : '**missed**'} |`).join('\n')}
| moonshot: FNMR ≤ 1 % at FMR 1e−4 (report split) | ${pct(shippedReport[1].fnmr)} | ${moonshot ? 'met' : '**missed** (not guarded: see MODELS.md)'} |
`;

writeBenchmarkSection('accuracy', md, args.out!);
console.log(md);
console.log(`accuracy-bench: wrote ${args.out} and ${args.svg}; decision threshold on calibration ${decisionT}`);
for (const r of results) console.log(`thresholds ${r.variant.key}: ${FMRS.map((f) => `${f}: ${r.thresholds.get(f)}`).join(', ')}${r.fusion ? `; fusion ${JSON.stringify(r.fusion)}` : ''}`);
const missed = checks.filter((c) => !c.ok);
if (args.check && missed.length) {
  console.error(`accuracy-bench: ${missed.length} target(s) missed: ${missed.map((c) => c.name).join('; ')}`);
  process.exit(1);
}
