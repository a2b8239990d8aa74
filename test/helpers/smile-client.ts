/**
 * @file Minimal signed requests for server tests that need to send what no SDK would (bad input, raw zips).
 */
import JSZip from 'jszip';
import { generateSignature } from '../../src/protocol/signature.js';
import type { TestServer } from './server.js';

export interface RawResponse {
  status: number;
  body: any;
}

export async function postJson(url: string, body: unknown, init: { raw?: string; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.raw ?? JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

export function signed(partnerId: string, apiKey: string): { signature: string; timestamp: string } {
  return generateSignature(apiKey, partnerId);
}

export interface PrepUploadInput {
  userId: string;
  jobId: string;
  jobType: number;
  callbackUrl?: string;
  extra?: Record<string, unknown>;
}

export async function prepUpload(ts: TestServer, input: PrepUploadInput, env: 'production' | 'sandbox' = 'production'): Promise<RawResponse> {
  const key = env === 'production' ? ts.productionKey : ts.sandboxKey;
  const base = env === 'production' ? ts.baseUrl : ts.sandboxUrl;
  return postJson(`${base}/upload`, {
    callback_url: input.callbackUrl ?? null,
    file_name: 'selfie.zip',
    model_parameters: {},
    partner_params: { user_id: input.userId, job_id: input.jobId, job_type: input.jobType },
    smile_client_id: ts.partnerId,
    ...signed(ts.partnerId, key),
    source_sdk: 'test',
    ...input.extra,
  });
}

/** A job zip as the JS SDK builds it: info.json plus selfie files; base64 images inline. */
export async function jobZip(
  params: { user_id: string; job_id: string; job_type: number },
  images: { selfie?: Buffer; liveness?: Buffer[] },
  compression: 'STORE' | 'DEFLATE' = 'STORE',
): Promise<Buffer> {
  const zip = new JSZip();
  const list: Record<string, unknown>[] = [];
  if (images.selfie) {
    zip.file('selfie.jpg', images.selfie);
    list.push({ image_type_id: 0, image: '', file_name: 'selfie.jpg' });
  }
  for (const frame of images.liveness ?? []) list.push({ image_type_id: 6, image: frame.toString('base64'), file_name: '' });
  zip.file(
    'info.json',
    JSON.stringify({
      package_information: { apiVersion: { buildNumber: 0, majorVersion: 2, minorVersion: 0 }, language: 'javascript' },
      misc_information: { retry: 'false', partner_params: params, timestamp: new Date().toISOString(), file_name: 'selfie.zip', smile_client_id: '001' },
      id_info: { entered: 'false' },
      images: list,
      server_information: {},
    }),
  );
  return zip.generateAsync({ type: 'nodebuffer', compression });
}

export async function putZip(uploadUrl: string, zip: Buffer): Promise<RawResponse> {
  const res = await fetch(uploadUrl, { method: 'PUT', headers: { 'content-type': 'application/zip' }, body: new Uint8Array(zip) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

export async function jobStatus(ts: TestServer, userId: string, jobId: string, env: 'production' | 'sandbox' = 'production'): Promise<RawResponse> {
  const key = env === 'production' ? ts.productionKey : ts.sandboxKey;
  const base = env === 'production' ? ts.baseUrl : ts.sandboxUrl;
  return postJson(`${base}/job_status`, { user_id: userId, job_id: jobId, partner_id: ts.partnerId, history: false, image_links: false, ...signed(ts.partnerId, key) });
}

/** Polls job_status until the job is complete. */
export async function waitForJob(ts: TestServer, userId: string, jobId: string, env: 'production' | 'sandbox' = 'production', timeoutMs = 60_000): Promise<any> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await jobStatus(ts, userId, jobId, env);
    if (r.status === 200 && r.body.job_complete) return r.body;
    if (Date.now() > end) throw new Error(`job ${jobId} not complete after ${timeoutMs} ms: ${JSON.stringify(r.body)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}
