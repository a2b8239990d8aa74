/**
 * @file Upgrading an embedded database enrolled before face search: migration 3 numbers the existing users of each
 * partner environment in enrolment order, and later changes continue after them, so the face index loads them all.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { openSqliteBackend } from '../../src/store/sqlite/sqlite-backend.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('numbers the users enrolled before it, per environment, and continues after them', async () => {
  dir = mkdtempSync(join(tmpdir(), 'likeness-mig3-'));
  const file = join(dir, 'likeness.db');
  const old = new Database(file);
  for (const m of MIGRATIONS.filter((m) => m.version <= 2)) old.exec(m.sql);
  old.pragma('user_version = 2');
  const insert = old.prepare("INSERT INTO users (partner_id, environment, user_id, status, template, created_at, updated_at) VALUES ('001', ?, ?, ?, ?, ?, ?)");
  const t = Buffer.from(new Float32Array([1, 0]).buffer);
  insert.run('production', 'b', 'active', t, '2026-01-02T00:00:00Z', '2026-01-02T00:00:00Z');
  insert.run('production', 'a', 'active', t, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
  insert.run('production', 'gone', 'deleted', null, '2026-01-03T00:00:00Z', '2026-01-03T00:00:00Z');
  insert.run('sandbox', 's', 'disabled', t, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
  old.close();

  const backend = openSqliteBackend(file);
  try {
    const changes = async (env: 'production' | 'sandbox') =>
      (await backend.records.listTemplateChanges('001', env, 0, 100)).map((c) => [c.userId, c.seq, c.template !== null]);
    expect(await changes('production')).toEqual([['a', 1, true], ['b', 2, true], ['gone', 3, false]]);
    expect(await changes('sandbox')).toEqual([['s', 1, false]]);
    await backend.records.setUserStatus('001', 'production', 'a', 'disabled');
    expect((await backend.records.listTemplateChanges('001', 'production', 3, 100)).map((c) => [c.userId, c.seq])).toEqual([['a', 4]]);
  } finally {
    await backend.close();
  }
});
