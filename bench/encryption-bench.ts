/**
 * @file `npm run bench:encryption`: what encryption at rest costs per job. The api bench's job (1 selfie + 8
 * liveness frames, bursts/live-1) is encrypted as it is stored and decrypted as the worker reads it; an enrolment
 * seals a template, an authentication opens one. Measured on the envelope code itself (AES-256-GCM, a fresh data
 * key per object), many rounds, median per job. Writes its section of BENCHMARKS.md; `--check` exits 3 when the
 * cost per job exceeds its target.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Envelope, ENVELOPE_HEADER_BYTES } from '../src/store/envelope.js';
import { SecretBox } from '../src/store/secret-box.js';
import { flag, machineDescription, markdownTable, percentile, REPO_ROOT, writeBenchmarkSection } from './lib/report.js';

const args = process.argv.slice(2);
const check = args.includes('--check');
const dataDir = flag(args, 'data') ?? join(REPO_ROOT, '..', 'shared');
const rounds = Number(flag(args, 'rounds') ?? 300);
/** Target: at most 2 ms per job, a few per cent of the engine's own job time on a 2-core VM (BENCHMARKS.md). */
const TARGET_MS_PER_JOB = 2;

const images = Array.from({ length: 8 }, (_, i) => readFileSync(join(dataDir, 'bursts', 'live-1', `f0${i + 1}.jpg`)));
images.unshift(images[0]);
const template = Buffer.from(Float32Array.from({ length: 512 }, () => Math.random() - 0.5).buffer);
const envelope = new Envelope(new SecretBox(randomBytes(32)));

/** Median ms of `fn` over the rounds, after a warm-up. */
function median(fn: () => void): number {
  for (let i = 0; i < 20; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return percentile(times, 50);
}

const sealedImages = images.map((img, i) => envelope.encrypt(img, `jobs/x/${i}.jpg`));
const sealedTemplate = envelope.encrypt(template, 'template:001/production/u');
const imagesIn = median(() => images.forEach((img, i) => envelope.encrypt(img, `jobs/x/${i}.jpg`)));
const imagesOut = median(() => sealedImages.forEach((img, i) => envelope.decrypt(img, `jobs/x/${i}.jpg`)));
const templateIn = median(() => envelope.encrypt(template, 'template:001/production/u'));
const templateOut = median(() => envelope.decrypt(sealedTemplate, 'template:001/production/u'));
const rewrapAll = median(() => sealedImages.forEach((img, i) => envelope.rewrap(img, `jobs/x/${i}.jpg`)));
const perJob = imagesIn + imagesOut + templateIn + templateOut;
const bytes = images.reduce((n, img) => n + img.length, 0);
const met = perJob <= TARGET_MS_PER_JOB;

const fmt = (ms: number) => ms.toFixed(3);
const table = markdownTable(
  ['step', 'objects', 'median ms'],
  [
    ['encrypt the job images (store)', `9 (${(bytes / 1024).toFixed(0)} KiB)`, fmt(imagesIn)],
    ['decrypt the job images (worker)', 9, fmt(imagesOut)],
    ['seal a template (enrolment)', '1 (2 KiB)', fmt(templateIn)],
    ['open a template (authentication)', 1, fmt(templateOut)],
    ['**per job, all of the above**', '', `**${fmt(perJob)}**`],
    ['re-wrap the 9 images for a master key rotation (CPU only, no I/O)', 9, fmt(rewrapAll)],
  ],
);
const md = [
  '## Encryption at rest (`npm run bench:encryption`)',
  '',
  machineDescription(),
  '',
  `AES-256-GCM envelopes (src/store/envelope.ts), a fresh data key per object, ${ENVELOPE_HEADER_BYTES} bytes of header per object; the api bench's job (1 selfie + 8 liveness frames of bursts/live-1); median of ${rounds} rounds. The worker usually reads a job's images from the in-memory cache of recent uploads (plaintext, never on disk), so decryption is paid after a restart or on another node. npm run bench:api (above) measures whole jobs, this cost included once it runs on a build with encryption at rest.`,
  '',
  table,
  '',
  markdownTable(['target', 'measured', 'met'], [[`encryption at rest per job ≤ ${TARGET_MS_PER_JOB} ms (a few % of the engine's own job time)`, `${fmt(perJob)} ms`, met ? 'yes' : 'NO']]),
].join('\n');
process.stdout.write(`${table}\n`);
writeBenchmarkSection('encryption', md);
if (check && !met) process.exitCode = 3;
