/**
 * @file The results Smile ID's SmartSelfie(TM) Authentication page shows (../shared/PROTOCOL.md §7.2), rebuilt from real
 * jobs: the official Node SDK's synchronous answer for an authentication sent to human review, and the signed callback
 * once a reviewer passed it. Real server, real engine, real photos; a person decides through the portal over HTTP.
 *
 * The deployment's anti-spoof threshold is set just above what the engine measures on these two photos, so the
 * liveness check is the uncertain one, as in the documented example. Values that differ per job (ids, timestamps,
 * signatures, confidence, links) are compared by shape; every other documented value must be equal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import smileIdentityCore from 'smile-identity-core';
import { Ajv } from 'ajv';
import { DEFAULT_THRESHOLDS } from '../../src/decision/thresholds.js';
import { callbackBodySchema } from '../../src/protocol/response-schemas.js';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { addAccount, PortalClient } from '../portal/portal-helpers.js';
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { HAS_SHARED, sharedFile, sharedPath } from '../helpers/shared-data.js';

const { WebApi } = smileIdentityCore as unknown as {
  WebApi: new (partnerId: string, callback: string | null, apiKey: string, sidServer: string) => any;
};

/** A value the documentation shows as an example of a varying field: only its shape must agree. */
class Shape {
  constructor(readonly pattern: RegExp) {}
}
const DIGITS10 = new Shape(/^\d{10}$/);
const ISO_TIME = new Shape(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
const SIGNATURE = new Shape(/^[A-Za-z0-9+/]+={0,2}$/);
const CONFIDENCE = new Shape(/^\d{1,3}(\.\d+)?$/);
const TEXT = new Shape(/^.+$/);
const URL = new Shape(/^https:\/\/\S+$/);

type Documented = { [key: string]: string | boolean | Shape | Documented | Documented[] };

const notApplicable = (keys: string[]): Record<string, string> => Object.fromEntries(keys.map((k) => [k, 'Not Applicable']));
const OTHER_ACTIONS = [
  'Register_Selfie', 'Selfie_Check', 'Update_Registered_Selfie_On_File', 'Human_Review_Compare', 'Human_Review_Selfie_Check',
  'Human_Review_Update_Selfie', 'Verify_ID_Number', 'Return_Personal_Info', 'Selfie_To_ID_Authority_Compare',
  'Selfie_To_ID_Card_Compare', 'Document_Check', 'Human_Review_Document_Check', 'Verify_Document',
];

/** The documented callback of an authenticated user (a human had looked at liveness). */
const DOCUMENTED_CALLBACK = (partnerParams: Documented): Documented => ({
  ResultCode: '1220',
  ResultText: 'Authenticated',
  Source: 'WebAPI',
  ConfidenceValue: CONFIDENCE,
  SmileJobID: DIGITS10,
  PartnerParams: partnerParams,
  Actions: {
    Liveness_Check: 'Passed',
    Selfie_Provided: 'Passed',
    Selfie_To_Registered_Selfie_Compare: 'Completed',
    Human_Review_Liveness_Check: 'Passed',
    ...notApplicable(OTHER_ACTIONS),
  },
  timestamp: ISO_TIME,
  signature: SIGNATURE,
});

/** The documented `result` of a job sent to human review, as in job_status and its history. */
const DOCUMENTED_REVIEW_RESULT = (partnerParams: Documented): Documented => ({
  ResultCode: '0824',
  ResultText: 'Provisional Authentication - Under Review',
  ConfidenceValue: CONFIDENCE,
  SmileJobID: DIGITS10,
  PartnerParams: partnerParams,
  Actions: {
    Liveness_Check: 'Under Review',
    Selfie_Provided: 'Passed',
    Selfie_To_Registered_Selfie_Compare: 'Completed',
    Human_Review_Liveness_Check: 'Not Applicable',
    ...notApplicable(OTHER_ACTIONS),
  },
});

/** Every documented key is present with the documented value (or shape); returns the paths that differ. */
function differences(actual: unknown, documented: Documented | Documented[], path = ''): string[] {
  const out: string[] = [];
  for (const [key, want] of Object.entries(documented)) {
    const at = `${path}${path ? '.' : ''}${key}`;
    const got = (actual as Record<string, unknown> | null)?.[key];
    if (want instanceof Shape) {
      if (typeof got !== 'string' || !want.pattern.test(got)) out.push(`${at}: ${JSON.stringify(got)} is not shaped like ${want.pattern}`);
    } else if (typeof want === 'object') {
      if (typeof got !== 'object' || got === null) out.push(`${at}: missing`);
      else out.push(...differences(got, want, at));
    } else if (got !== want) {
      out.push(`${at}: ${JSON.stringify(got)}, documented ${JSON.stringify(want)}`);
    }
  }
  return out;
}

describe.skipIf(!HAS_SHARED)('the SmartSelfie Authentication results as Smile ID documents them, from real jobs', () => {
  let engine: FaceEngine;
  let ts: TestServer;
  let receiver: CallbackReceiver;
  let api: any;
  let portal: PortalClient;
  const userId = `documented-${Date.now()}`;

  beforeAll(async () => {
    engine = await createEngine({ workers: 2 });
    const scores = await Promise.all(['img1.jpg', 'img2.jpg'].map(async (f) => (await engine.smartSelfie({ selfie: sharedFile('faces', f), liveness: [] })).liveness.spoofScore));
    const spoof = Math.max(...scores) + 0.01;
    const spoofReviewBand = spoof - Math.min(...scores) + 0.01;
    ts = await startTestServer({ engine, thresholds: { ...DEFAULT_THRESHOLDS, spoof, spoofReviewBand } });
    receiver = await startCallbackReceiver();
    api = new WebApi(ts.partnerId, receiver.url, ts.productionKey, ts.baseUrl);
    portal = await new PortalClient(ts.origin).session(await addAccount(ts, 'reviewer'));
  }, 120_000);
  afterAll(async () => {
    await receiver?.close();
    await ts?.close();
    await engine?.close();
  });

  const approveReview = async (smileJobId: string, reason: string) => {
    const path = `/portal/review/${Number(smileJobId)}`;
    await portal.get(path);
    expect((await portal.post(`${path}/claim`, { _csrf: portal.csrf() })).status).toBe(303);
    await portal.get(path);
    expect((await portal.post(`${path}/decide`, { _csrf: portal.csrf(), decision: 'approve', reason })).status).toBe(303);
  };

  it('answers an authentication under review and calls back the human-approved result key for key as documented', async () => {
    // Enrolment lands in review too (same uncertain liveness): a reviewer passes it, which registers the user.
    const enrol = await api.submit_job(
      { user_id: userId, job_id: `${userId}-enrol`, job_type: 4 },
      [{ image_type_id: 0, image: sharedPath('faces', 'img1.jpg') }],
      { entered: 'false' },
      { return_job_status: true },
    );
    expect(enrol.result.ResultText).toBe('Provisional Enroll - Under Review');
    await approveReview(enrol.result.SmileJobID, 'live person');

    const jobId = `${userId}-auth`;
    const answer = await api.submit_job(
      { user_id: userId, job_id: jobId, job_type: 2 },
      [{ image_type_id: 0, image: sharedPath('faces', 'img2.jpg') }],
      { entered: 'false' },
      { return_job_status: true, return_history: true, return_images: true },
    );
    const partnerParams = { user_id: userId, job_id: jobId, job_type: '2' };
    // The SDK echoes job_type as it was sent (a number); Smile ID's page shows the string "2".
    const sentParams = { ...partnerParams, job_type: 2 } as unknown as Documented;
    const review = DOCUMENTED_REVIEW_RESULT(sentParams);
    const documentedAnswer: Documented = {
      job_complete: true,
      job_success: true,
      code: '2302',
      success: true,
      smile_job_id: DIGITS10,
      timestamp: ISO_TIME,
      signature: SIGNATURE,
      result: review,
      image_links: { selfie_image: URL },
    };
    expect(differences(answer, documentedAnswer)).toEqual([]);
    expect(answer.smile_job_id).toBe(answer.result.SmileJobID);
    const entry = answer.history.find((h: { SmileJobID: string }) => h.SmileJobID === answer.smile_job_id);
    expect(differences(entry, review)).toEqual([]);
    const image = await fetch(answer.image_links.selfie_image);
    expect(image.status).toBe(200);
    expect(Buffer.from(await image.arrayBuffer()).equals(sharedFile('faces', 'img2.jpg'))).toBe(true);
    // The partner hears of the provisional result too, with the same values.
    const provisional = await receiver.waitFor((b) => (b.PartnerParams as Record<string, unknown>)?.job_id === jobId);
    expect(differences(provisional, { ...review, timestamp: ISO_TIME, signature: SIGNATURE, Source: 'WebAPI' })).toEqual([]);

    await approveReview(answer.smile_job_id, 'same live person as the enrolment');
    const final = await receiver.waitFor((b) => (b.PartnerParams as Record<string, unknown>)?.job_id === jobId && b.IsFinalResult === 'true');
    expect(differences(final, DOCUMENTED_CALLBACK(sentParams))).toEqual([]);
    expect(final).toMatchObject({ IsMachineResult: 'false', ResultType: 'SAIA', JSONVersion: '1.0.0' });
    // Both callbacks are what the OpenAPI document says a callback is.
    const ajv = new Ajv({ strict: false, allErrors: true, formats: { 'date-time': true } });
    for (const body of [provisional, final]) expect(ajv.validate(callbackBodySchema, body), ajv.errorsText()).toBe(true);
    const status = await api.get_job_status({ user_id: userId, job_id: jobId, job_type: 2 }, { return_history: false, return_images: false });
    expect(status).toMatchObject({ job_complete: true, job_success: true, code: '2302' });
    expect(differences(status.result, DOCUMENTED_CALLBACK(sentParams)).filter((d) => !/^(timestamp|signature)/.test(d))).toEqual([]);
  }, 180_000);
});
