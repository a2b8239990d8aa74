/**
 * @file Portal security over plain HTTPS requests: nothing without a session, a CSRF token on every state change,
 * admin-only actions closed to reviewers, partners kept apart, login rate limiting, session cookies and logout,
 * and exclusive review claims (two reviewers never decide the same job).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { createPartnerWithKeys } from '../../src/jobs/api-keys.js';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { postJson, signed } from '../helpers/smile-client.js';
import { addAccount, PortalClient, provisionalJob, syntheticSelfie, type Credentials, type SubmittedJob } from './portal-helpers.js';

let engine: FaceEngine;
let ts: TestServer;
let admin: Credentials;
let reviewer: Credentials;
let job: SubmittedJob;

describe.each(BACKENDS)('%s backend', (backend) => {
  beforeAll(async () => {
    engine = await createEngine({ workers: 1 });
    ts = await startTestServer({ engine, backend });
    admin = await addAccount(ts, 'admin');
    reviewer = await addAccount(ts, 'reviewer');
    job = await provisionalJob(ts, await syntheticSelfie());
  });
  afterAll(async () => {
    await ts?.close();
    await engine?.close();
  });

  const client = () => new PortalClient(ts.origin);

  /** Every state-changing route, with a valid body apart from the CSRF token. */
  const stateChanges = (): [string, Record<string, string>][] => [
    ['/portal/logout', {}],
    [`/portal/jobs/${job.smileJobId}/replay`, {}],
    [`/portal/review/${job.smileJobId}/claim`, {}],
    [`/portal/review/${job.smileJobId}/release`, {}],
    [`/portal/review/${job.smileJobId}/decide`, { decision: 'approve', reason: 'looks fine' }],
    ['/portal/users/deactivate', { env: 'sandbox', user_id: job.userId }],
    ['/portal/users/reactivate', { env: 'sandbox', user_id: job.userId }],
    ['/portal/users/delete', { env: 'sandbox', user_id: job.userId }],
    ['/portal/keys/rotate', { env: 'sandbox' }],
  ];

  const sandboxKeyWorks = async (key: string) =>
    (await postJson(`${ts.sandboxUrl}/admin/users/list`, { partner_id: ts.partnerId, ...signed(ts.partnerId, key) })).status === 200;

  describe('without a session', () => {
    it('every page redirects to the login form and no image is served', async () => {
      const c = client();
      for (const path of ['/portal/jobs', `/portal/jobs/${job.smileJobId}`, '/portal/review', `/portal/review/${job.smileJobId}`, '/portal/users', '/portal/keys', '/portal/audit']) {
        const res = await c.get(path);
        expect(res.status, path).toBe(303);
        expect(res.location, path).toBe(`/portal/login?${new URLSearchParams({ next: path })}`);
        expect(res.body, path).not.toContain(job.userId);
      }
      for (const path of [`/portal/images/${job.smileJobId}/selfie/0`, `/portal/jobs/${job.smileJobId}/registered-selfie`]) {
        const res = await c.get(path);
        expect(res.status, path).toBe(401);
        expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
      }
    });

    it('every state change is refused', async () => {
      for (const [path, form] of stateChanges()) {
        expect((await client().post(path, { ...form, _csrf: 'x' })).status, path).toBe(401);
      }
      expect(await sandboxKeyWorks(ts.sandboxKey)).toBe(true);
    });

    it('the login page and assets are public, with strict security headers', async () => {
      const res = await client().get('/portal/login');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect((await client().get('/portal/assets/portal.js')).status).toBe(200);
    });
  });

  describe('login', () => {
    it('sets an HttpOnly, Secure, SameSite=Strict session cookie; logout ends the session', async () => {
      const c = client();
      await c.get('/portal/login');
      const res = await c.post('/portal/login', { _csrf: c.csrf(), email: admin.email, password: admin.password });
      expect(res.status).toBe(303);
      const cookie = res.headers.getSetCookie().find((l) => l.startsWith('likeness_session='))!;
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/Secure/);
      expect(cookie).toMatch(/SameSite=Strict/);
      expect(cookie).toMatch(/Path=\/portal/);
      const sessionCookie = c.cookies.get('likeness_session')!;
      expect((await c.get('/portal/jobs')).status).toBe(200);
      expect((await c.post('/portal/logout', { _csrf: c.csrf() })).status).toBe(303);
      // The old cookie is dead server-side, not only cleared in the browser.
      c.cookies.set('likeness_session', sessionCookie);
      expect((await c.get('/portal/jobs')).status).toBe(303);
    });

    it('needs the login form token (no login CSRF)', async () => {
      const c = client();
      const res = await c.post('/portal/login', { _csrf: 'forged', email: admin.email, password: admin.password });
      expect(res.status).toBe(403);
      expect(res.headers.getSetCookie().some((l) => l.startsWith('likeness_session='))).toBe(false);
    });

    it('locks an account out from an address after 5 failures in 15 minutes (429), even with the right password', async () => {
      const victim = await addAccount(ts, 'reviewer');
      const c = client();
      await c.get('/portal/login');
      for (let i = 0; i < 5; i++) {
        expect((await c.post('/portal/login', { _csrf: c.csrf(), email: victim.email, password: 'wrong password' })).status).toBe(401);
      }
      const blocked = await c.post('/portal/login', { _csrf: c.csrf(), email: victim.email, password: victim.password });
      expect(blocked.status).toBe(429);
      expect(blocked.headers.get('retry-after')).toBe('900');
      // Other accounts are unaffected.
      expect((await client().login(admin)).status).toBe(303);
    });

    it('rejects unknown emails like wrong passwords', async () => {
      const c = client();
      await c.get('/portal/login');
      const res = await c.post('/portal/login', { _csrf: c.csrf(), email: 'nobody@example.test', password: 'whatever-password' });
      expect(res.status).toBe(401);
      expect(res.body).toContain('The email or password is wrong.');
    });
  });

  describe('with a session', () => {
    it('every state change needs the session CSRF token', async () => {
      const c = await client().session(admin);
      for (const [path, form] of stateChanges()) {
        expect((await c.post(path, form)).status, `${path} without a token`).toBe(403);
        expect((await c.post(path, { ...form, _csrf: 'A'.repeat(43) })).status, `${path} with a wrong token`).toBe(403);
      }
      // Nothing happened: the key still works, the session is alive, the job is unclaimed and still in review.
      expect(await sandboxKeyWorks(ts.sandboxKey)).toBe(true);
      expect((await c.get('/portal/jobs')).status).toBe(200);
      expect((await c.get(`/portal/review/${job.smileJobId}`)).body).toContain('Claim this job for review');
    });

    it('a reviewer cannot reach admin-only pages or actions (403)', async () => {
      const c = await client().session(reviewer);
      for (const path of ['/portal/users', '/portal/keys', '/portal/audit']) expect((await c.get(path)).status, path).toBe(403);
      await c.get('/portal/jobs');
      const csrf = c.csrf();
      for (const [path, form] of stateChanges().filter(([p]) => /replay|users|keys/.test(p))) {
        expect((await c.post(path, { ...form, _csrf: csrf })).status, path).toBe(403);
      }
      expect(await sandboxKeyWorks(ts.sandboxKey)).toBe(true);
      // Reviewers do see jobs and the queue, without admin links.
      const jobs = await c.get('/portal/jobs?env=sandbox');
      expect(jobs.status).toBe(200);
      expect(jobs.body).not.toContain('href="/portal/keys"');
      expect((await c.get('/portal/review?env=sandbox')).body).toContain(job.userId);
    });

    it("serves a job's images to its partner only", async () => {
      const c = await client().session(admin);
      const img = await c.get(`/portal/images/${job.smileJobId}/selfie/0`);
      expect(img.status).toBe(200);
      expect(img.headers.get('content-type')).toBe('image/jpeg');
      expect(img.headers.get('cache-control')).toBe('private, no-store');

      const other = await createPartnerWithKeys(ts.server.ctx.store, 'Other partner');
      const outsider = await client().session(await addAccount(ts, 'admin', other.partner.partnerId));
      expect((await outsider.get(`/portal/jobs/${job.smileJobId}`)).status).toBe(404);
      expect((await outsider.get(`/portal/images/${job.smileJobId}/selfie/0`)).status).toBe(404);
      expect((await outsider.post(`/portal/review/${job.smileJobId}/claim`, { _csrf: outsider.csrf() })).status).toBe(404);
      expect((await outsider.get('/portal/jobs?env=sandbox')).body).not.toContain(job.jobId);
    });
  });

  describe('review claims', () => {
    it('two reviewers never decide the same job', async () => {
      const target = await provisionalJob(ts, await syntheticSelfie());
      const alice = await client().session(reviewer);
      const bob = await client().session(await addAccount(ts, 'reviewer'));
      const path = `/portal/review/${target.smileJobId}`;

      expect((await alice.post(`${path}/claim`, { _csrf: alice.csrf() })).status).toBe(303);
      const bobClaim = await bob.post(`${path}/claim`, { _csrf: bob.csrf() });
      expect(bobClaim.status).toBe(409);
      expect(bobClaim.body).toContain(reviewer.email);
      // Bob cannot decide without the claim, and his page shows who holds it.
      expect((await bob.post(`${path}/decide`, { _csrf: bob.csrf(), decision: 'approve', reason: 'mine' })).status).toBe(409);
      expect((await bob.get(path)).body).toContain(`${reviewer.email} is reviewing this job`);

      // Alice submits her decision twice at once (double click): exactly one goes through.
      await alice.get(path);
      const form = { _csrf: alice.csrf(), decision: 'reject', reason: 'not the same person' };
      const results = await Promise.all([alice.post(`${path}/decide`, form), alice.post(`${path}/decide`, form)]);
      expect(results.map((r) => r.status).sort()).toEqual([303, 409]);

      const deliveries = await ts.server.ctx.store.getJobBySmileId(target.smileJobId);
      expect(deliveries!.state).toBe('complete');
      expect(deliveries!.result!.isMachineResult).toBe(false);
      expect(deliveries!.result!.category).toBe('rejected');
      // Once decided, nobody can claim or decide it again.
      expect((await bob.post(`${path}/claim`, { _csrf: bob.csrf() })).status).toBe(409);
      expect((await bob.post(`${path}/decide`, { _csrf: bob.csrf(), decision: 'approve', reason: 'x' })).status).toBe(409);
    });

    it('a released claim can be taken by another reviewer; a decision needs a reason', async () => {
      const target = await provisionalJob(ts, await syntheticSelfie());
      const alice = await client().session(reviewer);
      const bob = await client().session(await addAccount(ts, 'reviewer'));
      const path = `/portal/review/${target.smileJobId}`;
      await alice.post(`${path}/claim`, { _csrf: alice.csrf() });
      expect((await alice.post(`${path}/release`, { _csrf: alice.csrf() })).status).toBe(303);
      expect((await bob.post(`${path}/claim`, { _csrf: bob.csrf() })).status).toBe(303);
      expect((await bob.post(`${path}/decide`, { _csrf: bob.csrf(), decision: 'reject', reason: '   ' })).status).toBe(400);
      expect((await ts.server.ctx.store.getJobBySmileId(target.smileJobId))!.state).toBe('review');
    });
  });

  describe('environments', () => {
    it('jobs, review queue and users show both environments with their counts, and remember the last one chosen', async () => {
      const portal = await client().session(admin);
      const first = (await portal.get('/portal/review')).body;
      // A sandbox job under review is visible from the production page.
      expect(first).toMatch(/<strong aria-current="true">production \(\d+ under review\)<\/strong>/);
      const waiting = Number(/sandbox \((\d+) under review\)<\/a>/.exec(first)?.[1]);
      expect(waiting).toBeGreaterThanOrEqual(1);

      expect((await portal.get('/portal/review?env=sandbox')).body).toContain(`<strong aria-current="true">sandbox (${waiting} under review)</strong>`);
      // Later pages without ?env= open on the environment chosen last.
      expect((await portal.get('/portal/review')).body).toContain('<strong aria-current="true">sandbox (');
      const jobs = (await portal.get('/portal/jobs')).body;
      expect(jobs).toMatch(/<strong aria-current="true">sandbox \(\d+ jobs, \d+ under review\)<\/strong>/);
      expect(jobs).toMatch(/<option value="sandbox" selected>/);
      expect((await portal.get('/portal/users')).body).toMatch(/<strong aria-current="true">sandbox \(\d+ users\)<\/strong>/);
      await portal.get('/portal/users?env=production');
      expect((await portal.get('/portal/jobs')).body).toMatch(/<strong aria-current="true">production \(\d+ jobs, \d+ under review\)<\/strong>/);
      // Another browser (no cookie) still opens on production.
      expect((await (await client().session(admin)).get('/portal/review')).body).toContain('<strong aria-current="true">production (');
    });
  });
});
