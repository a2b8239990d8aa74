import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/errors/api-errors.js';
import { parseInfoJson, normalisePartnerParams, type PartnerParams } from '../../src/protocol/info-json.js';

const SELFIE = randomBytes(2000);
const LIVENESS = randomBytes(1500);
const files = new Map([
  ['selfie.jpg', SELFIE],
  ['liveness-0.jpg', LIVENESS],
]);
const partnerParams = { user_id: 'u1', job_id: 'j1', job_type: 4, campaign: 'spring' };

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

/** The JS SDK 3.2.1 shape (PROTOCOL.md §3.3): no misc_information.signature, liveness file as a local path. */
function jsInfo(images: unknown[]): string {
  return JSON.stringify({
    package_information: { apiVersion: { buildNumber: 0, majorVersion: 2, minorVersion: 0 }, language: 'javascript' },
    misc_information: {
      retry: 'false',
      partner_params: partnerParams,
      timestamp: '2026-11-21T23:20:35.956Z',
      file_name: 'selfie.zip',
      smile_client_id: '001',
      callback_url: 'https://cb.example/cb',
      userData: { isVerifiedProcess: false, firstName: 'Bill' },
    },
    id_info: { entered: 'false' },
    images,
    server_information: { upload_url: 'https://x/y', ref_id: 'r', smile_job_id: '0000000001', camera_config: 'null', code: '2202' },
  });
}

describe('parseInfoJson: JS SDK', () => {
  it('resolves zip files and base64 images in order', () => {
    const info = jsInfo([
      { image_type_id: 0, image: '', file_name: 'selfie.jpg' },
      { image_type_id: 6, image: LIVENESS.toString('base64'), file_name: '' },
      { image_type_id: 2, image: `data:image/jpeg;base64,${SELFIE.toString('base64')}`, file_name: '' },
    ]);
    const parsed = parseInfoJson(info, files);
    expect(parsed.partnerParams).toEqual(partnerParams);
    expect(parsed.partnerParamsSource).toBe('info_json');
    expect(parsed.callbackUrl).toBe('https://cb.example/cb');
    expect(parsed.retry).toBe(false);
    expect(parsed.timestamp).toBe('2026-11-21T23:20:35.956Z');
    expect(parsed.signature).toBeUndefined();
    expect(parsed.sourceSdk).toBe('javascript');
    expect(parsed.smileClientId).toBe('001');
    expect(parsed.idInfo).toEqual({ entered: 'false' });
    expect(parsed.images.map((i) => [i.typeId, i.role, i.origin, i.fileName])).toEqual([
      [0, 'selfie', 'zip', 'selfie.jpg'],
      [6, 'liveness', 'base64', undefined],
      [2, 'selfie', 'base64', undefined],
    ]);
    expect(parsed.images[0]!.data.equals(SELFIE)).toBe(true);
    expect(parsed.images[1]!.data.equals(LIVENESS)).toBe(true);
    expect(parsed.images[2]!.data.equals(SELFIE)).toBe(true);
    expect(parsed.counts).toEqual({ selfie: 2, liveness: 1, id_front: 0, id_back: 0 });
    expect(parsed.warnings).toEqual([]);
  });

  it('reports liveness files given as a local path (types 4/5) as warnings, not errors', () => {
    const info = jsInfo([
      { image_type_id: 0, image: '', file_name: 'selfie.jpg' },
      { image_type_id: 4, image: '/home/dev/liveness1.jpg', file_name: '' },
      { image_type_id: 5, image: '/home/dev/id-back.jpg', file_name: '' },
    ]);
    const parsed = parseInfoJson(info, files);
    expect(parsed.images).toHaveLength(1);
    expect(parsed.counts.liveness).toBe(0);
    expect(parsed.warnings).toHaveLength(2);
    expect(parsed.warnings[0]).toMatch(/images\[1\].*local path.*type 6/);
  });

  it('leaves "no selfie" to the caller', () => {
    const parsed = parseInfoJson(jsInfo([{ image_type_id: 6, image: LIVENESS.toString('base64') }]), files);
    expect(parsed.counts.selfie).toBe(0);
    expect(parseInfoJson(jsInfo([]), files).images).toEqual([]);
  });

  it('warns when two images name the same zip file', () => {
    const parsed = parseInfoJson(
      jsInfo([
        { image_type_id: 0, file_name: 'selfie.jpg' },
        { image_type_id: 4, file_name: 'selfie.jpg' },
      ]),
      files,
    );
    expect(parsed.images).toHaveLength(2);
    expect(parsed.warnings).toEqual([expect.stringMatching(/same file/)]);
  });
});

describe('parseInfoJson: Python SDK', () => {
  it('accepts server_information as a string and keeps the signature', () => {
    const info = JSON.stringify({
      package_information: { apiVersion: { buildNumber: 0, majorVersion: 2, minorVersion: 0 }, language: 'python' },
      misc_information: {
        signature: 'c2lnbmF0dXJl',
        retry: 'false',
        partner_params: { user_id: 'u2', job_id: 'j2', job_type: 2 },
        timestamp: '2026-11-21T23:20:35.956123+00:00',
        file_name: 'selfie.zip',
        smile_client_id: '001',
        callback_url: '',
        userData: { firstName: '' },
      },
      id_info: {},
      images: [
        { image_type_id: 0, image: '', file_name: 'selfie.jpg' },
        { image_type_id: 4, image: '', file_name: 'liveness-0.jpg' },
      ],
      server_information: 'https://x/upload/selfie.zip?sig=1',
    });
    const parsed = parseInfoJson(Buffer.from(info), files);
    expect(parsed.signature).toBe('c2lnbmF0dXJl');
    expect(parsed.sourceSdk).toBe('python');
    expect(parsed.callbackUrl).toBeUndefined();
    expect(parsed.partnerParams).toEqual({ user_id: 'u2', job_id: 'j2', job_type: 2 });
    expect(parsed.counts).toEqual({ selfie: 1, liveness: 1, id_front: 0, id_back: 0 });
    expect(parsed.images[1]!.data.equals(LIVENESS)).toBe(true);
  });
});

describe('parseInfoJson: Android SDK', () => {
  const expected: PartnerParams = { user_id: 'u3', job_id: 'j3', job_type: 2, extra: 'x' };
  const androidInfo = JSON.stringify({
    images: [
      { image_type_id: '0', file_name: 'selfie.jpg' },
      { image_type_id: '4', file_name: 'liveness-0.jpg' },
    ],
  });

  it('takes partner_params from the prep_upload and string image type ids', () => {
    const parsed = parseInfoJson(androidInfo, files, { expectedPartnerParams: expected });
    expect(parsed.partnerParams).toEqual(expected);
    expect(parsed.partnerParamsSource).toBe('prep_upload');
    expect(parsed.retry).toBe(false);
    expect(parsed.sourceSdk).toBeUndefined();
    expect(parsed.images.map((i) => i.typeId)).toEqual([0, 4]);
  });

  it('without a prep_upload to fall back on, missing partner_params is a 2213', () => {
    expectApiError(() => parseInfoJson(androidInfo, files), '2213', /partner_params/);
  });
});

describe('parseInfoJson: cross-check with the prep_upload', () => {
  it('prefers the signed prep_upload params when info.json agrees', () => {
    const expected = { user_id: 'u1', job_id: 'j1', job_type: 4, from: 'prep_upload' };
    const parsed = parseInfoJson(jsInfo([]), files, { expectedPartnerParams: expected });
    expect(parsed.partnerParams).toEqual(expected);
  });

  it.each(['user_id', 'job_id', 'job_type'] as const)('rejects a different %s (2293)', (key) => {
    const expected: PartnerParams = { user_id: 'u1', job_id: 'j1', job_type: 4 };
    const other = { ...expected, [key]: key === 'job_type' ? 2 : 'other' };
    expectApiError(() => parseInfoJson(jsInfo([]), files, { expectedPartnerParams: other }), '2293', new RegExp(key));
  });
});

describe('parseInfoJson errors', () => {
  it('malformed JSON or a non-object is 2203', () => {
    expectApiError(() => parseInfoJson('{"images": [', files), '2203');
    expectApiError(() => parseInfoJson(Buffer.from([0xff, 0xfe, 0x00]), files), '2203');
    expectApiError(() => parseInfoJson('[]', files), '2203');
    expectApiError(() => parseInfoJson('null', files), '2203');
  });

  it('accepts a UTF-8 byte-order mark', () => {
    expect(parseInfoJson(`\uFEFF${jsInfo([])}`, files).images).toEqual([]);
  });

  it('missing ids, images or zip files are 2213', () => {
    const without = (key: string) => jsInfo([]).replace(`"${key}":"${key === 'user_id' ? 'u1' : 'j1'}",`, '');
    expectApiError(() => parseInfoJson(without('user_id'), files), '2213', /user_id/);
    expectApiError(() => parseInfoJson(without('job_id'), files), '2213', /job_id/);
    expectApiError(() => parseInfoJson(jsInfo([]).replace('"job_type":4', '"job_type":""'), files), '2213', /job_type/);
    expectApiError(() => parseInfoJson(JSON.stringify({ misc_information: { partner_params: partnerParams } }), files), '2213', /images/);
    expectApiError(() => parseInfoJson(jsInfo([{ image_type_id: 0, file_name: 'nope.jpg' }]), files), '2213', /nope\.jpg.*not in the zip/);
    expectApiError(() => parseInfoJson(jsInfo([{ image_type_id: 0, image: '', file_name: '' }]), files), '2213', /file_name/);
    expectApiError(() => parseInfoJson(jsInfo([{ image_type_id: 2, image: '' }]), files), '2213', /images\[0\]\.image/);
    expectApiError(() => parseInfoJson(jsInfo([{ file_name: 'selfie.jpg' }]), files), '2213', /image_type_id/);
  });

  it('accepts every base64 form the SDKs send and decodes each to the same bytes', () => {
    const b64 = LIVENESS.toString('base64');
    const forms = [
      b64,
      b64.replace(/=+$/, ''), // unpadded
      LIVENESS.toString('base64url'),
      `data:image/jpeg;base64,${b64}`,
      b64.replace(/.{76}/g, '$&\n'), // Android's Base64.DEFAULT wraps lines
      ` ${b64}\r\n`,
    ];
    for (const image of forms) {
      const parsed = parseInfoJson(jsInfo([{ image_type_id: 6, image }]), files);
      expect(parsed.images[0].data.equals(LIVENESS)).toBe(true);
    }
    const broken = `${b64.slice(0, 40)}!${b64.slice(41)}`;
    expectApiError(() => parseInfoJson(jsInfo([{ image_type_id: 6, image: broken }]), files), '2204', /base64/);
  });

  it('wrong types and bad values are 2204', () => {
    expectApiError(() => parseInfoJson(jsInfo([]).replace('"job_type":4', '"job_type":"four"'), files), '2204', /job_type/);
    expectApiError(() => parseInfoJson(jsInfo([]).replace('"user_id":"u1"', '"user_id":{"a":1}'), files), '2204', /user_id/);
    expectApiError(() => parseInfoJson(jsInfo([]).replace('"retry":"false"', '"retry":"maybe"'), files), '2204', /retry/);
    expectApiError(() => parseInfoJson(JSON.stringify({ misc_information: 'x', images: [] }), files), '2204');
    expectApiError(() => parseInfoJson(JSON.stringify({ misc_information: { partner_params: partnerParams }, images: {} }), files), '2204', /images must be an array/);
    expectApiError(() => parseInfoJson(jsInfo(['selfie.jpg']), files), '2204', /images\[0\] must be an object/);
    expectApiError(() => parseInfoJson(jsInfo([{ image_type_id: 9, file_name: 'selfie.jpg' }]), files), '2204', /not a known image type/);
    expectApiError(() => parseInfoJson(jsInfo([{ image_type_id: 2, image: '/tmp/selfie.jpg' }]), files), '2204', /base64/);
    expectApiError(() => parseInfoJson(jsInfo([{ image_type_id: 6, image: 'abcde' }]), files), '2204', /base64/);
    expectApiError(() => parseInfoJson(jsInfo([{ image_type_id: 6, image: 42 }]), files), '2204', /base64/);
  });
});

describe('normalisePartnerParams', () => {
  it('normalises ids to strings and job_type to a number, keeping extras in order', () => {
    const out = normalisePartnerParams({ job_type: '2', user_id: 17, job_id: 'j', extra: { nested: true } });
    expect(out).toEqual({ job_type: 2, user_id: '17', job_id: 'j', extra: { nested: true } });
    expect(Object.keys(out)).toEqual(['job_type', 'user_id', 'job_id', 'extra']);
  });

  it('is 2213 when missing and 2204 when not an object', () => {
    expectApiError(() => normalisePartnerParams(undefined), '2213', /^partner_params is missing/);
    expectApiError(() => normalisePartnerParams(['u1']), '2204');
    expectApiError(() => normalisePartnerParams({ user_id: 'u', job_id: 'j', job_type: -1 }), '2204');
    expectApiError(() => normalisePartnerParams({ user_id: 'u', job_id: 'j', job_type: 2.5 }), '2204');
  });
});
