/**
 * @file 1:N face search on a running server: the signed API, `likeness search` on the same data directory, the
 * portal's Face search page and duplicate policy, the job page's likely duplicates side by side, and the audit log
 * of every search.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { searchCommand } from '../../src/cli/commands/search.js';
import { partnerCommand } from '../../src/cli/commands/partner.js';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { HAS_SHARED, sharedFile, sharedPath } from '../helpers/shared-data.js';
import { postJson, signed } from '../helpers/smile-client.js';
import { addAccount, PortalClient, portalStoreOf } from '../portal/portal-helpers.js';
import { enrolPhoto } from './search-helpers.js';

/** Runs a CLI command in-process; returns what it printed and its exit code. */
async function cli(cmd: ReturnType<typeof searchCommand>, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  for (const c of [cmd, ...cmd.commands]) c.exitOverride().configureOutput({ writeErr: (e) => (stderr += e) });
  let code = 0;
  try {
    await cmd.parseAsync(args, { from: 'user' });
    code = Number(process.exitCode ?? 0);
  } catch (err) {
    code = (err as { exitCode?: number }).exitCode ?? 1;
  }
  process.exitCode = undefined;
  vi.restoreAllMocks();
  return { stdout, stderr, code };
}

describe.skipIf(!HAS_SHARED)('1:N face search', () => {
  let engine: FaceEngine;
  let ts: TestServer;
  let a: string;
  let aAgain: string;
  let other: string;

  beforeAll(async () => {
    engine = await createEngine({ workers: 2 });
    ts = await startTestServer({ engine });
    a = (await enrolPhoto(ts, 'img1.jpg')).userId;
    other = (await enrolPhoto(ts, 'img13.jpg')).userId;
    // The same person as img1 under another user_id: flagged (the default policy) and enrolled.
    const second = await enrolPhoto(ts, 'img6.jpg');
    expect(second.status.result.IsFinalResult).toBe('true');
    expect(second.status.job_success).toBe(true);
    aAgain = second.userId;
    expect(second.status.result.DuplicateCandidates.map((c: { user_id: string }) => c.user_id)).toEqual([a]);
  });
  afterAll(async () => {
    await ts?.close();
    await engine?.close();
  });
  afterEach(() => vi.restoreAllMocks());

  const search = (body: Record<string, unknown>, key = ts.productionKey) =>
    postJson(`${ts.baseUrl}/admin/search`, { partner_id: ts.partnerId, ...signed(ts.partnerId, key), ...body });

  it('POST /admin/search: the enrolled users of that face, most similar first, audited; signed like every call', async () => {
    const res = await search({ selfie: sharedFile('faces', 'img2.jpg').toString('base64') });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { user_id: string }) => r.user_id).sort()).toEqual([a, aAgain].sort());
    expect(res.body.results[0].similarity).toBeGreaterThanOrEqual(res.body.results[1].similarity);
    expect(res.body.results.map((r: { user_id: string }) => r.user_id)).not.toContain(other);
    expect((await search({ selfie: sharedFile('faces', 'img2.jpg').toString('base64'), limit: 1 })).body.results).toHaveLength(1);
    const [entry] = await portalStoreOf(ts).listAudit(ts.partnerId, { limit: 1 });
    expect(entry).toMatchObject({ action: 'face.search', actorEmail: 'API key', environment: 'production', detail: expect.stringMatching(/^by selfie: 1 result /) });
    expect((await search({ selfie: sharedFile('faces', 'img2.jpg').toString('base64') }, ts.sandboxKey)).body.code).toBe('2205');
    expect((await search({ selfie: 'not base64!' })).body.code).toBe('2204');
    // The sandbox has its own enrolled users: none.
    const sandbox = await postJson(`${ts.sandboxUrl}/admin/search`, { partner_id: ts.partnerId, ...signed(ts.partnerId, ts.sandboxKey), selfie: sharedFile('faces', 'img2.jpg').toString('base64') });
    expect(sandbox.body.results).toEqual([]);
  });

  it('never returns a deleted or deactivated user', async () => {
    const victim = (await enrolPhoto(ts, 'img14.jpg')).userId;
    const probe = () => search({ selfie: sharedFile('faces', 'img15.jpg').toString('base64') });
    expect((await probe()).body.results.map((r: { user_id: string }) => r.user_id)).toContain(victim);
    await postJson(`${ts.baseUrl}/admin/users/deactivate`, { partner_id: ts.partnerId, ...signed(ts.partnerId, ts.productionKey), user_id: victim });
    expect((await probe()).body.results.map((r: { user_id: string }) => r.user_id)).not.toContain(victim);
    await postJson(`${ts.baseUrl}/admin/users/reactivate`, { partner_id: ts.partnerId, ...signed(ts.partnerId, ts.productionKey), user_id: victim });
    expect((await probe()).body.results.map((r: { user_id: string }) => r.user_id)).toContain(victim);
    await postJson(`${ts.baseUrl}/admin/users/delete`, { partner_id: ts.partnerId, ...signed(ts.partnerId, ts.productionKey), user_id: victim });
    expect((await probe()).body.results.map((r: { user_id: string }) => r.user_id)).not.toContain(victim);
  });

  it('likeness search and likeness partner dedup work on the data directory, and the search is audited', async () => {
    const args = ['--data', ts.dataDir, '--partner', ts.partnerId, '--env', 'production'];
    const out = await cli(searchCommand(), [...args, '--selfie', sharedPath('faces', 'img2.jpg'), '--json']);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout).results.map((r: { user_id: string }) => r.user_id).sort()).toEqual([a, aAgain].sort());
    expect((await portalStoreOf(ts).listAudit(ts.partnerId, { limit: 1 }))[0]).toMatchObject({ action: 'face.search', actorEmail: 'operator (likeness search)' });
    const noFace = await cli(searchCommand(), [...args, '--selfie', sharedPath('spoof', 'print-1.jpg').replace('print-1.jpg', 'missing.jpg')]);
    expect(noFace.code).toBe(1);
    expect(noFace.stderr).toMatch(/cannot read .*missing\.jpg: no such file/);
    const set = await cli(partnerCommand(), ['dedup', ...args, '--policy', 'review', '--json']);
    expect(JSON.parse(set.stdout)).toEqual({ partner_id: ts.partnerId, environment: 'production', policy: 'review' });
    expect(await ts.server.ctx.store.getDedupPolicy(ts.partnerId, 'production')).toBe('review');
    expect((await cli(partnerCommand(), ['dedup', ...args, '--policy', 'sometimes'])).stderr).toMatch(/must be one of off, flag, review, reject/);
    await ts.server.ctx.store.setDedupPolicy(ts.partnerId, 'production', 'flag');
  });

  it('the portal: admins search by a registered face and set the policy (both audited); the job page shows the duplicates side by side', async () => {
    const admin = await new PortalClient(ts.origin).session(await addAccount(ts, 'admin'));
    expect((await admin.get('/portal/search')).status).toBe(200);
    const found = await admin.post('/portal/search', { _csrf: admin.csrf(), env: 'production', user_id: a });
    expect(found.status).toBe(200);
    expect(found.body).toContain(aAgain);
    expect(found.body).not.toContain(`<td>${other}</td>`);
    expect((await portalStoreOf(ts).listAudit(ts.partnerId, { limit: 1 }))[0]).toMatchObject({ action: 'face.search', target: a, actorEmail: expect.stringContaining('@') });
    const policy = await admin.post('/portal/search/policy', { _csrf: admin.csrf(), env: 'sandbox', policy: 'reject' });
    expect(policy.status).toBe(303);
    expect(await ts.server.ctx.store.getDedupPolicy(ts.partnerId, 'sandbox')).toBe('reject');
    expect((await portalStoreOf(ts).listAudit(ts.partnerId, { limit: 1 }))[0]).toMatchObject({ action: 'dedup.policy', environment: 'sandbox', detail: 'reject' });
    // The flagged enrolment's page names the other user and shows their registered selfie.
    const job = (await ts.server.ctx.store.listUserJobs(ts.partnerId, 'production', aAgain))[0];
    const page = await admin.get(`/portal/jobs/${job.smileJobId}`);
    expect(page.body).toContain('Likely duplicates');
    expect(page.body).toContain(`/portal/jobs/${job.smileJobId}/duplicates/0`);
    expect((await admin.get(`/portal/jobs/${job.smileJobId}/duplicates/0`)).status).toBe(200);
    expect((await admin.get(`/portal/jobs/${job.smileJobId}/duplicates/1`)).status).toBe(404);
    const reviewer = await new PortalClient(ts.origin).session(await addAccount(ts, 'reviewer'));
    expect((await reviewer.get('/portal/search')).status).toBe(403);
  });
});
