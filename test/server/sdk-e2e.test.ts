/**
 * @file The official `smile-identity-core@3.2.1`, unmodified, against the running server over HTTPS: the seed
 * workflow of a partner that only changed the server URL and keys.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import smileIdentityCore from 'smile-identity-core';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { burstFrames, HAS_SHARED, sharedFile, sharedPath } from '../helpers/shared-data.js';

const { WebApi, Signature } = smileIdentityCore as unknown as {
  WebApi: new (partnerId: string, callback: string | null, apiKey: string, sidServer: string | number) => any;
  Signature: new (partnerId: string, apiKey: string) => { confirm_signature(ts: string, sig: string): boolean };
};

const b64 = (file: string) => sharedFile(file).toString('base64');
let seq = 0;
const ids = (prefix: string) => ({ user_id: `${prefix}-user-${Date.now()}-${++seq}`, job_id: `${prefix}-job-${Date.now()}-${seq}` });

describe.skipIf(!HAS_SHARED).each(BACKENDS)('official Node SDK against Likeness (%s backend)', (backend) => {
  let engine: FaceEngine;
  let ts: TestServer;
  let receiver: CallbackReceiver;
  let api: any;

  beforeAll(async () => {
    engine = await createEngine({ workers: 2 });
    ts = await startTestServer({ engine, backend });
    receiver = await startCallbackReceiver();
    // The seed snippet: new WebApi(partner_id, default_callback, api_key, sid_server) — only URL and key changed.
    api = new WebApi(ts.partnerId, receiver.url, ts.productionKey, ts.baseUrl);
  });
  afterAll(async () => {
    await receiver?.close();
    await ts?.close();
    await engine?.close();
  });

  const enroll = (userId: string, selfie: string) =>
    api.submit_job(
      { user_id: userId, job_id: `enrol-${userId}`, job_type: 4, tier: 'gold' },
      [{ image_type_id: 0, image: sharedPath(selfie) }],
      { entered: 'false' },
      { return_job_status: true, return_history: false, return_images: false },
    );
  const burst = (frames: string[]) => [
    { image_type_id: 0, image: frames[0] },
    ...frames.slice(1).map((f) => ({ image_type_id: 6, image: readFileSync(f).toString('base64') })),
  ];

  it('enrols a user from a real photo (job_type 4) and echoes partner_params extras', async () => {
    const { user_id } = ids('enrol');
    const res = await enroll(user_id, 'faces/img1.jpg');
    expect(res.job_complete).toBe(true);
    expect(res.job_success).toBe(true);
    expect(res.result.PartnerParams).toMatchObject({ user_id, job_type: 4, tier: 'gold' });
    expect(res.result.SmileJobID).toMatch(/^\d{10}$/);
    expect(res.result.Actions.Register_Selfie).toBe('Approved');
    expect(res.result.IsFinalResult).toBe('true');
    expect(new Signature(ts.partnerId, ts.productionKey).confirm_signature(res.timestamp, res.signature)).toBe(true);
  });

  it('authenticates the same person (approved), someone else (rejected) and a printed photo (rejected)', async () => {
    const { user_id } = ids('auth');
    expect((await enroll(user_id, 'faces/img1.jpg')).job_success).toBe(true);
    const authenticate = (selfie: string, jobId: string) =>
      api.submit_job(
        { user_id, job_id: jobId, job_type: 2 },
        [{ image_type_id: 2, image: b64(selfie) }],
        { entered: 'false' },
        { return_job_status: true, return_history: true, return_images: true },
      );
    const same = await authenticate('faces/img2.jpg', `${user_id}-same`);
    expect(same.result.Actions.Selfie_To_Registered_Selfie_Compare).toBe('Completed');
    expect(same.job_success).toBe(true);
    const other = await authenticate('faces/img13.jpg', `${user_id}-other`);
    expect(other.job_success).toBe(false);
    expect(other.result.Actions.Selfie_To_Registered_Selfie_Compare).toBe('Failed');
    expect(other.history.length).toBeGreaterThanOrEqual(3);

    const spoofUser = ids('spoof').user_id;
    expect((await enroll(spoofUser, 'spoof/real-1.jpg')).job_success).toBe(true);
    const print = await api.submit_job(
      { user_id: spoofUser, job_id: `${spoofUser}-print`, job_type: 2 },
      [{ image_type_id: 0, image: sharedPath('spoof/print-1.jpg') }],
      { entered: 'false' },
      { return_job_status: true },
    );
    expect(print.job_success).toBe(false);
    expect(print.result.Actions.Liveness_Check).toBe('Failed');
  });

  it('checks liveness frames sent as base64 (type 6): a live burst passes, a held still photo fails', async () => {
    const live = burstFrames('live-1');
    const { user_id } = ids('burst');
    const enrol = await api.submit_job(
      { user_id, job_id: `${user_id}-enrol`, job_type: 4 },
      burst(live),
      { entered: 'false' },
      { return_job_status: true },
    );
    expect(enrol.job_success).toBe(true);
    expect(enrol.result.Actions.Liveness_Check).toBe('Passed');

    const still = burstFrames('still-1');
    const { user_id: stillUser } = ids('still');
    const stillJob = await api.submit_job(
      { user_id: stillUser, job_id: `${stillUser}-enrol`, job_type: 4 },
      burst(still),
      { entered: 'false' },
      { return_job_status: true },
    );
    expect(stillJob.job_success).toBe(false);
    expect(stillJob.result.Actions.Liveness_Check).toBe('Failed');
  });

  it('delivers a signed callback when return_job_status is false, and the SDK confirms its signature', async () => {
    const { user_id, job_id } = ids('cb');
    const res = await api.submit_job(
      { user_id, job_id, job_type: 4, order: '42' },
      [{ image_type_id: 0, image: sharedPath('faces/img13.jpg') }],
      { entered: 'false' },
      { return_job_status: false },
    );
    expect(res).toMatchObject({ success: true });
    expect(res.smile_job_id).toMatch(/^\d{10}$/);
    const body = await receiver.waitFor((b) => (b.PartnerParams as Record<string, unknown>)?.job_id === job_id);
    expect(body.SmileJobID).toBe(res.smile_job_id);
    expect(body.PartnerParams).toMatchObject({ order: '42' });
    expect(new Signature(ts.partnerId, ts.productionKey).confirm_signature(body.timestamp as string, body.signature as string)).toBe(true);
  });

  it('get_job_status returns history and signed, expiring image links this server serves', async () => {
    const { user_id, job_id } = ids('status');
    await api.submit_job({ user_id, job_id, job_type: 4 }, [{ image_type_id: 0, image: sharedPath('faces/img3.jpg') }], { entered: 'false' }, { return_job_status: true });
    const status = await api.get_job_status({ user_id, job_id, job_type: 4 }, { return_history: true, return_images: true });
    expect(status.job_complete).toBe(true);
    expect(status.history.map((h: { PartnerParams: { job_id: string } }) => h.PartnerParams.job_id)).toContain(job_id);
    const link = new URL(status.image_links.selfie_image);
    const image = await fetch(link);
    expect(image.status).toBe(200);
    expect(Buffer.from(await image.arrayBuffer()).equals(sharedFile('faces/img3.jpg'))).toBe(true);
    // Change the signature's first character (to one it is not: a fixed 'x' left it unchanged 1 time in 64).
    const sig = link.searchParams.get('sig')!;
    link.searchParams.set('sig', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
    expect((await fetch(link)).status).toBe(401);
    const unsigned = new URL(link.pathname, link.origin);
    expect((await fetch(unsigned)).status).toBe(401);
  });

  it('get_web_token returns a token', async () => {
    const { user_id, job_id } = ids('token');
    const res = await api.get_web_token({ user_id, job_id, product: 'authentication', callback_url: receiver.url });
    expect(typeof res.token).toBe('string');
    expect(res.token.length).toBeGreaterThan(20);
  });

  it('refuses a duplicate job_id (2215) and an unknown user (2210) at prep_upload', async () => {
    const { user_id, job_id } = ids('dup');
    await api.submit_job({ user_id, job_id, job_type: 4 }, [{ image_type_id: 0, image: sharedPath('faces/img3.jpg') }], { entered: 'false' }, { return_job_status: true });
    const dup = await api
      .submit_job({ user_id, job_id, job_type: 4 }, [{ image_type_id: 0, image: sharedPath('faces/img3.jpg') }], { entered: 'false' }, { return_job_status: true })
      .catch((e: any) => e);
    expect(dup.response.status).toBe(409);
    expect(dup.response.data.code).toBe('2215');
    const unknown = await api
      .submit_job({ user_id: 'nobody-' + Date.now(), job_id: 'x-' + Date.now(), job_type: 2 }, [{ image_type_id: 0, image: sharedPath('faces/img3.jpg') }], { entered: 'false' }, { return_job_status: true })
      .catch((e: any) => e);
    expect(unknown.response.data.code).toBe('2210');
  });

  it('keeps sandbox and production apart: a production key is refused by the sandbox', async () => {
    const wrongEnv = new WebApi(ts.partnerId, receiver.url, ts.productionKey, ts.sandboxUrl);
    const err = await wrongEnv
      .submit_job({ user_id: 'u', job_id: 'j-' + Date.now(), job_type: 4 }, [{ image_type_id: 0, image: sharedPath('faces/img3.jpg') }], { entered: 'false' }, { return_job_status: true })
      .catch((e: any) => e);
    expect(err.response.data.code).toBe('2205');
  });
});
