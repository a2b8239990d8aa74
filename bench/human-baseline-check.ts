/** @file Manual check of the human baseline: one SmartSelfie job on ../shared images, timed over a few runs. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHumanBaseline } from './human-baseline.js';

const RUNS = 5;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sharedDir = process.env.LIKENESS_SHARED_DIR ?? path.resolve(repoRoot, '..', 'shared');

// Any network access is a bug here (the baseline must be fully offline): fail loudly instead of waiting on it.
globalThis.fetch = async (input: string | URL | Request) => {
  throw new Error(`human baseline tried to fetch ${String(input instanceof Request ? input.url : input)}`);
};

const selfie = await readFile(path.join(sharedDir, 'faces', 'img1.jpg'));
const frames = await Promise.all(
  Array.from({ length: 8 }, (_, i) => readFile(path.join(sharedDir, 'bursts', 'live-1', `f0${i + 1}.jpg`))),
);

let t = performance.now();
const baseline = await createHumanBaseline();
console.log(`${baseline.version} on ${baseline.backend}: ready (load + warm-up) in ${(performance.now() - t).toFixed(0)} ms`);

const times: number[] = [];
let result: Awaited<ReturnType<typeof baseline.runJob>> | undefined;
for (let i = 0; i < RUNS; i++) {
  t = performance.now();
  result = await baseline.runJob(selfie, frames);
  times.push(performance.now() - t);
}
await baseline.close();

const sorted = [...times].sort((a, b) => a - b);
console.log(`per job (1 selfie + 8 frames), ${RUNS} runs: ${times.map((ms) => ms.toFixed(0)).join(', ')} ms; median ${sorted[Math.floor(RUNS / 2)].toFixed(0)} ms`);
console.log('faces per image (selfie first):', result?.faces.join(' '));
console.log('cosine similarity frame vs selfie:', result?.similarity.map((s) => s.toFixed(3)).join(' '));
console.log('antispoof (real) per image:', result?.antispoof.map((s) => s.toFixed(3)).join(' '));
