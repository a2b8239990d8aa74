import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { v2HeadersSchema, v2MultipartBodySchema } from '../../src/protocol/schemas.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/errors/api-errors.js';
import { generateSignature, verifySignature } from '../../src/protocol/signature.js';
import { extractV2Auth, parseV2Submission, type V2Request } from '../../src/protocol/v2-multipart.js';

const selfie = randomBytes(1200);
const frames = [randomBytes(800), randomBytes(800)];

/** Parts as the Android SDK sends them (PROTOCOL.md §9). */
function androidRequest(overrides: Partial<V2Request['fields']> = {}): Pick<V2Request, 'fields' | 'files'> {
  return {
    fields: {
      user_id: 'u1',
      partner_params: JSON.stringify({ campaign: 'spring' }),
      callback_url: 'https://cb.example/cb',
      sandbox_result: '0',
      allow_new_enroll: 'false',
      failure_reason: JSON.stringify({ mobile_active_liveness_timed_out: true }),
      metadata: JSON.stringify([{ name: 'sdk', value: 'android' }, { name: 'attempts', value: 2 }]),
      ...overrides,
    },
    files: [
      { field: 'selfie_image', filename: 'selfie.jpg', data: selfie },
      { field: 'liveness_images', filename: 'l0.jpg', data: frames[0]! },
      { field: 'liveness_images', filename: 'l1.jpg', data: frames[1]! },
    ],
  };
}

function expectApiError(fn: () => unknown, code: string, message?: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected an ApiError').toBeInstanceOf(ApiError);
  expect((caught as ApiError).code, (caught as ApiError).message).toBe(code);
  if (message) expect((caught as ApiError).message).toMatch(message);
}

describe('extractV2Auth', () => {
  it('reads the SmileID-* headers whatever their case, and the result verifies', () => {
    const { signature, timestamp } = generateSignature('key', '085');
    const auth = extractV2Auth({
      'smileid-partner-id': '085',
      'SmileID-Request-Signature': signature,
      'SMILEID-TIMESTAMP': timestamp,
      'smileid-source-sdk': 'android',
      'smileid-source-sdk-version': '10.0.0',
      'content-type': 'multipart/form-data; boundary=x',
    });
    expect(auth).toEqual({ partnerId: '085', signature, timestamp, sourceSdk: 'android', sourceSdkVersion: '10.0.0' });
    expect(verifySignature('key', auth.partnerId, auth.timestamp, auth.signature)).toBe(true);
  });

  it('takes the first of repeated headers', () => {
    const auth = extractV2Auth({ 'smileid-partner-id': ['1', '2'], 'smileid-request-signature': 's', 'smileid-timestamp': 't' });
    expect(auth.partnerId).toBe('1');
  });

  it('is a 2205 naming every missing or blank header', () => {
    expectApiError(() => extractV2Auth({}), '2205', /SmileID-Partner-ID, SmileID-Request-Signature, SmileID-Timestamp/);
    expectApiError(
      () => extractV2Auth({ 'smileid-partner-id': '085', 'smileid-request-signature': '  ', 'smileid-timestamp': 't' }),
      '2205',
      /missing SmileID-Request-Signature header/,
    );
  });
});

describe('parseV2Submission', () => {
  it('parses an Android authentication request', () => {
    const parsed = parseV2Submission('authentication', androidRequest());
    expect(parsed.selfie.data.equals(selfie)).toBe(true);
    expect(parsed.selfie.filename).toBe('selfie.jpg');
    expect(parsed.liveness.map((l) => l.data)).toEqual(frames);
    expect(parsed).toMatchObject({
      userId: 'u1',
      partnerParams: { campaign: 'spring' },
      callbackUrl: 'https://cb.example/cb',
      sandboxResult: 0,
      allowNewEnroll: false,
      failureReason: { mobile_active_liveness_timed_out: true },
      metadata: [
        { name: 'sdk', value: 'android' },
        { name: 'attempts', value: 2 },
      ],
    });
  });

  it('takes a minimal enrollment: no user_id, no liveness, blank optional fields omitted', () => {
    const parsed = parseV2Submission('enroll', {
      fields: { callback_url: ' ', partner_params: '', allow_new_enroll: 'true', unknown_field: 'ignored' },
      files: [{ field: 'selfie_image', data: selfie }],
    });
    expect(parsed).toEqual({ selfie: { data: selfie }, liveness: [], partnerParams: {}, allowNewEnroll: true });
  });

  it('requires user_id for authentication and a single non-empty selfie', () => {
    expectApiError(() => parseV2Submission('authentication', androidRequest({ user_id: '' })), '2213', /user_id/);
    const { fields } = androidRequest();
    expectApiError(() => parseV2Submission('enroll', { fields, files: [] }), '2213', /selfie_image/);
    expectApiError(
      () => parseV2Submission('enroll', { fields, files: [{ field: 'selfie_image', data: selfie }, { field: 'selfie_image', data: selfie }] }),
      '2204',
      /exactly one selfie_image/,
    );
    expectApiError(() => parseV2Submission('enroll', { fields, files: [{ field: 'selfie_image', data: Buffer.alloc(0) }] }), '2204', /empty/);
    expectApiError(
      () => parseV2Submission('enroll', { fields, files: [{ field: 'selfie_image', data: selfie }, { field: 'avatar', data: selfie }] }),
      '2204',
      /unexpected file field "avatar"/,
    );
  });

  it('limits the number of liveness images', () => {
    const files = [{ field: 'selfie_image', data: selfie }, ...Array.from({ length: 5 }, () => ({ field: 'liveness_images', data: selfie }))];
    expectApiError(() => parseV2Submission('enroll', { fields: {}, files }, { maxLivenessImages: 4 }), '2290');
    expect(parseV2Submission('enroll', { fields: {}, files }).liveness).toHaveLength(5);
  });

  it('reports bad JSON fields as 2203 and wrong shapes as 2204', () => {
    expectApiError(() => parseV2Submission('enroll', androidRequest({ partner_params: '{bad' })), '2203', /partner_params/);
    expectApiError(() => parseV2Submission('enroll', androidRequest({ partner_params: '["a"]' })), '2204', /partner_params/);
    expectApiError(() => parseV2Submission('enroll', androidRequest({ partner_params: '{"n":1}' })), '2204', /partner_params\.n/);
    expectApiError(() => parseV2Submission('enroll', androidRequest({ metadata: '{"name":"x"}' })), '2204', /metadata/);
    expectApiError(() => parseV2Submission('enroll', androidRequest({ metadata: '[{"value":1}]' })), '2204', /metadata\[0\]/);
    expectApiError(() => parseV2Submission('enroll', androidRequest({ failure_reason: 'true' })), '2204', /failure_reason/);
    expectApiError(() => parseV2Submission('enroll', androidRequest({ failure_reason: '{' })), '2203', /failure_reason/);
    expectApiError(() => parseV2Submission('enroll', androidRequest({ sandbox_result: 'approve' })), '2204', /sandbox_result/);
    expectApiError(() => parseV2Submission('enroll', androidRequest({ allow_new_enroll: 'yes' })), '2204', /allow_new_enroll/);
  });
});

describe('docs/mobile.md', () => {
  it('documents every v2 field and header the OpenAPI document names, and no other', () => {
    const text = readFileSync(join(REPO_ROOT, 'docs', 'mobile.md'), 'utf8');
    const rows = (heading: string) => {
      const section = text.slice(text.indexOf(`## ${heading}`), text.indexOf('\n## ', text.indexOf(`## ${heading}`) + 3));
      return [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]).sort();
    };
    expect(rows('Fields')).toEqual(Object.keys(v2MultipartBodySchema.properties).sort());
    expect(rows('Headers')).toEqual(Object.keys(v2HeadersSchema.properties).sort());
  });
});
