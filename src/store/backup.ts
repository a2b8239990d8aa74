/**
 * @file Backup and restore of an embedded installation: one tar.gz archive holding an online copy of the SQLite
 * database (SQLite's backup API, consistent while the server runs), the image files (encrypted as stored) and a
 * manifest with their SHA-256 hashes. The master key is never put in the archive: a backup is refused unless the
 * key is available and opens the data, and a restore needs it, so whoever holds an archive alone holds no
 * biometric data. Images are taken after the database copy: every image it refers to was stored before.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, createReadStream, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import * as tar from 'tar';
import { LocalDirBlobStore } from './blob/local-dir-blob-store.js';
import { Envelope } from './envelope.js';
import { masterKeyFile, nextMasterKeyFile, StorageConfigError } from './open-storage.js';
import { SecretBox } from './secret-box.js';

const MANIFEST = 'likeness-backup.json';
const DATABASE = 'likeness.db';
const IMAGES = 'images';

export interface BackupManifest {
  format: 'likeness-backup';
  version: 1;
  createdAt: string;
  /** Id of the master key the data is sealed under (the key itself is not in the archive). */
  masterKeyId: string;
  database: { sha256: string; bytes: number };
  /** Image path under images/ → SHA-256 of the file as stored. */
  images: Record<string, string>;
}

export interface BackupReport {
  file: string;
  bytes: number;
  images: number;
  masterKeyId: string;
}

const sha256File = (file: string) =>
  new Promise<string>((done, fail) => {
    const hash = createHash('sha256');
    createReadStream(file).on('error', fail).on('data', (c) => hash.update(c)).on('end', () => done(hash.digest('hex')));
  });

/** The master key of a data directory as a server would take it (LIKENESS_MASTER_KEY, else the key file). */
function availableKey(dataDir: string, env: NodeJS.ProcessEnv): SecretBox | null {
  if (env.LIKENESS_MASTER_KEY) return new SecretBox(Buffer.from(env.LIKENESS_MASTER_KEY, 'base64'));
  return existsSync(masterKeyFile(dataDir)) ? SecretBox.readFile(masterKeyFile(dataDir)) : null;
}

/** Throws unless `key` opens the installation's sealed data (an API key), if it has any. */
function checkKeyOpens(dbFile: string, key: SecretBox, what: string): void {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT sealed_key FROM api_keys LIMIT 1').get() as { sealed_key: Buffer } | undefined;
    if (row) new Envelope(key).openSecret(row.sealed_key);
  } catch {
    throw new StorageConfigError(`the master key (id ${key.keyId.toString('hex')}) does not open ${what}: it is not the key this data is sealed under`);
  } finally {
    db.close();
  }
}

export async function backupEmbedded(dataDir: string, toFile: string, env: NodeJS.ProcessEnv = process.env): Promise<BackupReport> {
  const dbFile = join(dataDir, DATABASE);
  if (!existsSync(dbFile)) throw new StorageConfigError(`${dataDir} holds no Likeness database (${dbFile})`);
  if (existsSync(nextMasterKeyFile(dataDir))) throw new StorageConfigError('a master key rotation is unfinished: run `likeness keys rotate-master` again first');
  const key = availableKey(dataDir, env);
  if (!key) {
    throw new StorageConfigError(
      `the master key is not available (no LIKENESS_MASTER_KEY, no ${masterKeyFile(dataDir)}): without it a backup could never be restored, so none is made`,
    );
  }
  checkKeyOpens(dbFile, key, `the database ${dbFile}`);
  const out = resolve(toFile);
  if (existsSync(out)) throw new StorageConfigError(`${out} exists: give a new file name`);
  // Hard links to the images (immutable once written; a rotation replaces files, leaving the linked ones intact)
  // on the same file system: no copy, and the archive sees one consistent set of files.
  const staging = join(dataDir, `.backup-${randomBytes(4).toString('hex')}`);
  const partial = `${out}.partial`;
  mkdirSync(staging, { mode: 0o700 });
  try {
    const source = new Database(dbFile, { fileMustExist: true });
    try {
      await source.backup(join(staging, DATABASE));
    } finally {
      source.close();
    }
    const images: Record<string, string> = {};
    for await (const k of new LocalDirBlobStore(join(dataDir, IMAGES)).list()) {
      const target = join(staging, IMAGES, k);
      mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
      try {
        linkSync(join(dataDir, IMAGES, k), target);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // Deleted meanwhile (a purge, a user deleted).
        throw err;
      }
      images[k] = await sha256File(target);
    }
    const manifest: BackupManifest = {
      format: 'likeness-backup',
      version: 1,
      createdAt: new Date().toISOString(),
      masterKeyId: key.keyId.toString('hex'),
      database: { sha256: await sha256File(join(staging, DATABASE)), bytes: statSync(join(staging, DATABASE)).size },
      images,
    };
    writeFileSync(join(staging, MANIFEST), JSON.stringify(manifest, null, 1), { mode: 0o600 });
    const entries = [MANIFEST, DATABASE, ...(Object.keys(images).length ? [IMAGES] : [])];
    await tar.create({ gzip: true, file: partial, cwd: staging, portable: true }, entries);
    chmodSync(partial, 0o600);
    renameSync(partial, out);
    return { file: out, bytes: statSync(out).size, images: Object.keys(images).length, masterKeyId: manifest.masterKeyId };
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

export interface RestoreReport {
  dataDir: string;
  images: number;
  masterKeyId: string;
  /** Where the master key was written (from --master-key-file); null when it stays in LIKENESS_MASTER_KEY. */
  keyFile: string | null;
}

/**
 * Restores an archive into an empty (or new) data directory. `masterKey`: the key file's content (base64) when
 * given, else LIKENESS_MASTER_KEY; it must be the backup's. Verified before anything is kept: every hash, the key
 * id, and that the key opens the restored data; on any failure the directory is left as it was.
 */
export async function restoreEmbedded(fromFile: string, dataDir: string, masterKeyFile_: string | null, env: NodeJS.ProcessEnv = process.env): Promise<RestoreReport> {
  const target = resolve(dataDir);
  if (!existsSync(fromFile)) throw new StorageConfigError(`no backup at ${fromFile}`);
  const existed = existsSync(target);
  if (existed && readdirSync(target).length > 0) throw new StorageConfigError(`${target} is not empty: restore into a new or empty directory`);
  const keyText = masterKeyFile_ ? readFileSync(masterKeyFile_, 'utf8').trim() : env.LIKENESS_MASTER_KEY;
  mkdirSync(target, { recursive: true, mode: 0o700 });
  const work = join(target, `.restore-${randomBytes(4).toString('hex')}`);
  mkdirSync(work, { mode: 0o700 });
  try {
    let unexpected: string | null = null;
    await tar.extract({
      file: fromFile,
      cwd: work,
      strict: true,
      // Only what a backup holds: plain files and directories, under known names.
      filter: (path, entry) => {
        const type = (entry as tar.ReadEntry).type;
        const name = path.replace(/^\.\//, '');
        const known = name === MANIFEST || name === DATABASE || name === IMAGES || name === `${IMAGES}/` || name.startsWith(`${IMAGES}/`);
        if (known && (type === 'File' || type === 'Directory') && !name.split('/').includes('..')) return true;
        unexpected ??= path;
        return false;
      },
    });
    if (unexpected) throw new StorageConfigError(`${fromFile} is not a Likeness backup: unexpected entry ${unexpected}`);
    const manifest = readManifest(work, fromFile);
    if (!keyText) {
      throw new StorageConfigError(
        `restoring needs the master key this backup is sealed under (key id ${manifest.masterKeyId}): give --master-key-file or set LIKENESS_MASTER_KEY`,
      );
    }
    const key = new SecretBox(Buffer.from(keyText, 'base64'));
    if (key.keyId.toString('hex') !== manifest.masterKeyId) {
      throw new StorageConfigError(`this backup is sealed under master key ${manifest.masterKeyId}; the key given is ${key.keyId.toString('hex')}`);
    }
    await verifyFiles(work, manifest, fromFile);
    checkKeyOpens(join(work, DATABASE), key, 'the restored database');
    renameSync(join(work, DATABASE), join(target, DATABASE));
    if (existsSync(join(work, IMAGES))) renameSync(join(work, IMAGES), join(target, IMAGES));
    let keyFile: string | null = null;
    if (masterKeyFile_) {
      keyFile = masterKeyFile(target);
      mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
      writeFileSync(keyFile, keyText + '\n', { mode: 0o600, flag: 'wx' });
    }
    rmSync(work, { recursive: true, force: true });
    return { dataDir: target, images: Object.keys(manifest.images).length, masterKeyId: manifest.masterKeyId, keyFile };
  } catch (err) {
    // Leave the directory as it was: gone if we made it, empty if it was.
    if (existed) for (const entry of readdirSync(target)) rmSync(join(target, entry), { recursive: true, force: true });
    else rmSync(target, { recursive: true, force: true });
    throw err;
  }
}

function readManifest(work: string, fromFile: string): BackupManifest {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(readFileSync(join(work, MANIFEST), 'utf8')) as BackupManifest;
  } catch {
    throw new StorageConfigError(`${fromFile} is not a Likeness backup: no readable ${MANIFEST}`);
  }
  if (manifest.format !== 'likeness-backup' || manifest.version !== 1) throw new StorageConfigError(`${fromFile}: unknown backup format`);
  return manifest;
}

async function verifyFiles(work: string, manifest: BackupManifest, fromFile: string): Promise<void> {
  const db = join(work, DATABASE);
  if (!existsSync(db) || (await sha256File(db)) !== manifest.database.sha256) throw new StorageConfigError(`${fromFile} is damaged: the database does not match its hash`);
  const found = new Set<string>();
  for await (const k of new LocalDirBlobStore(join(work, IMAGES)).list()) found.add(k);
  for (const [k, hash] of Object.entries(manifest.images)) {
    if (!found.delete(k)) throw new StorageConfigError(`${fromFile} is damaged: image ${k} is missing`);
    if ((await sha256File(join(work, IMAGES, k))) !== hash) throw new StorageConfigError(`${fromFile} is damaged: image ${k} does not match its hash`);
  }
  if (found.size) throw new StorageConfigError(`${fromFile} is damaged: ${found.size} images are not in its manifest`);
}
