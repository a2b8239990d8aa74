/**
 * @file A Y4M video for Chromium's fake camera (`--use-file-for-fake-video-capture`), built at test time from still
 * frames (e.g. ../shared/bursts/live-1): each frame converted to 4:2:0 YUV (BT.601, studio range), played in order
 * and looped by Chromium.
 */
import { writeFileSync } from 'node:fs';
import sharp from 'sharp';

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

async function frameI420(file: string, width: number, height: number): Promise<Buffer> {
  const rgb = await sharp(file).resize(width, height, { fit: 'cover' }).removeAlpha().raw().toBuffer();
  const out = Buffer.alloc(width * height * 1.5);
  const u0 = width * height;
  const v0 = u0 + (width / 2) * (height / 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      out[y * width + x] = clamp(16 + 0.257 * rgb[i]! + 0.504 * rgb[i + 1]! + 0.098 * rgb[i + 2]!);
    }
  }
  for (let y = 0; y < height; y += 2) {
    for (let x = 0; x < width; x += 2) {
      let r = 0, g = 0, b = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
        const i = ((y + dy) * width + x + dx) * 3;
        r += rgb[i]!; g += rgb[i + 1]!; b += rgb[i + 2]!;
      }
      r /= 4; g /= 4; b /= 4;
      const c = (y / 2) * (width / 2) + x / 2;
      out[u0 + c] = clamp(128 - 0.148 * r - 0.291 * g + 0.439 * b);
      out[v0 + c] = clamp(128 + 0.439 * r - 0.368 * g - 0.071 * b);
    }
  }
  return out;
}

/**
 * Writes `frames` as a 30 fps Y4M showing each frame for `frameMs`. Each frame is repeated rather than written at a
 * low frame rate, because the page's camera asks for 30 fps and Chromium then paces the file at that rate. The frames
 * are played as they are (no synthetic variants, which would change the face): a burst sampled so slowly that it wraps
 * round to a frame it already has is refused by the capture page, and the user (or test) retakes.
 */
export async function writeY4m(path: string, frames: string[], opts: { width?: number; height?: number; frameMs?: number } = {}): Promise<void> {
  const { width = 640, height = 480, frameMs = 333 } = opts;
  const repeat = Math.max(1, Math.round(frameMs / (1000 / 30)));
  const parts: Buffer[] = [Buffer.from(`YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\n`)];
  for (const f of frames) {
    const data = await frameI420(f, width, height);
    for (let i = 0; i < repeat; i++) parts.push(Buffer.from('FRAME\n'), data);
  }
  writeFileSync(path, Buffer.concat(parts));
}
