import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { isApiError } from '../../src/errors/api-errors.js';
import { readUploadZip, UploadZipError, type UploadZipRejection } from '../../src/protocol/upload-zip.js';

type Compression = 'STORE' | 'DEFLATE';
const INFO = Buffer.from(JSON.stringify({ images: [{ image_type_id: 0, image: '', file_name: 'selfie.jpg' }] }));
/** Random bytes stand in for a JPEG: incompressible, like one. */
const SELFIE = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(4000)]);

async function makeZip(
  entries: Record<string, Buffer | string>,
  compression: Compression = 'STORE',
  options: { unixPermissions?: Record<string, number> } = {},
): Promise<Buffer> {
  const zip = new JSZip();
  for (const [name, data] of Object.entries(entries)) {
    const unixPermissions = options.unixPermissions?.[name];
    zip.file(name, data, { createFolders: false, ...(unixPermissions ? { unixPermissions } : {}) });
  }
  return zip.generateAsync({ type: 'nodebuffer', compression, platform: options.unixPermissions ? 'UNIX' : 'DOS' });
}

/** Rewrites every occurrence of an ASCII name in the local and central headers (same length, so offsets hold). */
function patchBytes(zip: Buffer, from: string, to: string): Buffer {
  expect(to).toHaveLength(from.length);
  const out = Buffer.from(zip);
  const needle = Buffer.from(from, 'latin1');
  let at = out.indexOf(needle);
  expect(at).toBeGreaterThanOrEqual(0);
  while (at >= 0) {
    out.write(to, at, 'latin1');
    at = out.indexOf(needle, at + 1);
  }
  return out;
}

const LOCAL = Buffer.from('PK\x03\x04', 'latin1');
const CENTRAL = Buffer.from('PK\x01\x02', 'latin1');

/** Applies `edit(buffer, headerOffset)` to every local and central header (field offsets differ by kind). */
function patchHeaders(zip: Buffer, edit: (buf: Buffer, at: number, kind: 'local' | 'central') => void): Buffer {
  const out = Buffer.from(zip);
  for (const [sig, kind] of [[LOCAL, 'local'], [CENTRAL, 'central']] as const) {
    for (let at = out.indexOf(sig); at >= 0; at = out.indexOf(sig, at + 4)) edit(out, at, kind);
  }
  return out;
}

async function rejection(promise: Promise<unknown>): Promise<UploadZipError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected the zip to be rejected').toBeInstanceOf(UploadZipError);
  return err as UploadZipError;
}

async function expectReason(promise: Promise<unknown>, reason: UploadZipRejection): Promise<UploadZipError> {
  const err = await rejection(promise);
  expect(err.reason, err.message).toBe(reason);
  return err;
}

describe.each(['STORE', 'DEFLATE'] as const)('readUploadZip with %s', (compression) => {
  it('returns every file by its flat name, byte for byte', async () => {
    const liveness = randomBytes(3000);
    const files = await readUploadZip(
      await makeZip({ 'info.json': INFO, 'selfie.jpg': SELFIE, 'liveness-1.jpg': liveness }, compression),
    );
    expect([...files.keys()].sort()).toEqual(['info.json', 'liveness-1.jpg', 'selfie.jpg']);
    expect(files.get('selfie.jpg')!.equals(SELFIE)).toBe(true);
    expect(files.get('liveness-1.jpg')!.equals(liveness)).toBe(true);
    expect(files.get('info.json')!.equals(INFO)).toBe(true);
  });

  it('keeps UTF-8 names', async () => {
    const files = await readUploadZip(await makeZip({ 'info.json': INFO, 'sélfie é.jpg': SELFIE }, compression));
    expect(files.has('sélfie é.jpg')).toBe(true);
  });

  it('rejects a damaged entry (CRC or inflate failure) as corrupt', async () => {
    const zip = await makeZip({ 'info.json': INFO, 'selfie.jpg': SELFIE }, compression);
    const damaged = Buffer.from(zip);
    const dataAt = compression === 'STORE' ? damaged.indexOf(SELFIE.subarray(100, 140)) : 200;
    expect(dataAt).toBeGreaterThan(0);
    damaged[dataAt] = damaged[dataAt]! ^ 0xff;
    await expectReason(readUploadZip(damaged), 'corrupt');
  });
});

describe('readUploadZip rejects', () => {
  it('input that is not a zip, empty or truncated', async () => {
    const zip = await makeZip({ 'info.json': INFO, 'selfie.jpg': SELFIE });
    await expectReason(readUploadZip(Buffer.alloc(0)), 'corrupt');
    await expectReason(readUploadZip(Buffer.from('{"images":[]}')), 'corrupt');
    await expectReason(readUploadZip(SELFIE), 'corrupt');
    await expectReason(readUploadZip(zip.subarray(0, zip.length - 10)), 'corrupt');
    await expectReason(readUploadZip(zip.subarray(0, Math.floor(zip.length / 2))), 'corrupt');
  });

  it('a zip without info.json, unless not required', async () => {
    const zip = await makeZip({ 'selfie.jpg': SELFIE });
    await expectReason(readUploadZip(zip), 'missing_info_json');
    expect((await readUploadZip(zip, { requireInfoJson: false })).size).toBe(1);
  });

  it.each([
    ['parent traversal', '@@/evil.jpg', '../evil.jpg'],
    ['nested parent traversal', 'a/@@/@@/x.jpg', 'a/../../x.jpg'],
    ['absolute path', '@etc/passwd', '/etc/passwd'],
    ['drive letter', 'C@evil.jpg', 'C:evil.jpg'],
    ['backslash traversal', '@@@evil.jpg', '..\\evil.jpg'],
    ['subdirectory', 'sub@selfie.jpg', 'sub/selfie.jpg'],
    ['directory entry', 'dir@', 'dir/'],
    ['control character', 'a@b.jpg', 'a\nb.jpg'],
  ])('an unsafe path: %s', async (_label, placeholder, actual) => {
    const zip = patchBytes(await makeZip({ 'info.json': INFO, [placeholder]: SELFIE }), placeholder, actual);
    const err = await expectReason(readUploadZip(zip), 'unsafe_path');
    expect(isApiError(err)).toBe(true);
    expect(err.toJSON().code).toBe('2390');
  });

  it('a symbolic link', async () => {
    const zip = await makeZip(
      { 'info.json': INFO, 'selfie.jpg': '/etc/passwd' },
      'STORE',
      { unixPermissions: { 'selfie.jpg': 0o120777 } },
    );
    await expectReason(readUploadZip(zip), 'symlink');
  });

  it('a regular file with unix permissions is fine', async () => {
    const zip = await makeZip({ 'info.json': INFO, 'selfie.jpg': SELFIE }, 'DEFLATE', {
      unixPermissions: { 'selfie.jpg': 0o100644 },
    });
    expect((await readUploadZip(zip)).get('selfie.jpg')!.equals(SELFIE)).toBe(true);
  });

  it('nested archives, by name or by content', async () => {
    const inner = await makeZip({ 'x.jpg': SELFIE });
    await expectReason(readUploadZip(await makeZip({ 'info.json': INFO, 'inner.zip': inner })), 'nested_archive');
    await expectReason(readUploadZip(await makeZip({ 'info.json': INFO, 'selfie.jpg': inner })), 'nested_archive');
    await expectReason(readUploadZip(await makeZip({ 'info.json': INFO, 'selfie.jpg': gzipSync(SELFIE) })), 'nested_archive');
    await expectReason(readUploadZip(await makeZip({ 'info.json': INFO, 'images.tar.gz': SELFIE })), 'nested_archive');
  });

  it('encrypted entries', async () => {
    // DEFLATE: for STORE, yauzl expects an encrypted entry's data to be 12 bytes longer and reports that first.
    const zip = patchHeaders(await makeZip({ 'info.json': INFO, 'selfie.jpg': SELFIE }, 'DEFLATE'), (buf, at, kind) => {
      const flagAt = at + (kind === 'local' ? 6 : 8);
      buf.writeUInt16LE(buf.readUInt16LE(flagAt) | 0x1, flagAt);
    });
    await expectReason(readUploadZip(zip), 'encrypted');
  });

  it('compression methods other than STORE and DEFLATE', async () => {
    const zip = patchHeaders(await makeZip({ 'info.json': INFO }, 'DEFLATE'), (buf, at, kind) => {
      buf.writeUInt16LE(12, at + (kind === 'local' ? 8 : 10));
    });
    await expectReason(readUploadZip(zip), 'unsupported_compression');
  });

  it('duplicate names', async () => {
    const zip = patchBytes(await makeZip({ 'info.json': INFO, 'a.jpg': SELFIE, 'b.jpg': SELFIE }), 'b.jpg', 'a.jpg');
    await expectReason(readUploadZip(zip), 'duplicate_entry');
  });

  it('too many entries', async () => {
    const entries: Record<string, Buffer> = { 'info.json': INFO };
    for (let i = 0; i < 40; i++) entries[`f${i}.jpg`] = SELFIE.subarray(0, 10);
    const zip = await makeZip(entries);
    await expectReason(readUploadZip(zip), 'too_many_entries');
    expect((await readUploadZip(zip, { maxEntries: 41 })).size).toBe(41);
  });

  it('entries or totals over the size limits', async () => {
    const zip = await makeZip({ 'info.json': INFO, 'a.jpg': randomBytes(3000), 'b.jpg': randomBytes(3000) });
    await expectReason(readUploadZip(zip, { maxEntryBytes: 2000 }), 'too_large');
    await expectReason(readUploadZip(zip, { maxTotalBytes: 5000 }), 'too_large');
    expect((await readUploadZip(zip, { maxEntryBytes: 3000, maxTotalBytes: 7000 })).size).toBe(3);
  });

  it('a zip bomb: a highly compressed large entry', async () => {
    const zip = await makeZip({ 'info.json': INFO, 'selfie.jpg': Buffer.alloc(2 * 1024 * 1024) }, 'DEFLATE');
    expect(zip.length).toBeLessThan(20_000);
    const err = await expectReason(readUploadZip(zip), 'too_large');
    expect(err.message).toMatch(/zip bomb/);
  });

  it('an entry whose header understates its size', async () => {
    const real = Buffer.alloc(2 * 1024 * 1024, 7);
    const zip = await makeZip({ 'info.json': INFO, 'selfie.jpg': real }, 'DEFLATE');
    // Claim 1000 bytes uncompressed for selfie.jpg in both headers; inflating must still stop it.
    const lying = patchHeaders(zip, (buf, at, kind) => {
      const sizeAt = at + (kind === 'local' ? 22 : 24);
      if (buf.readUInt32LE(sizeAt) === real.length) buf.writeUInt32LE(1000, sizeAt);
    });
    const err = await rejection(readUploadZip(lying));
    expect(['corrupt', 'too_large']).toContain(err.reason);
  });
});
