/**
 * @file Accuracy benchmark: verification error rates of every engine variant, side by side, on ../shared/lfw-dev
 * (Labeled Faces in the Wild, 1,240 photos of 300 people) and ../shared/faces. lfw-dev is split by identity
 * (alphabetical order, even positions calibrate, odd positions report): operating points are chosen on the
 * calibration split only and every figure that judges them is measured on the report split. Writes the accuracy
 * section of BENCHMARKS.md and the DET curves to docs/img/det-lfw.svg. `--check` exits 1 when a target of issue 16
 * is missed or the shipped thresholds no longer match a fresh calibration.
 *
 *   npm run bench:accuracy -- --data ../shared [--workers 2] [--check]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_THRESHOLDS } from '../src/decision/index.js';
import { createEngine, DEFAULT_MATCH_THRESHOLD, type QualityReason, type SettingsOverrides } from '../src/engine/index.js';
import { detSvg } from './lib/det-svg.js';
import { bootstrapFnmr, countAtOrAbove, countBelow, equalErrorRate, fmrAt, fnmrAt, detCurve, scoreSet, thresholdAtFmr, thresholdAtFmrBound, wilson, type ScoreSet } from './lib/error-rates.js';
import { machineDescription, markdownTable, REPO_ROOT, writeBenchmarkSection } from './lib/report.js';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: process.env.LIKENESS_SHARED_DIR ?? path.resolve(REPO_ROOT, '..', 'shared') },
    workers: { type: 'string' },
    check: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(REPO_ROOT, 'BENCHMARKS.md') },
    svg: { type: 'string', default: path.join(REPO_ROOT, 'docs', 'img', 'det-lfw.svg') },
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
 * ceilings are the shipped variant's figures of the run that chose it (1.43 %, 4.42 %, 7.05 %) plus about 0.5 point
 * (four pairs) for machine-to-machine drift; issue 16's moonshot (1 % at 1e-4) is reported, not guarded, because
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
  { key: 'single', label: 'one embedding per face (before)', settings: { flipAverage: false } },
  { key: 'flip', label: 'face + mirror image embeddings summed', settings: { flipAverage: true }, shipped: true },
];

interface Photo {
  file: string;
  identity: string;
  /** Index of the identity in the identity list of its set. */
  id: number;
}
interface Acquired {
  embedding: Float32Array | null;
  ok: boolean;
  reasons: QualityReason[];
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
  const engine = await createEngine({ workers, settings: variant.settings });
  try {
    return await Promise.all(
      photos.map(async (p) => {
        const a = await engine.analyze(await readFile(p.file));
        return { embedding: a.embedding, ok: a.quality.ok, reasons: a.quality.reasons };
      }),
    );
  } finally {
    await engine.close();
  }
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

/** Scores every pair of `photos` once: each image's embedding was computed once per variant, so pairs are dot products. */
function pairSets(photos: Photo[], acquired: Acquired[], keep = 5): PairSets {
  const n = photos.length;
  const dim = acquired.find((a) => a.embedding)?.embedding?.length ?? 0;
  const matrix = new Float32Array(n * dim);
  acquired.forEach((a, i) => a.embedding && matrix.set(a.embedding, i * dim));
  const genuineGated: { s: number; identity: number }[] = [];
  const genuineAll: { s: number; identity: number }[] = [];
  const impostorGated: number[] = [];
  const impostorAll: number[] = [];
  const named: { s: number; i: number; j: number; genuine: boolean }[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = -1;
      if (acquired[i].embedding && acquired[j].embedding) {
        s = 0;
        for (let k = 0, a = i * dim, b = j * dim; k < dim; k++) s += matrix[a + k] * matrix[b + k];
      }
      const genuine = photos[i].id === photos[j].id;
      const gated = acquired[i].ok && acquired[j].ok;
      if (genuine) {
        genuineAll.push({ s, identity: photos[i].id });
        if (gated) genuineGated.push({ s, identity: photos[i].id });
      } else {
        impostorAll.push(s);
        if (gated) impostorGated.push(s);
      }
      if (gated && (genuine || s > 0.3)) named.push({ s, i, j, genuine });
    }
  }
  const name = (x: { s: number; i: number; j: number }) => ({ s: x.s, a: path.basename(photos[x.i].file), b: path.basename(photos[x.j].file) });
  return {
    gated: scoreSet(genuineGated, Float64Array.from(impostorGated)),
    all: scoreSet(genuineAll, Float64Array.from(impostorAll)),
    weakestGenuine: named.filter((x) => x.genuine).sort((p, q) => p.s - q.s).slice(0, keep).map(name),
    strongestImpostor: named.filter((x) => !x.genuine).sort((p, q) => q.s - p.s).slice(0, keep).map(name),
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
}
const results: VariantResult[] = [];
for (const variant of VARIANTS) {
  const start = performance.now();
  const acquired = await acquire(variant, [...lfw, ...faces]);
  const msPerPhoto = (performance.now() - start) / acquired.length;
  const lfwAcquired = acquired.slice(0, lfw.length);
  const byFile = new Map(lfw.map((p, i) => [p.file, lfwAcquired[i]]));
  const pick = (photos: Photo[]) => photos.map((p) => byFile.get(p.file)!);
  const byReason = new Map<string, number>();
  for (const a of lfwAcquired) for (const r of a.reasons) byReason.set(r, (byReason.get(r) ?? 0) + 1);
  const cal = pairSets(calibration, pick(calibration));
  results.push({
    variant,
    calibration: cal,
    report: pairSets(report, pick(report)),
    faces: pairSets(faces, acquired.slice(lfw.length)),
    fta: { failed: lfwAcquired.filter((a) => !a.ok).length, byReason },
    thresholds: new Map(FMRS.map((f) => [f, thresholdAtFmrBound(cal.gated.impostor, f).threshold])),
    msPerPhoto,
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
    `${r.msPerPhoto.toFixed(1)} ms`,
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
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { models: { embedding: { operatingPoints?: { fmr: number; threshold: number }[] } } };
const shippedPoints = manifest.models.embedding.operatingPoints ?? [];
const decisionT = shipped.thresholds.get(DECISION_FMR)!;
const shippedReport = FMRS.map((f) => operatingPoint(shipped.report.gated, f));
const before = results.find((r) => !r.variant.shipped);
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
which they are not quite: it is optimistic). Run took ${benchSeconds.toFixed(0)} s.

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
for (const r of results) console.log(`thresholds ${r.variant.key}: ${FMRS.map((f) => `${f}: ${r.thresholds.get(f)}`).join(', ')}`);
const missed = checks.filter((c) => !c.ok);
if (args.check && missed.length) {
  console.error(`accuracy-bench: ${missed.length} target(s) missed: ${missed.map((c) => c.name).join('; ')}`);
  process.exit(1);
}
