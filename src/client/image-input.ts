/**
 * @file Turns the image forms callers pass (a file path, bytes, or base64) into bytes plus a file name, checking that
 * each is a JPEG or PNG before anything is sent.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LikenessValidationError } from './errors.js';

/**
 * An image: a file path (string), raw bytes (Buffer / Uint8Array), `{ path }`, `{ base64 }` (plain or a
 * `data:image/…;base64,` URL) or `{ data, fileName? }`. A bare string is read as base64 when it is a data URL or
 * a long run of base64 characters (no file path looks like that), otherwise as a path.
 */
export type ImageInput = string | Uint8Array | { path: string } | { base64: string } | { data: Uint8Array; fileName?: string };

export interface LoadedImage {
  bytes: Buffer;
  /** Suggested name inside the upload zip (the file's basename for paths). */
  fileName: string;
}

const BASE64_RUN = /^[A-Za-z0-9+/=\r\n]+$/;
const DATA_URL = /^data:image\/[a-z0-9.+-]+;base64,/i;

/** Whether a bare string should be decoded as base64 rather than opened as a path. */
export function looksLikeBase64(value: string): boolean {
  return DATA_URL.test(value) || (value.length >= 512 && BASE64_RUN.test(value));
}

function decodeBase64(value: string, label: string): Buffer {
  const payload = value.replace(DATA_URL, '').replace(/\s+/g, '');
  if (payload.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(payload)) {
    throw new LikenessValidationError(`${label} is not valid base64`);
  }
  return Buffer.from(payload, 'base64');
}

function imageExtension(bytes: Buffer): '.jpg' | '.png' | undefined {
  if (bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return '.jpg';
  if (bytes.length > 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return '.png';
  return undefined;
}

async function readImageFile(file: string, label: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
    throw new LikenessValidationError(`${label}: cannot read ${file} (${reason})`);
  }
}

/** Loads one image; `label` names it in error messages (e.g. "selfie", "liveness[2]"). */
export async function loadImage(input: ImageInput, label: string, defaultStem: string): Promise<LoadedImage> {
  let bytes: Buffer;
  let fileName: string | undefined;
  if (typeof input === 'string') {
    if (input.length === 0) throw new LikenessValidationError(`${label} is empty`);
    if (looksLikeBase64(input)) bytes = decodeBase64(input, label);
    else {
      bytes = await readImageFile(input, label);
      fileName = path.basename(input);
    }
  } else if (input instanceof Uint8Array) {
    bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  } else if (typeof input === 'object' && input !== null && 'path' in input && typeof input.path === 'string') {
    bytes = await readImageFile(input.path, label);
    fileName = path.basename(input.path);
  } else if (typeof input === 'object' && input !== null && 'base64' in input && typeof input.base64 === 'string') {
    bytes = decodeBase64(input.base64, label);
  } else if (typeof input === 'object' && input !== null && 'data' in input && input.data instanceof Uint8Array) {
    bytes = Buffer.from(input.data.buffer, input.data.byteOffset, input.data.byteLength);
    fileName = input.fileName;
  } else {
    throw new LikenessValidationError(`${label} must be a file path, a Buffer, or { base64 } / { path } / { data }`);
  }
  const ext = imageExtension(bytes);
  if (!ext) throw new LikenessValidationError(`${label} is not a JPEG or PNG image`);
  return { bytes, fileName: fileName && fileName.length > 0 ? fileName : `${defaultStem}${ext}` };
}

/** Makes zip entry names unique (the official SDK lets equal basenames overwrite each other). */
export function uniqueFileNames(names: string[]): string[] {
  const seen = new Set<string>();
  return names.map((name) => {
    let candidate = name;
    const { name: stem, ext } = path.parse(name);
    for (let i = 1; seen.has(candidate.toLowerCase()) || candidate.toLowerCase() === 'info.json'; i++) candidate = `${stem}-${i}${ext}`;
    seen.add(candidate.toLowerCase());
    return candidate;
  });
}
