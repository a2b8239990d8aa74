#!/usr/bin/env node
// Developer check (the product never runs it): the converted face-api recognition model (models/face_api_recognition.onnx,
// built at install by convert-face-api.mjs) against face-api.js's own TensorFlow.js implementation, on random
// 150x150 inputs. Needs the devDependencies (@tensorflow/tfjs, @tensorflow/tfjs-backend-wasm) and the npm registry.
//   node scripts/verify-face-api.mjs
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import * as tar from 'tar';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'models', 'manifest.json'), 'utf8'));
const spec = manifest.models.fusion;
// Inside node_modules, so that face-api's bundle finds @tensorflow/tfjs the way an installed package would.
const work = join(root, 'node_modules', '.cache', 'likeness-verify-face-api');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
try {
  execFileSync('npm', ['pack', spec.source.package, '--silent', '--pack-destination', work], { stdio: ['ignore', 'pipe', 'inherit'] });
  await tar.x({ file: join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))), cwd: work });
  const faceapi = createRequire(join(work, 'package', 'dist', 'x.js'))('./face-api.node-wasm.js');
  await faceapi.tf.setBackend('wasm');
  await faceapi.tf.ready();
  await faceapi.nets.faceRecognitionNet.loadFromDisk(join(work, 'package', 'model'));
  const session = await ort.InferenceSession.create(join(root, 'models', spec.file));
  const { mean, std } = spec.input;
  let worst = 0;
  for (let t = 0; t < 5; t++) {
    const hwc = Float32Array.from({ length: 150 * 150 * 3 }, () => Math.floor(Math.random() * 256));
    const expected = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(faceapi.tf.tensor4d(hwc, [1, 150, 150, 3]));
    const chw = new Float32Array(hwc.length);
    for (let c = 0; c < 3; c++) for (let i = 0; i < 150 * 150; i++) chw[c * 22500 + i] = (hwc[3 * i + c] - mean[c]) / std[c];
    const got = (await session.run({ input: new ort.Tensor('float32', chw, [1, 3, 150, 150]) })).descriptor.data;
    for (let i = 0; i < 128; i++) worst = Math.max(worst, Math.abs(got[i] - expected[i]));
  }
  console.log(`face-api recognition: max |ONNX − TensorFlow.js| over 5 random inputs = ${worst.toExponential(2)}`);
  if (worst > 1e-4) process.exit(1);
} finally {
  rmSync(work, { recursive: true, force: true });
}
