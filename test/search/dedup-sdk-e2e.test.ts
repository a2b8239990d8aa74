/**
 * @file Duplicate enrolments through the official `smile-identity-core@3.2.1`, unmodified: one person enrolled under
 * two user_ids is flagged (job_status and the callback carry DuplicateCandidates), held for review (0814) or rejected
 * (the duplicate code) per the partner's policy; another person is not flagged, and `off` checks nothing. Each
 * policy runs on a partner of its own, so its index holds only its own enrolments.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import smileIdentityCore from 'smile-identity-core';
import { RESULT_CODES } from '../../src/decision/result-codes.js';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { createPartnerWithKeys } from '../../src/jobs/api-keys.js';
import { DUPLICATE_THRESHOLD } from '../../src/search/duplicate-threshold.js';
import type { DedupPolicy } from '../../src/store/types.js';
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { HAS_SHARED, sharedPath } from '../helpers/shared-data.js';

const { WebApi } = smileIdentityCore as unknown as {
  WebApi: new (partnerId: string, callback: string | null, apiKey: string, sidServer: string | number) => any;
};

let seq = 0;

describe.skipIf(!HAS_SHARED)('duplicate enrolments through the official Node SDK', () => {
  let engine: FaceEngine;
  let ts: TestServer;
  let receiver: CallbackReceiver;

  beforeAll(async () => {
    engine = await createEngine({ workers: 2 });
    ts = await startTestServer({ engine });
    receiver = await startCallbackReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await ts?.close();
    await engine?.close();
  });

  /** A partner of its own with this policy (unset = the default), and an SDK client for it. */
  async function partnerWith(policy?: DedupPolicy) {
    const { partner, keys } = await createPartnerWithKeys(ts.server.ctx.store, `dedup-${policy ?? 'default'}`);
    if (policy) await ts.server.ctx.store.setDedupPolicy(partner.partnerId, 'production', policy);
    const api = new WebApi(partner.partnerId, receiver.url, keys.production, ts.baseUrl);
    const enrol = (photo: string) => {
      const userId = `dedup-user-${Date.now()}-${++seq}`;
      return api
        .submit_job(
          { user_id: userId, job_id: `dedup-job-${Date.now()}-${seq}`, job_type: 4 },
          [{ image_type_id: 0, image: sharedPath('faces', photo) }],
          { entered: 'false' },
          { return_job_status: true, return_history: false, return_images: false },
        )
        .then((res: any) => ({ userId, res }));
    };
    return { partnerId: partner.partnerId, enrol };
  }

  it('flags by default: the result is unchanged, job_status and the callback name the other user_id', async () => {
    const p = await partnerWith();
    const a = await enrol1(p, 'img1.jpg');
    expect(a.res.result.DuplicateCandidates).toBeUndefined();
    // img2 is the same person as img1 (../shared/faces/identities.csv: A).
    const b = await p.enrol('img2.jpg');
    expect(b.res.job_success).toBe(true);
    expect(b.res.result.ResultCode).toBe(RESULT_CODES.enroll.approved.code);
    expect(b.res.result.DuplicateCandidates).toEqual([{ user_id: a.userId, similarity: expect.any(Number) }]);
    expect(b.res.result.DuplicateCandidates[0].similarity).toBeGreaterThanOrEqual(DUPLICATE_THRESHOLD);
    const callback = await receiver.waitFor((body) => (body.PartnerParams as { user_id?: string }).user_id === b.userId, 30_000);
    expect(callback.DuplicateCandidates).toEqual(b.res.result.DuplicateCandidates);
    expect(await ts.server.ctx.store.getUser(p.partnerId, 'production', b.userId)).toMatchObject({ status: 'active' });
    // Someone else (B in identities.csv) is not flagged.
    const other = await p.enrol('img13.jpg');
    expect(other.res.job_success).toBe(true);
    expect(other.res.result.DuplicateCandidates).toBeUndefined();
  });

  it('review: the second enrolment is provisional (0814), not registered until a person decides', async () => {
    const p = await partnerWith('review');
    const a = await enrol1(p, 'img1.jpg');
    const b = await p.enrol('img2.jpg');
    expect(b.res.result).toMatchObject({ ResultCode: RESULT_CODES.enroll.provisional.code, IsFinalResult: 'false' });
    expect(b.res.result.Actions.Register_Selfie).toBe('Under Review');
    expect(b.res.result.DuplicateCandidates.map((c: { user_id: string }) => c.user_id)).toEqual([a.userId]);
    expect(await ts.server.ctx.store.getUser(p.partnerId, 'production', b.userId)).toBeNull();
  });

  it('reject: the second enrolment fails with the duplicate code; another person still enrols', async () => {
    const p = await partnerWith('reject');
    const a = await enrol1(p, 'img1.jpg');
    const b = await p.enrol('img2.jpg');
    expect(b.res.job_success).toBe(false);
    expect(b.res.result).toMatchObject({ ResultCode: RESULT_CODES.enroll.duplicate.code, ResultText: RESULT_CODES.enroll.duplicate.text });
    expect(b.res.result.Actions.Register_Selfie).toBe('Rejected');
    expect(b.res.result.DuplicateCandidates[0].user_id).toBe(a.userId);
    expect(await ts.server.ctx.store.getUser(p.partnerId, 'production', b.userId)).toBeNull();
    expect((await p.enrol('img13.jpg')).res.job_success).toBe(true);
  });

  it('off: nothing is searched or recorded', async () => {
    const p = await partnerWith('off');
    await enrol1(p, 'img1.jpg');
    const b = await p.enrol('img2.jpg');
    expect(b.res.job_success).toBe(true);
    expect(b.res.result.DuplicateCandidates).toBeUndefined();
  });

  async function enrol1(p: Awaited<ReturnType<typeof partnerWith>>, photo: string) {
    const first = await p.enrol(photo);
    expect(first.res.job_success).toBe(true);
    return first;
  }
});
