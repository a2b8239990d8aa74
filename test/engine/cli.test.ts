/** @file The built `likeness compare` and `likeness liveness` commands, run as a user runs them. */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cudaUnavailableReason, systemProviderEnvironment } from '../../src/engine/backend/execution-provider.js';
import { HAS_SHARED, REPO_ROOT, SHARED_MISSING, burstFrames, sharedPath } from '../helpers/shared-data.js';

const run = promisify(execFile);
const bin = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const require = createRequire(import.meta.url);
const assets = path.join(path.dirname(require.resolve('@vladmandic/human')), '..', 'assets');
let tmp: string;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: REPO_ROOT, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

beforeAll(async () => {
  // The commands are tested as shipped: build dist/ (tsc also runs as `pretest`, so this is quick when up to date).
  await run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: REPO_ROOT }).catch(() => undefined);
  if (!existsSync(bin)) throw new Error(`${bin} was not built`);
  tmp = mkdtempSync(path.join(tmpdir(), 'likeness-cli-'));
}, 180_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('likeness compare', () => {
  it('prints one JSON object with similarity, match, threshold and per-image results', async () => {
    const img = path.join(assets, 'screenshot-faceid.jpg');
    const r = await cli('compare', img, img, '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    // A digital screenshot of a face, never re-photographed: the anti-spoof models see a genuine face, so it matches.
    // Recaptures (prints, screens) are compared on ../shared below.
    expect(out).toMatchObject({ match: true, samePerson: true, threshold: expect.any(Number) });
    expect(out.images[0].spoof.real).toBe(true);
    expect(out.similarity).toBeCloseTo(1, 3);
    expect(out.images).toHaveLength(2);
    expect(out.images[0]).toMatchObject({ file: img, faces: 1, quality: { ok: true, reasons: [] }, spoof: { real: expect.any(Boolean), score: expect.any(Number) } });
  });

  it('exits 0 without a match, and never matches when an image fails quality', async () => {
    const r = await cli('compare', path.join(assets, 'screenshot-faceid.jpg'), path.join(assets, 'screenshot-facematch.jpg'), '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.match).toBe(false);
    expect(out.images[1].quality).toMatchObject({ ok: false, reasons: expect.arrayContaining(['multiple_faces']) });
  });

  it('prints a readable summary without --json', async () => {
    const img = path.join(assets, 'screenshot-faceid.jpg');
    const r = await cli('compare', img, img);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^MATCH: similarity 1\.000 \(threshold [\d.]+\); same person\n/);
  });

  it('fails with a clear message on a missing file or a file that is not an image', async () => {
    const missing = await cli('compare', path.join(tmp, 'nope.jpg'), path.join(assets, 'screenshot-faceid.jpg'), '--json');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/cannot read .*nope\.jpg: no such file/);
    const pdf = path.join(tmp, 'doc.pdf');
    writeFileSync(pdf, '%PDF-1.4\n%%EOF\n');
    const notImage = await cli('compare', pdf, path.join(assets, 'screenshot-faceid.jpg'), '--json');
    expect(notImage.code).not.toBe(0);
    expect(notImage.stderr).toMatch(/doc\.pdf: .*unsupported_format/);
    expect(notImage.stdout).toBe('');
  });
});

describe('--execution-provider', () => {
  it('accepts auto, cpu and cuda only, and says why CUDA cannot be used here', async () => {
    const img = path.join(assets, 'screenshot-faceid.jpg');
    const bad = await cli('compare', img, img, '--execution-provider', 'gpu');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/Allowed choices are auto, cpu, cuda/);
    const cpu = await cli('liveness', '--selfie', img, '--execution-provider', 'cpu', '--json');
    expect(cpu.code).toBe(0);
    expect(JSON.parse(cpu.stdout)).toMatchObject({ live: expect.any(Boolean) });
    if (cudaUnavailableReason(systemProviderEnvironment()) === null) return;
    const cuda = await cli('compare', img, img, '--json', '--execution-provider', 'cuda');
    expect(cuda.code).not.toBe(0);
    expect(cuda.stdout).toBe('');
    expect(cuda.stderr).toMatch(/CUDA execution provider was requested, but .*ONNXRUNTIME_NODE_INSTALL=cuda12/);
  });
});

describe.skipIf(!HAS_SHARED)(`likeness on ../shared${HAS_SHARED ? '' : ` (skipped: ${SHARED_MISSING})`}`, () => {
  it('compare: same person matches, different people do not', async () => {
    const same = JSON.parse((await cli('compare', sharedPath('faces', 'img1.jpg'), sharedPath('faces', 'img2.jpg'), '--json')).stdout);
    expect(same.match).toBe(true);
    expect(same.samePerson).toBe(true);
    const diff = JSON.parse((await cli('compare', sharedPath('faces', 'img1.jpg'), sharedPath('faces', 'img3.jpg'), '--json')).stdout);
    expect(diff).toMatchObject({ match: false, samePerson: false });
  });

  it('compare: two recaptures of one face are the same person but never a match', async () => {
    // A screen replay shot near and far: both pass the quality gates, both are flagged as spoofs.
    const replay = await cli('compare', sharedPath('pad-dev', 'photos', 'attack-near.jpg'), sharedPath('pad-dev', 'photos', 'attack-far.jpg'), '--json');
    const out = JSON.parse(replay.stdout);
    expect(out).toMatchObject({ match: false, samePerson: true });
    expect(out.images.map((i: { quality: { ok: boolean }; spoof: { real: boolean } }) => [i.quality.ok, i.spoof.real])).toEqual([[true, false], [true, false]]);
    // A print compared with itself: similarity 1, still no match.
    const print = JSON.parse((await cli('compare', sharedPath('spoof', 'print-1.jpg'), sharedPath('spoof', 'print-1.jpg'), '--json')).stdout);
    expect(print).toMatchObject({ match: false, samePerson: true, similarity: 1 });
    const text = await cli('compare', sharedPath('pad-dev', 'photos', 'attack-near.jpg'), sharedPath('pad-dev', 'photos', 'attack-far.jpg'));
    expect(text.stdout).toMatch(/^NO MATCH: .*same person, but an image fails a quality gate or is flagged as a spoof/);
  }, 180_000);

  it('liveness: the live burst is live, the still burst is not, the print alone is a spoof', async () => {
    const live = burstFrames('live-1');
    const a = await cli('liveness', '--selfie', live[0], ...live, '--json');
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ live: true, score: expect.any(Number), reasons: [] });
    const still = burstFrames('still-1');
    const b = JSON.parse((await cli('liveness', '--selfie', still[0], ...still, '--json')).stdout);
    expect(b.live).toBe(false);
    expect(b.reasons).toContain('no_natural_motion');
    const print = JSON.parse((await cli('liveness', '--selfie', sharedPath('spoof', 'print-1.jpg'), '--json')).stdout);
    expect(print).toMatchObject({ live: false, reasons: ['spoof_detected'] });
    // What the anti-spoof verdict rests on: the selfie's score, the rule, how many images fell below the threshold.
    expect(print.antiSpoof).toMatchObject({ aggregation: 'median', threshold: 0.5, frames: [], imagesBelowThreshold: 1 });
    expect(print.antiSpoof.selfie).toBeLessThan(0.5);
  });
});

describe('likeness liveness', () => {
  it('fails clearly when the selfie is not an image', async () => {
    const bad = path.join(tmp, 'empty.jpg');
    writeFileSync(bad, '');
    const r = await cli('liveness', '--selfie', bad, '--json');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/empty\.jpg: .*\(empty\)/);
  });
});
