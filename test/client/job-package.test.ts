import JSZip from 'jszip';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toPackageImages } from '../../src/client/compat/compat-images.js';
import { loadImage, looksLikeBase64 } from '../../src/client/image-input.js';
import { buildInfoJson, buildZip } from '../../src/client/job-package.js';
import { LikenessValidationError } from '../../src/client/index.js';

// Only the magic bytes are checked client-side; the server decodes the pixels.
const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(600, 7)]);
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(600, 3)]);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-client-'));
  await writeFile(path.join(dir, 'selfie.jpg'), jpeg);
  await writeFile(path.join(dir, 'frame.jpg'), jpeg);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('upload package', () => {
  it('zips liveness files (type 4) next to the selfie, with unique names matching info.json', async () => {
    const images = await toPackageImages([
      { image_type_id: 0, image: path.join(dir, 'selfie.jpg') },
      { image_type_id: 4, image: path.join(dir, 'frame.jpg') },
      { image_type_id: '4', image: path.join(dir, 'frame.jpg') },
      { image_type_id: 6, image: png.toString('base64') },
    ]);
    const info = buildInfoJson({
      partnerId: '001', partnerParams: { user_id: 'u', job_id: 'j', job_type: 2 }, timestamp: 't', signature: 's',
      callbackUrl: null, idInfo: { entered: 'false' }, images, serverInformation: { upload_url: 'x', smile_job_id: '1' },
      retry: false, sourceSdk: 'likeness-js',
    });
    const zip = await JSZip.loadAsync(await buildZip(info, images));
    expect(Object.keys(zip.files).sort()).toEqual(['frame-1.jpg', 'frame.jpg', 'info.json', 'selfie.jpg']);
    const parsed = JSON.parse(await zip.file('info.json')!.async('string')) as { images: Array<Record<string, unknown>>; misc_information: Record<string, unknown> };
    expect(parsed.images).toEqual([
      { image_type_id: 0, image: '', file_name: 'selfie.jpg' },
      { image_type_id: 4, image: '', file_name: 'frame.jpg' },
      { image_type_id: 4, image: '', file_name: 'frame-1.jpg' },
      { image_type_id: 6, image: png.toString('base64'), file_name: '' },
    ]);
    expect(parsed.misc_information).toMatchObject({ signature: 's', timestamp: 't', retry: 'false', smile_client_id: '001' });
    expect(Buffer.from(await zip.file('frame-1.jpg')!.async('uint8array')).equals(jpeg)).toBe(true);
  });

  it('accepts paths, Buffers, base64 strings, data URLs and { base64 } objects', async () => {
    expect((await loadImage(path.join(dir, 'selfie.jpg'), 'selfie', 'selfie')).fileName).toBe('selfie.jpg');
    expect((await loadImage(png, 'selfie', 'selfie')).fileName).toBe('selfie.png');
    expect((await loadImage(jpeg.toString('base64'), 'selfie', 'selfie')).bytes.equals(jpeg)).toBe(true);
    expect((await loadImage(`data:image/png;base64,${png.toString('base64')}`, 'x', 'liveness_001')).fileName).toBe('liveness_001.png');
    expect((await loadImage({ base64: png.toString('base64') }, 'x', 'y')).bytes.equals(png)).toBe(true);
    expect(looksLikeBase64('/tmp/selfie.jpg')).toBe(false);
  });

  it('refuses non-images, unreadable paths and invalid base64 with a message naming the image', async () => {
    await expect(loadImage(Buffer.from('GIF89a-not-allowed'), 'liveness[2]', 'x')).rejects.toThrow('liveness[2] is not a JPEG or PNG image');
    await expect(loadImage(path.join(dir, 'missing.jpg'), 'selfie', 'x')).rejects.toThrow(/selfie: cannot read .*missing\.jpg \(file not found\)/);
    await expect(loadImage({ base64: '***' }, 'selfie', 'x')).rejects.toBeInstanceOf(LikenessValidationError);
  });
});
