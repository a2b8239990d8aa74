/**
 * @file What only the embedded backend promises: keys unreadable in the database file, and WAL checkpoints kept off
 * the server's connection. Everything both backends promise is in store-conformance.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openStorage } from '../../src/store/open-storage.js';
import { openSqliteBackend } from '../../src/store/sqlite/sqlite-backend.js';
import type { NewJob } from '../../src/store/types.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'likeness-sqlite-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const newJob = (jobId: string): NewJob => ({
  partnerId: '001',
  environment: 'production',
  jobId,
  userId: 'u1',
  jobType: 4,
  callbackUrl: null,
  partnerParams: {},
  options: { useEnrolledImage: false, allowReenroll: false, source: 'v1' },
  uploadTokenHash: `h-${jobId}`,
  uploadExpiresAt: null,
});

it('keeps API keys sealed in the database file', async () => {
  const storage = await openStorage({ dataDir: dir });
  await storage.records.createPartner('A', { sandbox: 'sandbox-secret-key-aaaa', production: 'production-secret-key-aaaa' });
  await storage.close();
  expect(readFileSync(join(dir, 'likeness.db')).includes(Buffer.from('production-secret-key-aaaa'))).toBe(false);
});

it('background WAL checkpoints move the log into the database off the main connection and leave an empty log on close', async () => {
  const file = join(dir, 'server.sqlite');
  let backend = openSqliteBackend(file, { backgroundCheckpoints: true });
  expect(backend.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
  await backend.records.createPartner('A', { sandbox: Buffer.from('s'), production: Buffer.from('p') });
  for (let i = 0; i < 50; i++) await backend.records.createJob(newJob(`j${i}`));
  // The checkpoint thread copies committed pages into the main file within about a second.
  await expect.poll(() => statSync(file).size, { timeout: 5000 }).toBeGreaterThan(8192);
  await backend.close();
  expect(statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0).toBe(0);
  backend = openSqliteBackend(file);
  expect(await backend.records.getJob('001', 'production', 'j49')).not.toBeNull();
  await backend.close();
});
