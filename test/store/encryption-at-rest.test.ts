/**
 * @file Encryption at rest, read from the storage itself (files, objects, rows) on every backend: images and
 * templates are stored in envelopes under the master key, data written before encryption still reads, and
 * `keys rotate-master` moves everything to a new key, restartably. Embedded files are owner-only.
 */
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Envelope, isEnveloped } from '../../src/store/envelope.js';
import { masterKeyFile, nextMasterKeyFile, openBackend, openStorage, type OpenedBackend } from '../../src/store/open-storage.js';
import { rotateMasterKey } from '../../src/store/rotate-master-key.js';
import { SecretBox } from '../../src/store/secret-box.js';
import type { Storage, StorageConfig } from '../../src/store/storage.js';
import type { JobResult } from '../../src/store/types.js';
import { backendConfig, BACKENDS, TEST_MASTER_KEY } from '../helpers/backends.js';

const result: JobResult = {
  resultCode: '0810', resultText: 'ok', category: 'approved', actions: {}, confidence: 99, jobSuccess: true,
  isFinalResult: true, isMachineResult: true, reasons: [], scores: {}, completedAt: new Date().toISOString(),
};

/** A recognisable "image": plaintext must never appear in what the store holds. */
const image = (n: number) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.from(`face image ${n} `.repeat(50))]);

async function enrol(s: Storage, partnerId: string, userId: string, n: number): Promise<{ template: Float32Array; imageKey: string }> {
  const imageKey = `jobs/${partnerId}/${userId}/${n}/selfie.jpg`;
  await s.blobs.put(imageKey, image(n));
  const job = await s.records.createJob({
    partnerId, environment: 'production', jobId: `job-${userId}-${n}`, userId, jobType: 4, callbackUrl: null, partnerParams: {},
    options: { useEnrolledImage: false, allowReenroll: true, source: 'v2' }, uploadTokenHash: null, uploadExpiresAt: null,
    images: [{ role: 'selfie', index: 0, blobKey: imageKey }],
  });
  const template = Float32Array.from({ length: 512 }, (_, i) => Math.sin(i + n));
  await s.records.completeJob(job.smileJobId, { result, state: 'complete', enrollment: { userId, template, imageKey, replace: true } }, null);
  return { template, imageKey };
}

async function rawObjects(b: OpenedBackend): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for await (const key of b.blobs.list()) out.set(key, (await b.blobs.get(key))!);
  return out;
}

const keyIdOf = (data: Buffer) => data.subarray(4, 12).toString('hex');

describe.each(BACKENDS)('%s backend', (backend) => {
  let dir: string;
  let config: StorageConfig;
  let s: Storage;
  let partnerId: string;
  const savedKey = process.env.LIKENESS_MASTER_KEY;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'likeness-crypt-'));
    config = await backendConfig(backend, dir);
    s = await openStorage(config);
    partnerId = (await s.records.createPartner('P', { sandbox: 'sandbox-key', production: 'production-key' })).partnerId;
  });
  afterEach(async () => {
    await s.close();
    if (savedKey === undefined) delete process.env.LIKENESS_MASTER_KEY;
    else process.env.LIKENESS_MASTER_KEY = savedKey;
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores images and templates in envelopes and reads them back', async () => {
    const { template, imageKey } = await enrol(s, partnerId, 'alice', 1);
    const raw = await openBackend(config);
    try {
      const stored = (await raw.blobs.get(imageKey))!;
      expect(isEnveloped(stored)).toBe(true);
      expect(stored.includes(Buffer.from('face image 1'))).toBe(false);
      const row = (await raw.records.getUser(partnerId, 'production', 'alice'))!;
      expect(isEnveloped(row.template!)).toBe(true);
      expect(row.template!.includes(Buffer.from(template.buffer).subarray(0, 64))).toBe(false);
      // Each object has its own data key: the same bytes stored twice differ.
      await s.blobs.put('jobs/x/again.jpg', image(1));
      expect((await raw.blobs.get('jobs/x/again.jpg'))!.equals(stored)).toBe(false);
      // An envelope moved under another key does not open (the key is its context).
      await raw.blobs.put('jobs/x/moved.jpg', stored);
      await expect(s.blobs.get('jobs/x/moved.jpg')).rejects.toThrow();
    } finally {
      await raw.close();
    }
    expect((await s.blobs.get(imageKey))!.equals(image(1))).toBe(true);
    expect(Array.from((await s.records.getUser(partnerId, 'production', 'alice'))!.template!)).toEqual(Array.from(template));
  });

  it('rotate-master re-wraps every image, template and API key; old plaintext data is encrypted on the way; a second run has nothing to do', async () => {
    const alice = await enrol(s, partnerId, 'alice', 1);
    await enrol(s, partnerId, 'bob', 2);
    const raw = await openBackend(config);
    // Data written before encryption at rest existed: a plain image and a plain template row. Both still read.
    const legacy = Float32Array.from({ length: 512 }, (_, i) => i / 512);
    await raw.blobs.put('jobs/legacy/selfie.jpg', image(3));
    const legacyJob = await s.records.createJob({
      partnerId, environment: 'production', jobId: 'legacy', userId: 'carol', jobType: 4, callbackUrl: null, partnerParams: {},
      options: { useEnrolledImage: false, allowReenroll: true, source: 'v2' }, uploadTokenHash: null, uploadExpiresAt: null,
      images: [{ role: 'selfie', index: 0, blobKey: 'jobs/legacy/selfie.jpg' }],
    });
    await raw.records.completeJob(legacyJob.smileJobId, {
      result, state: 'complete',
      enrollment: { userId: 'carol', template: Buffer.from(legacy.buffer), imageKey: 'jobs/legacy/selfie.jpg', replace: true },
    }, null);
    await raw.close();
    expect((await s.blobs.get('jobs/legacy/selfie.jpg'))!.equals(image(3))).toBe(true);
    expect(Array.from((await s.records.getUser(partnerId, 'production', 'carol'))!.template!)).toEqual(Array.from(legacy));
    await s.close();

    const newKey = randomBytes(32);
    const oldKey = backend === 'embedded' ? readFileSync(masterKeyFile(dir), 'utf8') : TEST_MASTER_KEY;
    const first = await rotateMasterKey(config, backend === 'embedded' ? null : newKey);
    expect(first.images).toEqual({ rewrapped: 2, encryptedNow: 1, alreadyCurrent: 0 });
    expect([first.templates, first.apiKeys]).toEqual([3, 2]);
    if (backend === 'embedded') {
      expect(readFileSync(masterKeyFile(dir), 'utf8')).not.toBe(oldKey);
      expect(existsSync(nextMasterKeyFile(dir))).toBe(false);
    } else {
      process.env.LIKENESS_MASTER_KEY = newKey.toString('base64');
    }

    const check = await openBackend(config);
    try {
      const objects = await rawObjects(check);
      expect(objects.size).toBe(3);
      for (const data of objects.values()) expect(keyIdOf(data)).toBe(first.keyId);
      for (const u of ['alice', 'bob', 'carol']) expect(keyIdOf((await check.records.getUser(partnerId, 'production', u))!.template!)).toBe(first.keyId);
    } finally {
      await check.close();
    }
    s = await openStorage(config);
    expect(await s.records.getApiKey(partnerId, 'production')).toBe('production-key');
    expect((await s.blobs.get(alice.imageKey))!.equals(image(1))).toBe(true);
    expect((await s.blobs.get('jobs/legacy/selfie.jpg'))!.equals(image(3))).toBe(true);
    expect(Array.from((await s.records.getUser(partnerId, 'production', 'alice'))!.template!)).toEqual(Array.from(alice.template));
    expect(Array.from((await s.records.getUser(partnerId, 'production', 'carol'))!.template!)).toEqual(Array.from(legacy));
    await s.close();

    if (backend === 'cluster') {
      // Idempotent: the same rotation again (old key as current, new key given) finds everything done.
      process.env.LIKENESS_MASTER_KEY = oldKey;
      const again = await rotateMasterKey(config, newKey);
      expect(again.images).toEqual({ rewrapped: 0, encryptedNow: 0, alreadyCurrent: 3 });
      expect([again.templates, again.apiKeys]).toEqual([0, 0]);
      process.env.LIKENESS_MASTER_KEY = newKey.toString('base64');
    }
    s = await openStorage(config);
  });

  it('rotate-master refuses while a server runs on the storage, and a server refuses to start while a rotation runs', async () => {
    const { imageKey } = await enrol(s, partnerId, 'alice', 1);
    const keyBefore = backend === 'embedded' ? readFileSync(masterKeyFile(dir), 'utf8') : null;
    const newKey = backend === 'embedded' ? null : randomBytes(32);
    const server = await openStorage({ ...config, server: true });
    await expect(rotateMasterKey(config, newKey)).rejects.toThrow(/server.*running|server connection is using/);
    // Nothing was touched: the key, the staged key, the image's envelope.
    const raw = await openBackend(config);
    try {
      if (backend === 'embedded') {
        expect(readFileSync(masterKeyFile(dir), 'utf8')).toBe(keyBefore);
        expect(existsSync(nextMasterKeyFile(dir))).toBe(false);
      }
      const before = keyIdOf((await raw.blobs.get(imageKey))!);
      await server.close();

      const lockout = await raw.lockOutServers();
      if (!('release' in lockout)) throw new Error(`not locked out: ${lockout.blockedBy}`);
      await expect(openStorage({ ...config, server: true })).rejects.toThrow(/master key rotation is running/);
      // Another tool (not a server) still opens it, and nothing was sealed under a new key.
      await (await openStorage(config)).close();
      expect(keyIdOf((await raw.blobs.get(imageKey))!)).toBe(before);
      await lockout.release();
    } finally {
      await raw.close();
    }
    const report = await rotateMasterKey(config, newKey);
    expect(report.images.rewrapped).toBe(1);
    if (newKey) process.env.LIKENESS_MASTER_KEY = newKey.toString('base64');
    await (await openStorage({ ...config, server: true })).close();
  });
});

describe('embedded master key rotation', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'likeness-rotate-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is restartable: an interrupted rotation leaves everything readable, and running it again finishes it', async () => {
    const config = { dataDir: dir };
    let s = await openStorage(config);
    const { partnerId } = await s.records.createPartner('P', { sandbox: 'a', production: 'b' });
    const one = await enrol(s, partnerId, 'u1', 1);
    const two = await enrol(s, partnerId, 'u2', 2);
    await s.close();
    // Interrupted after staging the next key and re-wrapping one image.
    const next = randomBytes(32);
    writeFileSync(nextMasterKeyFile(dir), next.toString('base64') + '\n', { mode: 0o600 });
    const partial = new Envelope(new SecretBox(next), [SecretBox.readFile(masterKeyFile(dir))]);
    const raw = await openBackend(config);
    await raw.blobs.replace(one.imageKey, partial.rewrap((await raw.blobs.get(one.imageKey))!, one.imageKey));
    await raw.close();
    // A server started meanwhile reads both.
    s = await openStorage(config);
    expect((await s.blobs.get(one.imageKey))!.equals(image(1))).toBe(true);
    expect((await s.blobs.get(two.imageKey))!.equals(image(2))).toBe(true);
    await s.close();

    const report = await rotateMasterKey(config, null);
    expect(report.images).toEqual({ rewrapped: 1, encryptedNow: 0, alreadyCurrent: 1 });
    expect(readFileSync(masterKeyFile(dir), 'utf8').trim()).toBe(next.toString('base64'));
    s = await openStorage(config);
    expect((await s.blobs.get(two.imageKey))!.equals(image(2))).toBe(true);
    expect(await s.records.getApiKey(partnerId, 'sandbox')).toBe('a');
    await s.close();
  });

  it('is not held back by a server killed without closing (its process is gone)', async () => {
    const config = { dataDir: dir };
    await (await openStorage(config)).close();
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    mkdirSync(join(dir, 'run'), { recursive: true });
    writeFileSync(join(dir, 'run', `server-${dead}-0a0b0c0d`), '');
    expect((await rotateMasterKey(config, null)).keyFileReplaced).toBe(true);
    expect(readdirSync(join(dir, 'run'))).toEqual([]);
  });

  it('creates the database, its WAL files, keys and images readable by their owner only', async () => {
    const s = await openStorage({ dataDir: join(dir, 'data') });
    const { partnerId } = await s.records.createPartner('P', { sandbox: 'a', production: 'b' });
    await enrol(s, partnerId, 'u1', 1);
    const mode = (p: string) => (statSync(join(dir, 'data', p)).mode & 0o777).toString(8);
    expect(mode('.')).toBe('700');
    for (const f of ['likeness.db', 'likeness.db-wal', 'likeness.db-shm', 'secrets/master.key', 'secrets/server.key']) expect([f, mode(f)]).toEqual([f, '600']);
    expect(mode('secrets')).toBe('700');
    for (const entry of readdirSync(join(dir, 'data', 'images'), { recursive: true, withFileTypes: true })) {
      const rel = join(entry.parentPath, entry.name).slice(join(dir, 'data').length + 1);
      expect([rel, mode(rel)]).toEqual([rel, entry.isDirectory() ? '700' : '600']);
    }
    expect(mode('images')).toBe('700');
    await s.close();
  });
});
