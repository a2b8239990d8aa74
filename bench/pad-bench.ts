/**
 * @file Presentation-attack detection benchmark, measured as ISO/IEC 30107-3 does: APCER per attack type (print,
 * screen replay) and BPCER, per frame and per 8-frame burst, on ../shared/spoof, ../shared/bursts and
 * ../shared/pad-dev, for every anti-spoof variant side by side in one run (the current model, Silent-Face's two
 * networks alone and fused, crop and aggregation variants). Writes the `pad` section of BENCHMARKS.md and the
 * score plot docs/img/pad-scores.svg. `--check` exits 1 when the shipped configuration misses a target of issue 17,
 * or 4 when the only misses are known ones that did not get worse (the replay frames accepted at release).
 *
 *   npm run bench:pad -- --data ../shared [--check]
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { assessBurst } from '../src/engine/burst-liveness.js';
import { FaceAnalyzer, type ImageAnalysis, type ImageRole } from '../src/engine/face-analyzer.js';
import { loadManifest, parseManifest, type AntiSpoofSpec, type ModelManifest } from '../src/engine/manifest.js';
import { AntiSpoof } from '../src/engine/models/anti-spoof.js';
import { defaultModelsDir, resolveSettings, type EngineSettings, type LivenessSettings } from '../src/engine/index.js';
import { machineDescription, markdownTable, percentile, REPO_ROOT, writeBenchmarkSection } from './lib/report.js';
import { scorePlotSvg, type PlotRow } from './lib/score-plot.js';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: process.env.LIKENESS_SHARED_DIR ?? path.resolve(REPO_ROOT, '..', 'shared') },
    check: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(REPO_ROOT, 'BENCHMARKS.md') },
    plot: { type: 'string', default: path.join(REPO_ROOT, 'docs', 'img', 'pad-scores.svg') },
  },
});
const dataDir = path.resolve(args.data!);
if (!existsSync(path.join(dataDir, 'pad-dev'))) {
  console.error(`pad-bench: no evaluation data at ${dataDir} (pass --data ../shared)`);
  process.exit(2);
}

/**
 * `still`: the bursts/still-* frames, a genuine photo moved digitally as a held print moves. Each frame is a copy of a
 * bona fide capture, so no passive (per-frame) check can see the attack; only the burst (no natural motion) can.
 */
type Kind = 'bona fide' | 'print' | 'replay' | 'still';
const ATTACKS: Kind[] = ['print', 'replay', 'still'];
const TARGET_BPCER = 0.15;
/** Replay frames of ../shared the shipped models accepted when issue 17 landed: the floor a change must not cross. */
const REPLAY_FRAMES_ACCEPTED_AT_RELEASE = 2;

// ----------------------------------------------------------------------------------------------- the data

interface Sample { file: string; kind: Kind; role: ImageRole }
interface BurstSample { name: string; kind: Kind; files: string[] }

const images = (dir: string) => (existsSync(path.join(dataDir, dir)) ? readdirSync(path.join(dataDir, dir)).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort().map((f) => `${dir}/${f}`) : []);
const dirs = (dir: string, re: RegExp) => (existsSync(path.join(dataDir, dir)) ? readdirSync(path.join(dataDir, dir)).filter((d) => re.test(d)).sort() : []);

/** pad-dev/photos: `real-*` bona fide; `attack-sample` is a printed photo, the other attacks are phone or monitor screens. */
const photoKind = (f: string): Kind => (path.basename(f).startsWith('real') ? 'bona fide' : /attack-sample/.test(f) ? 'print' : 'replay');

const bursts: BurstSample[] = [
  ...dirs('bursts', /^live-/).map((d) => ({ name: `bursts/${d}`, kind: 'bona fide' as Kind, files: images(`bursts/${d}`) })),
  ...dirs('bursts', /^still-/).map((d) => ({ name: `bursts/${d}`, kind: 'still' as Kind, files: images(`bursts/${d}`) })),
  { name: 'pad-dev/webcam-real/burst', kind: 'bona fide' as Kind, files: images('pad-dev/webcam-real/burst') },
  { name: 'pad-dev/replay/burst', kind: 'replay' as Kind, files: images('pad-dev/replay/burst') },
].filter((b) => b.files.length > 0);

const samples: Sample[] = [
  ...images('spoof').map((file) => ({ file, kind: (path.basename(file).startsWith('real') ? 'bona fide' : 'print') as Kind, role: 'selfie' as ImageRole })),
  ...images('pad-dev/photos').map((file) => ({ file, kind: photoKind(file), role: 'selfie' as ImageRole })),
  ...images('pad-dev/webcam-real').map((file) => ({ file, kind: 'bona fide' as Kind, role: 'frame' as ImageRole })),
  ...images('pad-dev/replay').map((file) => ({ file, kind: 'replay' as Kind, role: 'frame' as ImageRole })),
  ...bursts.flatMap((b) => b.files.map((file) => ({ file, kind: b.kind, role: 'frame' as ImageRole }))),
];

// ----------------------------------------------------------------------------------------------- the variants

const modelsDir = defaultModelsDir();
const manifest = await loadManifest(modelsDir, true);

/** The previous model (the manifest's `antispoofBaseline`, fetched with the others) and the shipped ones. */
const rawManifest = JSON.parse(readFileSync(path.join(modelsDir, 'manifest.json'), 'utf8')) as { models: Record<string, unknown> };
const [FR] = parseManifest({ models: { ...rawManifest.models, antispoof: rawManifest.models.antispoofBaseline } }, modelsDir).antispoof;
const byFile = (name: string) => {
  const spec = manifest.antispoof.find((s) => s.file === name);
  if (!spec) throw new Error(`pad-bench: models/manifest.json has no anti-spoof model ${name}`);
  return spec;
};
const V2 = byFile('silent-face-v2-2.7.onnx');
const V1SE = byFile('silent-face-v1se-4.0.onnx');

interface Variant { name: string; specs: AntiSpoofSpec[]; liveness?: Partial<LivenessSettings> }
const label = (spec: AntiSpoofSpec) => (spec === FR ? 'fr_liveness' : spec === V2 ? 'V2' : spec === V1SE ? 'V1SE' : spec.file.replace(/\.onnx$/, ''));
const shippedName = `shipped: ${manifest.antispoof.map(label).join(' + ')}`;
/** The burst rules before issue 17: the lower of the selfie and the frames' median, yaw or pitch motion ≥ 0.15. */
const BEFORE: Partial<LivenessSettings> = { spoofAggregation: 'min-selfie-median', minYawRange: 0.15, minPitchRange: 0.15 };
const variants: Variant[] = [
  { name: 'fr_liveness, rules before (before)', specs: [FR], liveness: BEFORE },
  { name: 'fr_liveness', specs: [FR] },
  { name: 'fr_liveness, 4.0× crop', specs: [{ ...FR, cropScale: 4.0 }] },
  { name: 'Silent-Face V2 2.7×', specs: [V2] },
  { name: 'Silent-Face V1SE 4.0×', specs: [V1SE] },
  { name: 'Silent-Face V2 + V1SE, rules before', specs: [V2, V1SE], liveness: BEFORE },
  { name: 'fr_liveness + V2 + V1SE', specs: [FR, V2, V1SE] },
  { name: shippedName, specs: manifest.antispoof },
];

// ----------------------------------------------------------------------------------------------- measuring

const baseSettings = resolveSettings();
const session = { executionProvider: 'cpu' as const, intraOpNumThreads: 1 };

interface FrameResult extends Sample { score: number | null }
/** The labelled press photos of faces/: genuine people, but photographed by press cameras, not captured as selfies. */
const pressPhotos = existsSync(path.join(dataDir, 'faces', 'identities.csv'))
  ? readFileSync(path.join(dataDir, 'faces', 'identities.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')).filter(([, id]) => id).map(([f]) => `faces/${f}`)
  : [];
interface BurstResult extends BurstSample { live: boolean; spoofScore: number; reasons: string[] }
interface VariantResult { variant: Variant; settings: EngineSettings; frames: FrameResult[]; press: FrameResult[]; bursts: BurstResult[]; msPerFace: number }

async function measure(variant: Variant): Promise<VariantResult> {
  const settings = resolveSettings({ liveness: variant.liveness ?? {} });
  const m: ModelManifest = { ...manifest, antispoof: variant.specs };
  const analyzer = await FaceAnalyzer.load(m, session, settings, 50_000_000);
  const cache = new Map<string, ImageAnalysis>();
  const analyze = async (file: string, role: ImageRole) => {
    const key = `${role}:${file}`;
    if (!cache.has(key)) cache.set(key, await analyzer.analyze(await readFile(path.join(dataDir, file)), role));
    return cache.get(key)!;
  };
  const frames: FrameResult[] = [];
  for (const s of samples) frames.push({ ...s, score: (await analyze(s.file, s.role)).analysis.spoof?.score ?? null });
  const press: FrameResult[] = [];
  for (const file of pressPhotos) press.push({ file, kind: 'bona fide', role: 'selfie', score: (await analyze(file, 'selfie')).analysis.spoof?.score ?? null });
  const burstResults: BurstResult[] = [];
  for (const b of bursts) {
    // The first frame stands in for the selfie, as in `npm run bench`.
    const selfie = await analyze(b.files[0], 'selfie');
    const r = assessBurst(selfie, await Promise.all(b.files.map((f) => analyze(f, 'frame'))), settings.liveness);
    burstResults.push({ ...b, live: r.live, spoofScore: r.spoofScore, reasons: r.reasons });
  }
  await analyzer.dispose();
  // Anti-spoof cost per face: all of the variant's models on one prepared input, single thread.
  const spoof = await AntiSpoof.load(modelsDir, variant.specs, session);
  const input = new Float32Array(variant.specs.reduce((n, s) => n + 3 * s.input.width * s.input.height, 0)).fill(128);
  // CPU time rather than wall time: on a shared machine other processes stretch the wall clock, much less the CPU.
  const times: number[] = [];
  for (let i = 0; i < 40; i++) {
    const t = process.cpuUsage();
    await spoof.scoreInput(input);
    const d = process.cpuUsage(t);
    if (i >= 10) times.push((d.user + d.system) / 1000);
  }
  await spoof.dispose();
  return { variant, settings, frames, press, bursts: burstResults, msPerFace: percentile(times, 50) };
}

const results: VariantResult[] = [];
for (const v of variants) {
  results.push(await measure(v));
  console.log(`pad-bench: measured ${v.name}`);
}

// ----------------------------------------------------------------------------------------------- reporting

const pct = (k: number, n: number) => (n ? `${((100 * k) / n).toFixed(1)} % (${k}/${n})` : '–');
interface Rates { bpcer: [number, number]; apcer: Record<string, [number, number]> }

function frameRates(r: VariantResult): Rates {
  const t = r.settings.liveness.spoofThreshold;
  // A frame without a detected face is neither accepted nor a bona fide success: it counts as rejected.
  const accepted = (f: FrameResult) => f.score !== null && f.score >= t;
  const bona = r.frames.filter((f) => f.kind === 'bona fide');
  const apcer: Record<string, [number, number]> = {};
  for (const a of ATTACKS) {
    const att = r.frames.filter((f) => f.kind === a);
    apcer[a] = [att.filter(accepted).length, att.length];
  }
  return { bpcer: [bona.filter((f) => !accepted(f)).length, bona.length], apcer };
}

function burstRates(r: VariantResult): Rates {
  const bona = r.bursts.filter((b) => b.kind === 'bona fide');
  const apcer: Record<string, [number, number]> = {};
  for (const a of ATTACKS) {
    const att = r.bursts.filter((b) => b.kind === a);
    apcer[a] = [att.filter((b) => b.live).length, att.length];
  }
  return { bpcer: [bona.filter((b) => !b.live).length, bona.length], apcer };
}

const describeRules = (s: LivenessSettings) => `${s.spoofAggregation}, threshold ${s.spoofThreshold}, motion ≥ ${s.minYawRange}`;
const frameRows = results.map((r) => {
  const x = frameRates(r);
  const pressRejected = r.press.filter((f) => f.score === null || f.score < r.settings.liveness.spoofThreshold).length;
  return [r.variant.name, r.settings.liveness.spoofThreshold, pct(...x.bpcer), pct(...x.apcer.print), pct(...x.apcer.replay), pct(...x.apcer.still), pct(pressRejected, r.press.length), `${r.msPerFace.toFixed(1)} ms`];
});
const burstRows = results.map((r) => {
  const x = burstRates(r);
  const cell = (b: BurstResult) => `${b.live ? 'live' : 'not live'} (${b.spoofScore.toFixed(2)}${b.reasons.length ? `; ${b.reasons.join(', ')}` : ''})`;
  return [r.variant.name, describeRules(r.settings.liveness), pct(...x.bpcer), pct(...x.apcer.replay), pct(...x.apcer.still), ...r.bursts.map(cell)];
});

const shipped = results[results.length - 1];
const lowest = (r: VariantResult, kind: Kind) => r.frames.filter((f) => f.kind === kind && f.score !== null).sort((a, b) => (kind === 'bona fide' ? a.score! - b.score! : b.score! - a.score!));
const worst = (r: VariantResult) => [
  `weakest bona fide: ${lowest(r, 'bona fide').slice(0, 3).map((f) => `${f.file} ${f.score!.toFixed(3)}`).join('; ')}`,
  `strongest print or replay: ${[...lowest(r, 'print'), ...lowest(r, 'replay')].sort((a, b) => b.score! - a.score!).slice(0, 3).map((f) => `${f.file} (${f.kind}) ${f.score!.toFixed(3)}`).join('; ')}`,
  `no face found: ${r.frames.filter((f) => f.score === null).map((f) => f.file).join(', ') || 'none'}`,
].join('; ');

const sf = frameRates(shipped);
const sb = burstRates(shipped);
const checks = [
  { name: 'no print frame accepted', ok: sf.apcer.print[0] === 0, value: pct(...sf.apcer.print) },
  // Missed since issue 17 (2 of 21 frames, see MODELS.md): more accepted replay frames than that is a regression.
  { name: 'no replay frame accepted', ok: sf.apcer.replay[0] === 0, value: pct(...sf.apcer.replay), regressed: sf.apcer.replay[0] > REPLAY_FRAMES_ACCEPTED_AT_RELEASE },
  { name: 'no attack burst live', ok: ATTACKS.every((a) => sb.apcer[a][0] === 0), value: `${ATTACKS.reduce((n, a) => n + sb.apcer[a][0], 0)} of ${ATTACKS.reduce((n, a) => n + sb.apcer[a][1], 0)}` },
  { name: `BPCER per frame ≤ ${100 * TARGET_BPCER} %`, ok: sf.bpcer[0] / sf.bpcer[1] <= TARGET_BPCER, value: pct(...sf.bpcer) },
  { name: 'every bona fide burst live', ok: sb.bpcer[0] === 0, value: `${sb.bpcer[1] - sb.bpcer[0]} of ${sb.bpcer[1]}` },
];

const plotRows: PlotRow[] = results.map((r) => ({
  label: r.variant.name,
  threshold: r.settings.liveness.spoofThreshold,
  points: r.frames.filter((f) => f.score !== null).map((f) => ({ score: f.score!, kind: f.kind })),
}));
mkdirSync(path.dirname(args.plot!), { recursive: true });
writeFileSync(args.plot!, scorePlotSvg('Passive anti-spoof P(genuine) per frame on ../shared', plotRows));
const plotLink = path.relative(path.dirname(args.out!), args.plot!).split(path.sep).join('/');

const count = (k: Kind) => samples.filter((s) => s.kind === k).length;
const md = `
## Presentation-attack detection (\`npm run bench:pad\`)

${machineDescription()}

ISO/IEC 30107-3 rates on \`../shared\`: **APCER** = share of attack presentations accepted as live (per attack type),
**BPCER** = share of bona fide presentations rejected. Frames: ${samples.length} images (${count('bona fide')} bona
fide, ${count('print')} print, ${count('replay')} screen replay, ${count('still')} still) from \`spoof/\`, \`bursts/\`,
\`pad-dev/\` (\`photos/attack-sample\` is a print, the other \`attack-*\` photos are screens; \`photos/*-sample\` are the
same two photos as \`spoof/\`, so each counts twice). *Still* frames are the
\`bursts/still-*\` frames: a genuine press photo moved digitally as a held print moves, so each frame is a copy of a
bona fide capture and no per-frame check can reject it; the burst (no natural motion) must. A frame is accepted when
its anti-spoof P(genuine) reaches the threshold; a frame without a detected face counts as rejected. Bursts: ${bursts.map((b) => `\`${b.name}\``).join(', ')}
through the engine's burst decision (motion, identity, frame-to-frame difference and the aggregated anti-spoof score),
first frame as the selfie. Anti-spoof cost: CPU time of all of a variant's models on one face, one thread, median of
30 runs (a job scores 9 faces).

![P(genuine) per frame, bona fide above each line, attacks below](${plotLink})

### Per frame

${markdownTable(['variant', 'threshold', 'BPCER', 'APCER print', 'APCER replay', 'APCER still', 'press photos rejected', 'anti-spoof cost'], frameRows)}

*Press photos rejected*: the ${pressPhotos.length} labelled photos of \`faces/\` called spoofs. They are genuine people but
not selfie captures (press cameras, studio light, often re-encoded), so they are reported apart from BPCER.

### Per burst (score = aggregated anti-spoof P(genuine))

${markdownTable(['variant', 'burst rules', 'BPCER', 'APCER replay', 'APCER still', ...bursts.map((b) => `\`${b.name}\``)], burstRows)}

${results.map((r) => `- ${r.variant.name}: ${worst(r)}`).join('\n')}

### Targets (issue 17), shipped configuration: ${shippedName}, ${describeRules(shipped.settings.liveness)}

${markdownTable(['target', 'result', ''], [
  ...checks.map((c) => [c.name, c.value, c.ok ? 'met' : '**missed**']),
  ['no still frame accepted', pct(...sf.apcer.still), 'not a per-frame target: each still frame is a copy of a genuine photo (the burst is checked above)'],
])}
`;

writeBenchmarkSection('pad', md, args.out!);
console.log(md);
console.log(`pad-bench: wrote ${args.out} and ${args.plot}`);
const missed: Array<{ name: string; regressed?: boolean }> = checks.filter((c) => !c.ok);
if (args.check && missed.length) {
  console.error(`pad-bench: ${missed.length} target(s) missed: ${missed.map((c) => c.name).join('; ')}`);
  // Exit 4: a known miss that did not get worse (CI reports it and goes on); 1: a regression or a new miss.
  process.exit(missed.every((c) => c.regressed === false) ? 4 : 1);
}
