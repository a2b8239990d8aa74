#!/usr/bin/env node
// One-off developer check after scripts/convert-silent-face.py: the committed ONNX files compute what the PyTorch
// networks compute. It crops the faces of ../shared's photos and frames exactly as the engine does, has PyTorch score
// them (same script, --reference), then scores them with onnxruntime-node, both the files as they are and as the
// engine loads them (after its graph rewrites), and prints the largest differences. Needs `npm run build` and
// Debian's python3-torch.
//
//   node scripts/verify-silent-face.mjs [--data ../shared]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataArg = process.argv.indexOf('--data');
const data = dataArg > 0 ? process.argv[dataArg + 1] : join(root, '..', 'shared');
const { FaceAnalyzer } = await import(join(root, 'dist/src/engine/face-analyzer.js'));
const { loadManifest } = await import(join(root, 'dist/src/engine/manifest.js'));
const { loadOnnxModel } = await import(join(root, 'dist/src/engine/backend/onnx.js'));
const { resolveSettings } = await import(join(root, 'dist/src/engine/settings.js'));

const manifest = await loadManifest(join(root, 'models'), true);
const specs = manifest.antispoof.filter((s) => s.file.startsWith('silent-face-'));
if (specs.length === 0) throw new Error('models/manifest.json names no silent-face-* anti-spoof model');
const session = { executionProvider: 'cpu', intraOpNumThreads: 1 };
const analyzer = await FaceAnalyzer.load({ ...manifest, antispoof: specs }, session, resolveSettings(), 50_000_000);

const dirs = ['spoof', 'pad-dev/photos', 'pad-dev/webcam-real', 'pad-dev/replay', 'bursts/live-1'];
const files = dirs.flatMap((d) => readdirSync(join(data, d)).filter((f) => /\.(jpe?g|png)$/i.test(f)).map((f) => join(d, f)));
const work = mkdtempSync(join(tmpdir(), 'silent-face-verify-'));
try {
  const stems = specs.map((s) => s.file.replace(/\.onnx$/, ''));
  for (const stem of stems) execFileSync('mkdir', ['-p', join(work, stem)]);
  const inputs = [];
  for (const [i, file] of files.entries()) {
    const r = await analyzer.analyze(readFileSync(join(data, file)), 'selfie', true);
    if (!r.spoofInput) continue;
    let offset = 0;
    for (const [k, spec] of specs.entries()) {
      const n = 3 * spec.input.width * spec.input.height;
      const x = r.spoofInput.slice(offset, offset + n);
      offset += n;
      writeFileSync(join(work, stems[k], `${i}.f32`), Buffer.from(x.buffer));
      inputs.push({ file, k, name: `${i}`, x });
    }
  }
  await analyzer.dispose();
  execFileSync('/usr/bin/python3', [join(root, 'scripts/convert-silent-face.py'), '--reference', work, '--weights', join(data, 'models/silent-face')], { stdio: 'inherit' });

  const softmax = (v) => {
    const m = Math.max(...v);
    const e = v.map((z) => Math.exp(z - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((z) => z / s);
  };
  for (const [k, spec] of specs.entries()) {
    const raw = await ort.InferenceSession.create(join(root, 'models', spec.file), { logSeverityLevel: 3 });
    const rewritten = await loadOnnxModel(join(root, 'models', spec.file), session);
    const diff = { raw: 0, rewritten: 0, pRaw: 0, pRewritten: 0 };
    const mine = inputs.filter((x) => x.k === k);
    for (const { name, x } of mine) {
      const torch = JSON.parse(readFileSync(join(work, stems[k], `${name}.json`), 'utf8'));
      const dims = [1, 3, spec.input.height, spec.input.width];
      const a = Array.from((await raw.run({ [raw.inputNames[0]]: new ort.Tensor('float32', x, dims) }))[raw.outputNames[0]].data);
      const [b] = await rewritten.run(x, dims);
      const pt = softmax(torch)[spec.realIndex];
      for (let j = 0; j < torch.length; j++) {
        diff.raw = Math.max(diff.raw, Math.abs(a[j] - torch[j]));
        diff.rewritten = Math.max(diff.rewritten, Math.abs(b[j] - torch[j]));
      }
      diff.pRaw = Math.max(diff.pRaw, Math.abs(softmax(a)[spec.realIndex] - pt));
      diff.pRewritten = Math.max(diff.pRewritten, Math.abs(softmax(Array.from(b))[spec.realIndex] - pt));
    }
    console.log(`${spec.file}: ${mine.length} face crops; max |logit diff| vs PyTorch ${diff.raw.toExponential(2)} (file as is), ` +
      `${diff.rewritten.toExponential(2)} (as the engine loads it); max |P(real) diff| ${diff.pRaw.toExponential(2)} / ${diff.pRewritten.toExponential(2)}`);
    await raw.release();
    await rewritten.dispose();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
