/** @file The anti-spoof ensemble: one input tensor holding every model's crop, and the fused score as their mean. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModelsDir } from '../../src/engine/engine.js';
import type { RawImage } from '../../src/engine/image/raw-image.js';
import { loadManifest } from '../../src/engine/manifest.js';
import { AntiSpoof } from '../../src/engine/models/anti-spoof.js';

let spoof: AntiSpoof;
beforeAll(async () => {
  const manifest = await loadManifest(defaultModelsDir(), true);
  spoof = await AntiSpoof.load(manifest.dir, manifest.antispoof, { executionProvider: 'cpu', intraOpNumThreads: 1 });
});
afterAll(() => spoof.dispose());

// A 640x480 image of smooth gradients with a brighter square where the face box is.
const img: RawImage = { width: 640, height: 480, data: new Uint8Array(640 * 480 * 3) };
for (let y = 0; y < 480; y++) {
  for (let x = 0; x < 640; x++) {
    const face = x > 260 && x < 380 && y > 180 && y < 320 ? 80 : 0;
    img.data.set([(x / 4 + face) & 255, (y / 3 + face) & 255, (x + y) & 255], (y * 640 + x) * 3);
  }
}

describe('AntiSpoof with two models', () => {
  it('prepares both crops in one tensor and fuses the two P(genuine) by their mean', async () => {
    const input = spoof.prepare(img, [260, 180, 380, 320]);
    expect(input).toHaveLength(2 * 3 * 80 * 80);
    const each = await spoof.scoreEach(input);
    expect(each).toHaveLength(2);
    for (const p of each) expect(p).toBeGreaterThanOrEqual(0);
    expect(await spoof.scoreInput(input)).toBeCloseTo((each[0] + each[1]) / 2, 6);
    expect(await spoof.score(img, [260, 180, 380, 320])).toBeCloseTo((each[0] + each[1]) / 2, 6);
    // The 4.0x crop sees more of the image than the 2.7x one, so the two crops differ.
    expect(input.subarray(0, 19200)).not.toEqual(input.subarray(19200));
  });

  it('refuses an input of the wrong size', async () => {
    await expect(spoof.scoreInput(new Float32Array(3 * 80 * 80))).rejects.toThrow(/expected 38400/);
  });
});
