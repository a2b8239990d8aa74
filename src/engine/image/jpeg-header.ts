/** @file What a JPEG's marker segments say before its scan data: size, coding, EXIF orientation, embedded ICC profile. */

export interface JpegHeader {
  width: number;
  height: number;
  /** Baseline or extended sequential Huffman coding (SOF0/SOF1), as cameras and browsers' canvas encoders write. */
  sequential: boolean;
  /** EXIF orientation tag (1–8); 1 when the file has none. */
  orientation: number;
  /** An APP2 ICC_PROFILE segment is present (colours may need converting to sRGB). */
  iccProfile: boolean;
}

/**
 * Reads the marker segments up to the frame header (SOFn); null when the bytes are not a JPEG or the header is not
 * where a well-formed file has it (the decoder's own metadata pass then decides).
 */
export function readJpegHeader(b: Uint8Array): JpegHeader | null {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return null;
  let orientation = 1;
  let iccProfile = false;
  let p = 2;
  while (p + 4 <= b.length) {
    if (b[p] !== 0xff) return null;
    const marker = b[p + 1];
    if (marker === 0xff) {
      p++; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      p += 2; // markers without a length
      continue;
    }
    const length = (b[p + 2] << 8) | b[p + 3];
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (p + 9 > b.length) return null;
      const height = (b[p + 5] << 8) | b[p + 6];
      const width = (b[p + 7] << 8) | b[p + 8];
      if (width === 0 || height === 0) return null;
      return { width, height, sequential: marker === 0xc0 || marker === 0xc1, orientation, iccProfile };
    }
    if (marker === 0xda || marker === 0xd9 || length < 2) return null; // scan data or end before any frame header
    const body = b.subarray(p + 4, Math.min(b.length, p + 2 + length));
    if (marker === 0xe1 && startsWith(body, 'Exif\0\0')) orientation = exifOrientation(body.subarray(6)) ?? orientation;
    if (marker === 0xe2 && startsWith(body, 'ICC_PROFILE\0')) iccProfile = true;
    p += 2 + length;
  }
  return null;
}

function startsWith(b: Uint8Array, text: string): boolean {
  if (b.length < text.length) return false;
  for (let i = 0; i < text.length; i++) if (b[i] !== text.charCodeAt(i)) return false;
  return true;
}

/** The Orientation tag (0x0112) of IFD0 in an EXIF TIFF block; null when absent or malformed. */
function exifOrientation(tiff: Uint8Array): number | null {
  if (tiff.length < 8) return null;
  const little = tiff[0] === 0x49 && tiff[1] === 0x49;
  if (!little && !(tiff[0] === 0x4d && tiff[1] === 0x4d)) return null;
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.length);
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > tiff.length) return null;
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + 12 * i;
    if (entry + 12 > tiff.length) return null;
    if (view.getUint16(entry, little) !== 0x0112) continue;
    const value = view.getUint16(entry + 8, little);
    return value >= 1 && value <= 8 ? value : null;
  }
  return null;
}
