/** @file Enrolling real photos for the search tests. */
import { expect } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { sharedFile } from '../helpers/shared-data.js';
import { jobZip, prepUpload, putZip, waitForJob } from '../helpers/smile-client.js';
import { unique } from '../portal/portal-helpers.js';

/** Enrols a photo of ../shared/faces under a new user_id; returns the user_id and the job_status answer. */
export async function enrolPhoto(ts: TestServer, photo: string, prefix = 'fs'): Promise<{ userId: string; status: any }> {
  const userId = unique(`${prefix}-u`);
  const jobId = unique(`${prefix}-j`);
  const prep = await prepUpload(ts, { userId, jobId, jobType: 4 });
  expect(prep.status).toBe(200);
  expect((await putZip(prep.body.upload_url, await jobZip({ user_id: userId, job_id: jobId, job_type: 4 }, { selfie: sharedFile('faces', photo) }))).status).toBe(200);
  return { userId, status: await waitForJob(ts, userId, jobId) };
}

