import { describe, expect, it } from 'vitest';
import { LikenessValidationError, WebApi } from '../../src/client/index.js';
import { official } from './official-sdk.js';

// Nothing listens here: every case must fail validation before any request.
const SERVER = 'https://127.0.0.1:9/v1';
const pp = { user_id: 'user-1', job_id: 'job-1', job_type: 2 };
const selfie = [{ image_type_id: 2, image: 'aGVsbG8=' }];
const poll = { return_job_status: true };

type Args = [unknown, unknown, unknown, unknown];
const cases: Array<[string, Args, string | null, string]> = [
  ['no partner params', [null, selfie, {}, poll], null, 'Please ensure that you send through partner params'],
  ['partner params not an object', ['x', selfie, {}, poll], null, 'Partner params needs to be an object'],
  ['no user_id', [{ ...pp, user_id: '' }, selfie, {}, poll], null, 'Please make sure that user_id is included in the partner params'],
  ['no job_id', [{ ...pp, job_id: undefined }, selfie, {}, poll], null, 'Please make sure that job_id is included in the partner params'],
  ['job_type 0', [{ ...pp, job_type: 0 }, selfie, {}, poll], null, 'Please make sure that job_type is included in the partner params'],
  ['entered without id_number', [pp, selfie, { entered: true, country: 'NG', id_type: 'BVN' }, poll], null, 'Please make sure that id_number is included in the id_info'],
  ['entered not boolean-like', [pp, selfie, { entered: 'maybe' }, poll], null, 'Please make sure that idInfo.entered is either true, false, or undefined'],
  ['return_job_status not boolean', [pp, selfie, {}, { return_job_status: 'yes' }], null, 'return_job_status needs to be a boolean'],
  ['return_history not boolean', [pp, selfie, {}, { ...poll, return_history: 1 }], null, 'return_history needs to be a boolean'],
  ['return_images not boolean', [pp, selfie, {}, { ...poll, return_images: 'true' }], null, 'return_images needs to be a boolean'],
  ['no image details', [pp, null, {}, poll], null, 'Please ensure that you send through image details'],
  ['image details not an array', [pp, { image_type_id: 0 }, {}, poll], null, 'Image details needs to be an array'],
  ['no selfie', [pp, [{ image_type_id: 6, image: 'aGVsbG8=' }], {}, poll], null, 'You need to send through at least one selfie image'],
  ['neither callback nor polling', [pp, selfie, {}, {}], null, 'Please choose to either get your response via the callback or job status query'],
  ['empty callback', [pp, selfie, {}, { optional_callback: '' }], '', 'Please choose to either get your response via the callback or job status query'],
  ['JT1 without ID', [{ ...pp, job_type: 1 }, selfie, {}, poll], null, 'You are attempting to complete a job type 1 without providing an id card image or id info'],
  ['JT6 without ID image', [{ ...pp, job_type: 6 }, selfie, { country: 'NG' }, poll], null, 'You are attempting to complete a Document Verification job without providing an id card image'],
];

async function messageOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as Error).message;
  }
  return '(resolved)';
}

describe('WebApi.submit_job validation matches smile-identity-core@3.2.1', () => {
  it.each(cases)('%s', async (_name, args, callback, expected) => {
    const theirs = new official.WebApi('001', callback, 'key', SERVER);
    const ours = new WebApi('001', callback, 'key', SERVER);
    const officialMessage = await messageOf(theirs.submit_job(...args));
    expect(officialMessage).toBe(expected);
    const promise = (ours.submit_job as (...a: unknown[]) => Promise<unknown>)(...args);
    await expect(promise).rejects.toBeInstanceOf(LikenessValidationError);
    expect(await messageOf(promise)).toBe(officialMessage);
  });

  it('treats a missing id_info as {} where the official SDK crashes with a TypeError', async () => {
    const theirs = new official.WebApi('001', null, 'key', SERVER);
    expect(await messageOf(theirs.submit_job(pp, selfie, undefined, {}))).toMatch(/Cannot read properties of undefined/);
    const ours = new WebApi('001', null, 'key', SERVER);
    expect(await messageOf(ours.submit_job(pp, selfie, undefined, {}))).toBe('Please choose to either get your response via the callback or job status query');
  });

  it('checks return_image_links like the other flags (the official SDK ignores it)', async () => {
    const ours = new WebApi('001', null, 'key', SERVER);
    expect(await messageOf(ours.submit_job(pp, selfie, {}, { ...poll, return_image_links: 'yes' as unknown as boolean }))).toBe('return_image_links needs to be a boolean');
  });

  it('reports an unreadable selfie file before sending anything', async () => {
    const ours = new WebApi('001', null, 'key', SERVER);
    const promise = ours.submit_job(pp, [{ image_type_id: 0, image: '/nonexistent/selfie.jpg' }], {}, poll);
    await expect(promise).rejects.toThrow(/cannot read \/nonexistent\/selfie\.jpg \(file not found\)/);
  });
});

describe('WebApi.get_web_token validation matches smile-identity-core@3.2.1', () => {
  const tokenCases: Array<[string, unknown, string | null, string]> = [
    ['no params', undefined, 'https://cb.example/cb', 'Please ensure that you send through request params'],
    ['params not an object', 'x', 'https://cb.example/cb', 'Request params needs to be an object'],
    ['no callback anywhere', { user_id: 'u', job_id: 'j', product: 'authentication' }, null, 'Callback URL is required for this method'],
    ['no user_id', { job_id: 'j', product: 'authentication' }, 'https://cb.example/cb', 'user_id is required to get a web token'],
    ['no product', { user_id: 'u', job_id: 'j' }, 'https://cb.example/cb', 'product is required to get a web token'],
  ];
  it.each(tokenCases)('%s', async (_name, params, callback, expected) => {
    const theirs = new official.WebApi('001', callback, 'key', SERVER);
    const ours = new WebApi('001', callback, 'key', SERVER);
    expect(await messageOf(theirs.get_web_token(params))).toBe(expected);
    expect(await messageOf(ours.get_web_token(params as never))).toBe(expected);
  });
});
