import { describe, expect, it } from 'vitest';
import { LikenessSignatureError, LikenessValidationError, verifyCallback } from '../../src/client/index.js';
import { computeSignature } from '../../src/client/signature.js';
import { official } from './official-sdk.js';

const partnerId = '042';
const apiKey = 'callback-key';

function signed(result: Record<string, unknown>, timestamp = new Date().toISOString()): Record<string, unknown> {
  return { ...result, timestamp, signature: computeSignature(partnerId, apiKey, timestamp) };
}

const approvedAuth = {
  Actions: { Liveness_Check: 'Passed', Selfie_To_Registered_Selfie_Compare: 'Completed', Register_Selfie: 'Not Applicable' },
  ConfidenceValue: '99.5',
  PartnerParams: { user_id: 'user-7', job_id: 'job-7', job_type: '2', order: 'A-1' },
  ResultCode: '1220',
  ResultText: 'Authenticated',
  ResultType: 'SAIA',
  SmileJobID: '0000000042',
  IsFinalResult: 'true',
};

describe('verifyCallback', () => {
  it('accepts a raw JSON body signed as the official SDK verifies it, and types it', () => {
    const body = signed(approvedAuth);
    expect(new official.Signature(partnerId, apiKey).confirm_signature(body.timestamp as string, body.signature as string)).toBe(true);
    const verified = verifyCallback(JSON.stringify(body), { partnerId, apiKey });
    expect(verified).toMatchObject({
      outcome: 'approved', userId: 'user-7', jobId: 'job-7', jobType: 2, smileJobId: '0000000042', resultCode: '1220', confidence: 99.5,
    });
    expect(verified.body.PartnerParams.order).toBe('A-1');
    expect(verifyCallback(Buffer.from(JSON.stringify(body)), { partnerId, apiKey }).outcome).toBe('approved');
  });

  it('throws LikenessSignatureError for a tampered body, a wrong key or a missing signature', () => {
    const body = signed(approvedAuth);
    // The signature covers only timestamp + partner id, so tampering with the body is caught only via the timestamp.
    expect(() => verifyCallback({ ...body, timestamp: new Date(Date.now() + 1000).toISOString() }, { partnerId, apiKey })).toThrow(LikenessSignatureError);
    expect(() => verifyCallback(body, { partnerId, apiKey: 'other' })).toThrow(LikenessSignatureError);
    expect(() => verifyCallback(body, { partnerId: '043', apiKey })).toThrow(/does not verify/);
    const { signature: _s, ...unsigned } = body;
    expect(() => verifyCallback(unsigned, { partnerId, apiKey })).toThrow(/no signature/);
  });

  it('falls back to SmileID-* headers when the body carries no signature', () => {
    const ts = new Date().toISOString();
    const headers = { 'SmileID-Request-Signature': computeSignature(partnerId, apiKey, ts), 'SmileID-Timestamp': ts };
    expect(verifyCallback(approvedAuth, { partnerId, apiKey, headers }).jobId).toBe('job-7');
    expect(verifyCallback(approvedAuth, { partnerId, apiKey, headers: new Headers(headers) }).jobId).toBe('job-7');
  });

  it('refuses stale callbacks when maxAgeMs is set', () => {
    const old = signed(approvedAuth, new Date(Date.now() - 10 * 60_000).toISOString());
    expect(verifyCallback(old, { partnerId, apiKey }).outcome).toBe('approved');
    expect(() => verifyCallback(old, { partnerId, apiKey, maxAgeMs: 60_000 })).toThrow(/outside the accepted window/);
  });

  it('rejects bodies that are not callbacks', () => {
    expect(() => verifyCallback('not json', { partnerId, apiKey })).toThrow(LikenessValidationError);
    expect(() => verifyCallback('[1]', { partnerId, apiKey })).toThrow(/not a JSON object/);
    expect(() => verifyCallback(signed({ hello: 1 }), { partnerId, apiKey })).toThrow(/no ResultCode/);
  });

  it('derives the outcome: failed or skipped checks reject, review actions mean under review', () => {
    const spoof = signed({ ...approvedAuth, ResultCode: '0907', Actions: { Liveness_Check: 'Failed', Selfie_To_Registered_Selfie_Compare: 'Passed' } });
    expect(verifyCallback(spoof, { partnerId, apiKey }).outcome).toBe('rejected');
    const corrupt = signed({ ...approvedAuth, ResultCode: '0903', Actions: { Liveness_Check: 'Not Done', Register_Selfie: 'Not Done' } });
    expect(verifyCallback(corrupt, { partnerId, apiKey }).outcome).toBe('rejected');
    const review = signed({ ...approvedAuth, IsFinalResult: 'false', Actions: { Human_Review_Compare: 'Under Review' } });
    expect(verifyCallback(review, { partnerId, apiKey }).outcome).toBe('under_review');
  });
});
