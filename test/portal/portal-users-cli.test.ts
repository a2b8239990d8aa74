/**
 * @file `likeness user add|list|remove` on a data directory: accounts that can log in, clear failures for bad input.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openStorage } from '../../src/app.js';
import { portalUsersCommand } from '../../src/cli/commands/portal-users.js';
import { createPartnerWithKeys } from '../../src/jobs/api-keys.js';
import { verifyPassword } from '../../src/portal/password.js';

let dataDir: string;
let partnerId: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'likeness-portal-cli-'));
  const storage = await openStorage({ dataDir });
  partnerId = (await createPartnerWithKeys(storage.records, 'CLI partner')).partner.partnerId;
  await storage.close();
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

/** Runs `likeness user …` in-process; returns what it printed and its exit code. */
async function user(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  const cmd = portalUsersCommand().exitOverride();
  cmd.commands.forEach((c) => c.exitOverride().configureOutput({ writeErr: (s) => (stderr += s) }));
  let code = 0;
  try {
    await cmd.parseAsync(args, { from: 'user' });
    code = Number(process.exitCode ?? 0);
  } catch (err) {
    code = (err as { exitCode?: number }).exitCode ?? 1;
  }
  vi.restoreAllMocks();
  process.exitCode = undefined;
  return { stdout, stderr, code };
}

describe('likeness user', () => {
  it('add creates an account whose printed password verifies; list shows it; remove deletes it', async () => {
    const add = await user('add', '--data', dataDir, '--partner', partnerId, '--email', 'Reviewer@Example.test', '--role', 'reviewer', '--json');
    expect(add.code).toBe(0);
    const created = JSON.parse(add.stdout);
    expect(created).toMatchObject({ email: 'Reviewer@Example.test', partner_id: partnerId, role: 'reviewer' });
    expect(created.password.length).toBeGreaterThanOrEqual(20);

    const storage = await openStorage({ dataDir });
    const account = await storage.portal.getAccountByEmail('reviewer@example.test');
    await storage.close();
    expect(account!.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(account!.passwordHash).not.toContain(created.password);
    expect(await verifyPassword(created.password, account!.passwordHash)).toBe(true);
    expect(await verifyPassword(`${created.password}x`, account!.passwordHash)).toBe(false);

    const list = await user('list', '--data', dataDir, '--json');
    expect(JSON.parse(list.stdout).map((a: { email: string }) => a.email)).toContain('Reviewer@Example.test');

    expect((await user('remove', '--data', dataDir, '--email', 'reviewer@example.test')).code).toBe(0);
    expect((await user('remove', '--data', dataDir, '--email', 'reviewer@example.test')).stderr).toContain('no portal account');
  });

  it('refuses duplicates (case-insensitively), unknown partners, bad emails and bad roles', async () => {
    expect((await user('add', '--data', dataDir, '--partner', partnerId, '--email', 'admin@example.test', '--role', 'admin')).code).toBe(0);
    const dup = await user('add', '--data', dataDir, '--partner', partnerId, '--email', 'ADMIN@example.test', '--role', 'admin');
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('already exists');
    const noPartner = await user('add', '--data', dataDir, '--partner', '999', '--email', 'x@example.test', '--role', 'admin');
    expect(noPartner.stderr).toContain('no partner 999');
    const badEmail = await user('add', '--data', dataDir, '--partner', partnerId, '--email', 'not-an-email', '--role', 'admin');
    expect(badEmail.stderr).toContain('is not an email address');
    const badRole = await user('add', '--data', dataDir, '--partner', partnerId, '--email', 'y@example.test', '--role', 'owner');
    expect(badRole.code).not.toBe(0);
    expect(badRole.stderr).toMatch(/admin, reviewer/);
  });
});
