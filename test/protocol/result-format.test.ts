import { STATUS_CODES } from '../../src/errors/api-errors.js';
import smileIdentityCore from 'smile-identity-core';
import { describe, expect, it } from 'vitest';
import {
  ACTION_KEYS,
  buildActions,
  buildCallbackBody,
  buildJobStatusResponse,
  buildPrepUploadResponse,
  buildRefId,
  buildResult,
  buildV2Response,
  padSmileJobId,
} from '../../src/protocol/result-format.js';

const { Signature } = smileIdentityCore;
const apiKey = 'partner-secret-key';
const partnerId = '085';

const result = buildResult({
  resultCode: '0810',
  resultText: 'Enroll User',
  actions: { Register_Selfie: 'Approved', Selfie_Provided: 'Passed', Liveness_Check: 'Passed' },
  confidence: 99.90000000000001,
  partnerParams: { user_id: 'u1', job_id: 'j1', job_type: 4, campaign: 'spring' },
  smileJobId: padSmileJobId(1897),
  isFinalResult: true,
  isMachineResult: true,
  timestamp: new Date('2026-11-21T23:20:38.000Z'),
});

describe('padSmileJobId', () => {
  it('zero-pads to 10 digits', () => {
    expect(padSmileJobId(1)).toBe('0000000001');
    expect(padSmileJobId(0)).toBe('0000000000');
    expect(padSmileJobId(9_999_999_999)).toBe('9999999999');
  });

  it('rejects what cannot be a 10-digit id', () => {
    for (const n of [-1, 1.5, 10_000_000_000, Number.NaN]) expect(() => padSmileJobId(n)).toThrow(RangeError);
  });
});

describe('buildResult', () => {
  it('has the documented keys, string booleans and string confidence', () => {
    expect(result).toEqual({
      ResultCode: '0810',
      ResultText: 'Enroll User',
      ResultType: 'SAIA',
      SmileJobID: '0000001897',
      JSONVersion: '1.0.0',
      IsFinalResult: 'true',
      IsMachineResult: 'true',
      ConfidenceValue: '99.9',
      PartnerParams: { user_id: 'u1', job_id: 'j1', job_type: 4, campaign: 'spring' },
      Actions: expect.objectContaining({ Register_Selfie: 'Approved', Human_Review_Compare: 'Not Applicable' }),
      Source: 'WebAPI',
      timestamp: '2026-11-21T23:20:38.000Z',
    });
    expect(Object.keys(result.Actions)).toEqual([...ACTION_KEYS]);
  });

  it('writes false flags and a chosen source', () => {
    const pending = buildResult({
      resultCode: '0814',
      resultText: 'Provisional Enroll - Under Review',
      actions: {},
      confidence: '0',
      partnerParams: {},
      smileJobId: '0000000002',
      isFinalResult: false,
      isMachineResult: false,
      source: 'Mobile',
    });
    expect(pending.IsFinalResult).toBe('false');
    expect(pending.IsMachineResult).toBe('false');
    expect(pending.Source).toBe('Mobile');
    expect(pending.ConfidenceValue).toBe('0');
    expect(Date.now() - Date.parse(pending.timestamp)).toBeLessThan(5000);
  });

  it('does not share the caller\'s partner params object', () => {
    const params: Record<string, unknown> = { user_id: 'u' };
    const r = buildResult({ ...baseInput(), partnerParams: params });
    params.user_id = 'changed';
    expect(r.PartnerParams.user_id).toBe('u');
  });
});

function baseInput() {
  return {
    resultCode: '0001',
    resultText: 'Selfie image unusable',
    actions: {},
    confidence: 0,
    partnerParams: {},
    smileJobId: '0000000003',
    isFinalResult: true,
    isMachineResult: true,
  };
}

describe('buildActions', () => {
  it('fills every key with "Not Applicable" unless set', () => {
    const actions = buildActions({ Liveness_Check: 'Failed' });
    expect(actions.Liveness_Check).toBe('Failed');
    expect(Object.values(actions).filter((v) => v === 'Not Applicable')).toHaveLength(ACTION_KEYS.length - 1);
  });
});

describe('buildJobStatusResponse', () => {
  it('is signed so the official SDK confirm_signature accepts it', () => {
    const body = buildJobStatusResponse({
      apiKey,
      partnerId,
      jobComplete: true,
      jobSuccess: true,
      code: STATUS_CODES.JOB_COMPLETE.code,
      smileJobId: '0000000042',
      result,
    });
    expect(Object.keys(body)).toEqual(['timestamp', 'signature', 'job_complete', 'job_success', 'code', 'success', 'smile_job_id', 'result']);
    expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const wire = JSON.parse(JSON.stringify(body));
    expect(new Signature(partnerId, apiKey).confirm_signature(wire.timestamp, wire.signature)).toBe(true);
    expect(new Signature(partnerId, 'other-key').confirm_signature(wire.timestamp, wire.signature)).toBe(false);
    expect(new Signature('86', apiKey).confirm_signature(wire.timestamp, wire.signature)).toBe(false);
  });

  it('signs incomplete responses too, and adds history and image_links only when given', () => {
    const now = new Date('2026-01-02T03:04:05.678Z');
    const body = buildJobStatusResponse({
      apiKey,
      partnerId,
      jobComplete: false,
      jobSuccess: false,
      code: '2314',
      smileJobId: '0000000042',
      result: 'No zip uploaded',
      history: [result],
      imageLinks: { selfie_image: 'https://likeness.example/images/abc?sig=1' },
      now,
    });
    expect(body.timestamp).toBe('2026-01-02T03:04:05.678Z');
    expect(body.result).toBe('No zip uploaded');
    expect(body.history).toEqual([result]);
    expect(body.image_links).toEqual({ selfie_image: 'https://likeness.example/images/abc?sig=1' });
    expect(new Signature(partnerId, apiKey).confirm_signature(body.timestamp, body.signature)).toBe(true);
  });
});

describe('buildCallbackBody', () => {
  it('is the flat result plus a signature the SDK accepts over its own timestamp', () => {
    const now = new Date('2026-11-21T23:21:00.000Z');
    const body = buildCallbackBody({ apiKey, partnerId, result, now });
    const { signature, timestamp, ...rest } = body;
    expect(rest).toEqual((({ timestamp: _t, ...r }) => r)(result));
    expect(timestamp).toBe('2026-11-21T23:21:00.000Z');
    expect(new Signature(partnerId, apiKey).confirm_signature(timestamp, signature)).toBe(true);
  });
});

describe('buildPrepUploadResponse', () => {
  it('has exactly the documented string fields', () => {
    const refId = buildRefId(partnerId, '0000000001');
    expect(refId).toMatch(/^085-0000000001-[A-Za-z0-9_-]{20}$/);
    expect(buildRefId(partnerId, '0000000001')).not.toBe(refId);
    expect(
      buildPrepUploadResponse({ uploadUrl: 'https://h/v1/uploads/abc', refId: 'r', smileJobId: '0000000001' }),
    ).toEqual({
      upload_url: 'https://h/v1/uploads/abc',
      ref_id: 'r',
      smile_job_id: '0000000001',
      camera_config: 'null',
      code: '2202',
    });
  });
});

describe('buildV2Response', () => {
  it('has the mobile v2 shape', () => {
    const body = buildV2Response({
      code: '0810',
      message: 'Enroll User',
      status: 'approved',
      kind: 'enroll',
      jobId: 'job-1',
      userId: 'u1',
      partnerId,
      partnerParams: { k: 'v' },
      createdAt: new Date('2026-01-01T00:00:00.000Z'),
    });
    expect(body).toEqual({
      code: '0810',
      created_at: '2026-01-01T00:00:00.000Z',
      job_id: 'job-1',
      job_type: 'smart_selfie_enrollment',
      message: 'Enroll User',
      partner_id: '085',
      partner_params: { k: 'v' },
      status: 'approved',
      updated_at: '2026-01-01T00:00:00.000Z',
      user_id: 'u1',
    });
    const auth = buildV2Response({
      code: '0001',
      message: 'Selfie image unusable',
      status: 'rejected',
      kind: 'authentication',
      jobId: 'j',
      userId: 'u',
      partnerId,
      partnerParams: {},
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:01.000Z',
    });
    expect(auth.job_type).toBe('smart_selfie_authentication');
    expect(auth.updated_at).toBe('2026-01-01T00:00:01.000Z');
  });
});
