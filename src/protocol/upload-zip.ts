/**
 * @file Reads an uploaded job zip (PROTOCOL.md §3.2) from memory into flat file names, rejecting anything unsafe.
 */
import type { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import { ApiError } from '../errors/api-errors.js';

export type UploadZipRejection =
  | 'corrupt'
  | 'too_large'
  | 'too_many_entries'
  | 'unsafe_path'
  | 'symlink'
  | 'nested_archive'
  | 'encrypted'
  | 'unsupported_compression'
  | 'duplicate_entry'
  | 'missing_info_json';

/** A rejected zip. An ApiError (2390) so a server can answer with it; `reason` lets it map to a job result instead. */
export class UploadZipError extends ApiError {
  readonly reason: UploadZipRejection;

  constructor(reason: UploadZipRejection, message: string, options?: { cause?: unknown }) {
    super('UPLOAD_ZIP_INVALID', `Uploaded zip file is invalid: ${message}`, options);
    this.reason = reason;
  }
}

export interface UploadZipOptions {
  /** Official SDKs send info.json, a selfie and up to ~8 liveness frames (+ Android's security_info.json). */
  maxEntries: number;
  maxEntryBytes: number;
  maxTotalBytes: number;
  /** Uncompressed/compressed ratio above which an entry is treated as a zip bomb; JPEGs barely compress. */
  maxCompressionRatio: number;
  /** Entries smaller than this skip the ratio check: a tiny highly compressible file is harmless. */
  ratioCheckMinBytes: number;
  requireInfoJson: boolean;
}

const MiB = 1024 * 1024;

export const DEFAULT_UPLOAD_ZIP_OPTIONS: Readonly<UploadZipOptions> = Object.freeze({
  maxEntries: 32,
  maxEntryBytes: 20 * MiB,
  maxTotalBytes: 60 * MiB,
  maxCompressionRatio: 100,
  ratioCheckMinBytes: 1 * MiB,
  requireInfoJson: true,
});

const STORE = 0;
const DEFLATE = 8;
const UNIX_HOST = 3;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

const ARCHIVE_EXTENSIONS = /\.(zip|jar|apk|ipa|gz|tgz|tar|bz2|tbz2|xz|txz|zst|7z|rar|cab|iso|lz|lzma|z)$/i;

const ARCHIVE_MAGICS: Array<{ offset: number; bytes: Buffer }> = [
  { offset: 0, bytes: Buffer.from('PK\x03\x04', 'latin1') },
  { offset: 0, bytes: Buffer.from('PK\x05\x06', 'latin1') },
  { offset: 0, bytes: Buffer.from('PK\x07\x08', 'latin1') },
  { offset: 0, bytes: Buffer.from([0x1f, 0x8b]) },
  { offset: 0, bytes: Buffer.from('BZh', 'latin1') },
  { offset: 0, bytes: Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]) },
  { offset: 0, bytes: Buffer.from('Rar!\x1a\x07', 'latin1') },
  { offset: 0, bytes: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) },
  { offset: 0, bytes: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]) },
  { offset: 0, bytes: Buffer.from('MSCF', 'latin1') },
  { offset: 257, bytes: Buffer.from('ustar', 'latin1') },
];

function isArchiveContent(data: Buffer): boolean {
  return ARCHIVE_MAGICS.some(
    ({ offset, bytes }) =>
      data.length >= offset + bytes.length && data.subarray(offset, offset + bytes.length).equals(bytes),
  );
}

/** Why a name is not a safe flat file name, or null. Checked on every decoding a tool might use. */
function unsafeNameReason(name: string): string | null {
  if (name.length === 0) return 'empty file name';
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'control character in file name';
  if (name.includes('\\')) return 'backslash in file name';
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) return 'absolute path';
  if (name.split('/').some((part) => part === '..' || part === '.')) return 'relative path segment';
  if (name.includes('/')) return 'entries must be files at the top level of the zip';
  return null;
}

function classifyLibraryError(err: Error): UploadZipError {
  if (err instanceof UploadZipError) return err;
  if (/encrypt/i.test(err.message)) {
    return new UploadZipError('encrypted', 'encrypted entries are not accepted', { cause: err });
  }
  return new UploadZipError('corrupt', `not a readable zip (${err.message})`, { cause: err });
}

function checkEntry(
  entry: yauzl.Entry,
  seen: ReadonlyMap<string, Buffer>,
  declaredTotal: number,
  opts: UploadZipOptions,
): string {
  const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
  const display = JSON.stringify(name);
  const unsafe = unsafeNameReason(name) ?? unsafeNameReason(entry.fileNameRaw.toString('latin1'));
  if (unsafe) throw new UploadZipError('unsafe_path', `${unsafe}: ${display}`);
  const unixMode = entry.versionMadeBy >> 8 === UNIX_HOST ? entry.externalFileAttributes >>> 16 : 0;
  if ((unixMode & S_IFMT) === S_IFLNK) throw new UploadZipError('symlink', `symbolic link ${display}`);
  if (entry.isEncrypted()) throw new UploadZipError('encrypted', `entry ${display} is encrypted`);
  if (entry.compressionMethod !== STORE && entry.compressionMethod !== DEFLATE) {
    throw new UploadZipError(
      'unsupported_compression',
      `entry ${display} uses compression method ${entry.compressionMethod}; only STORE and DEFLATE are accepted`,
    );
  }
  if (seen.has(name)) throw new UploadZipError('duplicate_entry', `duplicate entry ${display}`);
  if (ARCHIVE_EXTENSIONS.test(name)) throw new UploadZipError('nested_archive', `nested archive ${display}`);
  if (entry.uncompressedSize > opts.maxEntryBytes) {
    throw new UploadZipError('too_large', `entry ${display} is larger than ${opts.maxEntryBytes} bytes`);
  }
  if (declaredTotal + entry.uncompressedSize > opts.maxTotalBytes) {
    throw new UploadZipError('too_large', `contents are larger than ${opts.maxTotalBytes} bytes in total`);
  }
  if (
    entry.uncompressedSize >= opts.ratioCheckMinBytes &&
    entry.uncompressedSize > Math.max(entry.compressedSize, 1) * opts.maxCompressionRatio
  ) {
    throw new UploadZipError('too_large', `entry ${display} expands more than ${opts.maxCompressionRatio}x (zip bomb)`);
  }
  return name;
}

/**
 * Unpacks a job zip into `file name → bytes`. Rejects with an UploadZipError before returning anything, so a caller
 * never sees a partial result. Declared sizes are checked before inflating, and actual bytes are counted while
 * inflating (yauzl also fails an entry whose real size differs from its header).
 */
export function readUploadZip(zip: Buffer, options: Partial<UploadZipOptions> = {}): Promise<Map<string, Buffer>> {
  const opts: UploadZipOptions = { ...DEFAULT_UPLOAD_ZIP_OPTIONS, ...options };
  if (zip.length === 0) return Promise.reject(new UploadZipError('corrupt', 'the upload is empty'));
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(
      zip,
      { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, strictFileNames: true },
      (openErr, zipfile) => {
        if (openErr) return reject(classifyLibraryError(openErr));
        const files = new Map<string, Buffer>();
        let declaredTotal = 0;
        let readTotal = 0;
        let failed = false;
        const fail = (err: Error): void => {
          if (failed) return;
          failed = true;
          zipfile.close();
          reject(classifyLibraryError(err));
        };
        if (zipfile.entryCount > opts.maxEntries) {
          return fail(new UploadZipError('too_many_entries', `${zipfile.entryCount} entries; at most ${opts.maxEntries}`));
        }
        zipfile.on('error', fail);
        zipfile.on('end', () => {
          if (failed) return;
          if (opts.requireInfoJson && !files.has('info.json')) {
            return fail(new UploadZipError('missing_info_json', 'no info.json at the top level of the zip'));
          }
          resolve(files);
        });
        zipfile.on('entry', (entry: yauzl.Entry) => {
          let name: string;
          try {
            name = checkEntry(entry, files, declaredTotal, opts);
          } catch (err) {
            return fail(err as Error);
          }
          declaredTotal += entry.uncompressedSize;
          zipfile.openReadStream(entry, (streamErr, stream) => {
            if (streamErr) return fail(streamErr);
            collect(stream, name, opts, () => readTotal, fail, (data) => {
              readTotal += data.length;
              // yauzl does not check CRCs; a damaged STORE entry would otherwise pass silently.
              if (crc32(data) !== entry.crc32) {
                return fail(new UploadZipError('corrupt', `entry ${JSON.stringify(name)} fails its CRC-32 check`));
              }
              if (isArchiveContent(data)) {
                return fail(new UploadZipError('nested_archive', `nested archive ${JSON.stringify(name)}`));
              }
              files.set(name, data);
              zipfile.readEntry();
            });
          });
        });
        zipfile.readEntry();
      },
    );
  });
}

function collect(
  stream: Readable,
  name: string,
  opts: UploadZipOptions,
  readTotal: () => number,
  fail: (err: Error) => void,
  done: (data: Buffer) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let stopped = false;
  stream.on('data', (chunk: Buffer) => {
    if (stopped) return;
    size += chunk.length;
    if (size > opts.maxEntryBytes || readTotal() + size > opts.maxTotalBytes) {
      stopped = true;
      stream.destroy();
      fail(new UploadZipError('too_large', `entry ${JSON.stringify(name)} inflates beyond the size limit`));
      return;
    }
    chunks.push(chunk);
  });
  stream.on('error', (err: Error) => {
    stopped = true;
    fail(err);
  });
  stream.on('end', () => {
    if (!stopped) done(Buffer.concat(chunks, size));
  });
}
