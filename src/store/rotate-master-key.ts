/**
 * @file `likeness keys rotate-master`: puts every image, template and API key under a new master key. Images and
 * templates keep their data keys and ciphertext: only the 100-byte envelope header changes (for an image that
 * still means writing the object again, atomically, since object stores have no partial writes). Data written before
 * encryption at rest is encrypted on the way. Restartable: what is already under the new key is skipped, and an
 * embedded installation stages the new key in secrets/master.key.next until everything is re-wrapped (a server
 * started meanwhile opens objects under either key).
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Envelope, isEnveloped } from './envelope.js';
import { clusterMasterKey, masterKeyFile, nextMasterKeyFile, openBackend, StorageConfigError } from './open-storage.js';
import { SecretBox } from './secret-box.js';
import type { StorageConfig } from './storage.js';
import type { BlobStore } from './types.js';

export interface RotationReport {
  /** Id of the new master key (also in every envelope header). */
  keyId: string;
  images: { rewrapped: number; alreadyCurrent: number; encryptedNow: number };
  apiKeys: number;
  templates: number;
  /** Embedded with a key file: the new key replaced secrets/master.key. */
  keyFileReplaced: boolean;
}

const PARALLEL_OBJECTS = 8;

/** `newKey`: the key to rotate to; omitted for an embedded key file, which gets a fresh one. */
export async function rotateMasterKey(config: StorageConfig, newKey: Buffer | null, env: NodeJS.ProcessEnv = process.env): Promise<RotationReport> {
  const staged = !config.databaseUrl && !env.LIKENESS_MASTER_KEY && !newKey;
  const oldBox = currentKey(config, env);
  if (!newKey && !staged) {
    throw new StorageConfigError('the master key comes from LIKENESS_MASTER_KEY: give the new one with --new-key-file (or LIKENESS_NEW_MASTER_KEY_FILE)');
  }
  if (newKey && new SecretBox(newKey).keyId.equals(oldBox.keyId)) throw new StorageConfigError('the new master key is the current one');
  const backend = await openBackend(config);
  try {
    // A server running meanwhile would go on sealing under the old key: what it wrote would not open once it is gone.
    const lockout = await backend.lockOutServers();
    if ('blockedBy' in lockout) throw new StorageConfigError(`${lockout.blockedBy}: stop every server first, then run the rotation again`);
    try {
      const newBox = newKey ? new SecretBox(newKey) : stagedKey(config.dataDir);
      const envelope = new Envelope(newBox, [oldBox]);
      const images = await rewrapImages(backend.blobs, envelope);
      const secrets = await backend.records.resealSecrets((sealed, kind, context) => {
        if (kind === 'template') return envelope.isCurrent(sealed) ? null : envelope.rewrap(sealed, context);
        if (opens(newBox, sealed)) return null;
        return newBox.seal(oldBox.open(sealed));
      });
      if (staged) renameSync(nextMasterKeyFile(config.dataDir), masterKeyFile(config.dataDir));
      return { keyId: newBox.keyId.toString('hex'), images, apiKeys: secrets.apiKey, templates: secrets.template, keyFileReplaced: staged };
    } finally {
      await lockout.release();
    }
  } finally {
    await backend.close();
  }
}

function currentKey(config: StorageConfig, env: NodeJS.ProcessEnv): SecretBox {
  if (config.databaseUrl) return new SecretBox(clusterMasterKey(env));
  if (env.LIKENESS_MASTER_KEY) return new SecretBox(Buffer.from(env.LIKENESS_MASTER_KEY, 'base64'));
  const file = masterKeyFile(config.dataDir);
  if (!existsSync(file)) throw new StorageConfigError(`no master key at ${file}: is ${config.dataDir} a Likeness data directory?`);
  return SecretBox.readFile(file);
}

/** The next key of an interrupted rotation, or a new one, written before anything is sealed under it. */
function stagedKey(dataDir: string): SecretBox {
  const file = nextMasterKeyFile(dataDir);
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return SecretBox.readFile(file);
}

function opens(box: SecretBox, sealed: Buffer): boolean {
  try {
    box.open(sealed);
    return true;
  } catch {
    return false;
  }
}

async function rewrapImages(blobs: BlobStore, envelope: Envelope): Promise<RotationReport['images']> {
  const report = { rewrapped: 0, alreadyCurrent: 0, encryptedNow: 0 };
  const rewrap = async (key: string) => {
    const data = await blobs.get(key);
    if (!data) return; // Deleted meanwhile.
    if (envelope.isCurrent(data)) {
      report.alreadyCurrent++;
      return;
    }
    if (isEnveloped(data)) report.rewrapped++;
    else report.encryptedNow++;
    await blobs.replace(key, envelope.rewrap(data, key));
  };
  let batch: Promise<void>[] = [];
  for await (const key of blobs.list()) {
    // Readiness probes are written and removed within a request; they hold no image.
    if (key.startsWith('health/')) continue;
    batch.push(rewrap(key));
    if (batch.length === PARALLEL_OBJECTS) {
      await Promise.all(batch);
      batch = [];
    }
  }
  await Promise.all(batch);
  return report;
}
