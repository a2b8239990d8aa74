/**
 * @file The portal end to end in real headless Chromium (Debian's package, driven by playwright-core): a reviewer
 * logs in and decides a provisional job with the keyboard; the partner receives the final signed callback and
 * job_status agrees; an admin replays the callback, rotates a key (the old one is then refused by the API) and
 * reads the audit log. Screenshots of the main pages go to test-artifacts/portal/.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import smileIdentityCore from 'smile-identity-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { BACKENDS } from '../helpers/backends.js';
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { burstFrames, HAS_SHARED, REPO_ROOT } from '../helpers/shared-data.js';
import { jobStatus, jobZip, postJson, prepUpload, putZip, signed, waitForJob } from '../helpers/smile-client.js';
import { addAccount, syntheticSelfie, unique, type Credentials } from './portal-helpers.js';

const { Signature } = smileIdentityCore as unknown as {
  Signature: new (partnerId: string, apiKey: string) => { confirm_signature(ts: string, sig: string): boolean };
};

const CHROMIUM = process.env.LIKENESS_CHROMIUM ?? '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
const SKIPPED = HAS_CHROMIUM ? '' : ` — SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run does)`;
if (!HAS_CHROMIUM) console.warn(`portal browser tests skipped: no Chromium at ${CHROMIUM}`);
const SHOTS = join(REPO_ROOT, 'test-artifacts', 'portal');

let engine: FaceEngine;
let ts: TestServer;
let receiver: CallbackReceiver;
let browser: Browser;
let admin: Credentials;
let reviewer: Credentials;

describe.each(BACKENDS)('%s backend', (backend) => {
  beforeAll(async () => {
    if (!HAS_CHROMIUM) return;
    mkdirSync(SHOTS, { recursive: true });
    engine = await createEngine({ workers: 2 });
    ts = await startTestServer({ engine, backend });
    receiver = await startCallbackReceiver();
    admin = await addAccount(ts, 'admin');
    reviewer = await addAccount(ts, 'reviewer');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    await ts?.close();
    await engine?.close();
  });

  async function loggedIn(creds: Credentials): Promise<Page> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, baseURL: ts.origin, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on('dialog', (d) => void d.accept());
    await page.goto('/portal/jobs');
    // Sent to the login form first, then back.
    await expect.poll(() => new URL(page.url()).pathname).toBe('/portal/login');
    await page.getByLabel('Email').fill(creds.email);
    await page.getByLabel('Password').fill(creds.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL('**/portal/jobs');
    return page;
  }

  // The pages are the same on both backends: one set of screenshots, from the embedded run.
  const shot = async (page: Page, name: string) => {
    if (backend === 'embedded') await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  };

  /** Accessibility basics: every visible control has a label (or aria-label), every button and image a name. */
  async function expectLabelled(page: Page): Promise<void> {
    const unlabelled = await page.evaluate(() => {
      const bad: string[] = [];
      document.querySelectorAll('input:not([type=hidden]), select, textarea').forEach((el) => {
        const c = el as HTMLInputElement;
        if (!(c.labels && c.labels.length) && !c.getAttribute('aria-label')) bad.push(c.outerHTML);
      });
      document.querySelectorAll('button').forEach((b) => {
        if (!(b.textContent ?? '').trim() && !b.getAttribute('aria-label')) bad.push(b.outerHTML);
      });
      document.querySelectorAll('img').forEach((i) => {
        if (!i.getAttribute('alt')) bad.push(i.outerHTML);
      });
      return bad;
    });
    expect(unlabelled).toEqual([]);
  }

  describe.skipIf(!HAS_CHROMIUM)(`portal in headless Chromium${SKIPPED}`, () => {
    const userId = unique('browser-user');
    const jobId = unique('browser-job');
    // With the shared photos an approved enrolment registers a real face; without them a reviewer rejects a grey image.
    const approve = HAS_SHARED;
    let smileJobId: number;

    it('a reviewer decides a provisional job with the keyboard; the final signed callback arrives and job_status agrees', async () => {
      const frames = HAS_SHARED ? burstFrames('live-1').map((f) => readFileSync(f)) : [await syntheticSelfie()];
      const prep = await prepUpload(ts, { userId, jobId, jobType: 4, callbackUrl: receiver.url, extra: { sandbox_result: 'provisional' } }, 'sandbox');
      expect(prep.status).toBe(200);
      const zip = await jobZip({ user_id: userId, job_id: jobId, job_type: 4 }, { selfie: frames[0], liveness: frames.slice(1) });
      expect((await putZip(prep.body.upload_url, zip)).status).toBe(200);
      const machine = await waitForJob(ts, userId, jobId, 'sandbox');
      expect(machine.result.IsFinalResult).toBe('false');
      smileJobId = Number(machine.result.SmileJobID);
      const isOurs = (b: Record<string, unknown>) => (b.PartnerParams as Record<string, unknown>)?.job_id === jobId;
      await receiver.waitFor((b) => isOurs(b) && b.IsFinalResult === 'false');

      const page = await loggedIn(reviewer);
      await shot(page, 'login-landing-jobs');
      await page.getByRole('link', { name: 'Review queue' }).click();
      await page.getByRole('link', { name: 'sandbox' }).click();
      await expect.poll(() => page.getByRole('cell', { name: userId, exact: true }).count()).toBe(1);
      await expectLabelled(page);
      await shot(page, 'review-queue');

      await page.getByRole('button', { name: `Review job ${smileJobId} of user ${userId}` }).click();
      await page.waitForURL(`**/portal/review/${smileJobId}`);
      await expect.poll(() => page.getByAltText('Selfie submitted with this job').count()).toBe(1);
      expect(await page.locator('.frames img').count()).toBe(frames.length - 1);
      // Every image shown actually loaded through the session (they load after the page: wait for them to settle).
      await page.waitForFunction(() => [...document.images].every((i) => i.complete), undefined, { timeout: 30_000 });
      const broken = await page.evaluate(() => [...document.images].filter((i) => i.naturalWidth === 0).map((i) => i.alt));
      expect(broken).toEqual([]);
      await expectLabelled(page);
      await shot(page, 'review-job');

      // Keyboard only: type the reason, Tab out of the text box, press the shortcut.
      await page.getByLabel(/Reason/).focus();
      await page.keyboard.type(approve ? 'Same live person as the frames' : 'No face in the selfie');
      await page.keyboard.press('Tab');
      await page.keyboard.press(approve ? 'a' : 'r');
      await page.waitForURL(/\/portal\/review\?env=sandbox&decided=/);
      expect(await page.getByRole('status').textContent()).toContain(approve ? 'approved' : 'rejected');

      const final = await receiver.waitFor((b) => isOurs(b) && b.IsFinalResult === 'true');
      expect(new Signature(ts.partnerId, ts.sandboxKey).confirm_signature(final.timestamp as string, final.signature as string)).toBe(true);
      expect(final.IsMachineResult).toBe('false');
      expect(Object.entries(final.Actions as Record<string, string>).some(([k, v]) => k.startsWith('Human_Review') && v !== 'Not Applicable')).toBe(true);

      const status = (await jobStatus(ts, userId, jobId, 'sandbox')).body;
      expect(status.job_complete).toBe(true);
      expect(status.job_success).toBe(approve);
      for (const key of ['ResultCode', 'ResultText', 'Actions', 'IsFinalResult', 'IsMachineResult', 'SmileJobID', 'ConfidenceValue']) {
        expect(status.result[key], key).toEqual(final[key]);
      }
      const user = await ts.server.ctx.store.getUser(ts.partnerId, 'sandbox', userId);
      if (approve) expect(user?.status === 'active' && user.template !== null).toBe(true);
      else expect(user).toBeNull();
      await page.context().close();
    });

    it.skipIf(!HAS_SHARED)('an authentication under review shows the registered selfie beside the new one; rejecting it fails the job', async () => {
      const frames = burstFrames('live-1').map((f) => readFileSync(f));
      const authJobId = unique('browser-auth');
      const prep = await prepUpload(ts, { userId, jobId: authJobId, jobType: 2, callbackUrl: receiver.url, extra: { sandbox_result: 'provisional' } }, 'sandbox');
      expect(prep.status).toBe(200);
      const zip = await jobZip({ user_id: userId, job_id: authJobId, job_type: 2 }, { selfie: frames[7], liveness: frames.slice(0, 7) });
      expect((await putZip(prep.body.upload_url, zip)).status).toBe(200);
      const authSmileJobId = Number((await waitForJob(ts, userId, authJobId, 'sandbox')).result.SmileJobID);

      const page = await loggedIn(reviewer);
      await page.goto('/portal/review?env=sandbox');
      await page.getByRole('button', { name: `Review job ${authSmileJobId} of user ${userId}` }).press('Enter');
      await page.waitForURL(`**/portal/review/${authSmileJobId}`);
      const registered = page.getByAltText(`Registered selfie of user ${userId}`);
      await expect.poll(() => registered.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0)).toBe(true);
      await shot(page, 'review-authentication');
      await page.getByLabel(/Reason/).focus();
      await page.keyboard.type('Different person from the registered selfie');
      await page.keyboard.press('Tab');
      await page.keyboard.press('r');
      await page.waitForURL(/decided=reject/);
      const final = await receiver.waitFor((b) => (b.PartnerParams as Record<string, unknown>)?.job_id === authJobId && b.IsFinalResult === 'true');
      expect(final.IsMachineResult).toBe('false');
      const status = (await jobStatus(ts, userId, authJobId, 'sandbox')).body;
      expect(status.job_success).toBe(false);
      expect(status.result.ResultCode).toBe(final.ResultCode);
      await page.context().close();
    });

    it('an admin sees the job with its delivery log and replays the callback', async () => {
      const page = await loggedIn(admin);
      await page.getByLabel('Environment').selectOption('sandbox');
      await page.getByLabel('User ID').fill(userId);
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await expect.poll(() => page.getByRole('link', { name: String(smileJobId).padStart(10, '0') }).count()).toBe(1);
      await expectLabelled(page);
      await shot(page, 'jobs-filtered');

      await page.getByRole('link', { name: String(smileJobId).padStart(10, '0') }).click();
      await page.waitForURL(`**/portal/jobs/${smileJobId}`);
      expect(await page.locator('table.deliveries').count()).toBe(2);
      expect(await page.getByRole('row', { name: /Human_Review/ }).count()).toBeGreaterThan(0);
      await shot(page, 'job-page');
      const before = receiver.bodies.filter((b) => (b.PartnerParams as Record<string, unknown>)?.job_id === jobId).length;
      await page.getByRole('button', { name: 'Replay callback' }).click();
      await page.waitForURL(/notice=replayed/);
      await expect
        .poll(() => receiver.bodies.filter((b) => (b.PartnerParams as Record<string, unknown>)?.job_id === jobId).length, { timeout: 20_000 })
        .toBe(before + 1);

      await page.getByRole('link', { name: 'Users' }).click();
      // The portal remembers the environment chosen on the jobs page.
      await expect.poll(() => page.locator('.env-switch strong').textContent()).toMatch(/^sandbox \(\d+ users\)$/);
      await expectLabelled(page);
      await shot(page, 'users');
      if (approve) {
        await page.getByRole('button', { name: `Deactivate user ${userId}` }).click();
        await expect.poll(() => page.getByRole('status').textContent()).toContain(`User ${userId} deactivated.`);
        expect((await ts.server.ctx.store.getUser(ts.partnerId, 'sandbox', userId))!.status).toBe('disabled');
      }
      await page.context().close();
    });

    it('an admin generates a new API key: shown once, and the old key is refused by the API', async () => {
      const page = await loggedIn(admin);
      await page.getByRole('link', { name: 'API keys' }).click();
      expect(await page.locator('#partner-id').textContent()).toBe(ts.partnerId);
      await page.getByRole('button', { name: 'Generate a new sandbox key' }).click();
      const key = await page.getByLabel(/shown only once/).inputValue();
      expect(key).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      await shot(page, 'keys-new-key');

      const list = (k: string) => postJson(`${ts.sandboxUrl}/admin/users/list`, { partner_id: ts.partnerId, ...signed(ts.partnerId, k) });
      expect((await list(ts.sandboxKey)).body.code).toBe('2205');
      expect((await list(key)).status).toBe(200);
      ts.sandboxKey = key;
      // Reloading the keys page does not show it again.
      await page.goto('/portal/keys');
      expect(await page.content()).not.toContain(key);

      await page.getByRole('link', { name: 'Audit log' }).click();
      const log = await page.locator('table').textContent();
      for (const action of ['review.decide', 'callback.replay', 'key.rotate', 'job.view', 'login']) expect(log).toContain(action);
      expect(log).toContain(reviewer.email);
      await shot(page, 'audit-log');

      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL('**/portal/login');
      await page.goto('/portal/keys');
      await page.waitForURL(/\/portal\/login\?next=/);
      await page.context().close();
    });
  });
});
