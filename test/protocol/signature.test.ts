import { createHmac } from 'node:crypto';
import smileIdentityCore from 'smile-identity-core';
import { describe, expect, it } from 'vitest';
import { generateSignature, verifySignature } from '../../src/protocol/signature.js';

const { Signature } = smileIdentityCore;
const apiKey = 'a2b6c0f4-5e0b-4b0a-9d0b-3c9e6f1e7a11';
const partnerId = '085';

describe('generateSignature', () => {
  it('is base64 HMAC-SHA256 of timestamp ‖ partner_id ‖ "sid_request"', () => {
    const timestamp = '2026-11-21T23:20:35.956Z';
    const expected = createHmac('sha256', apiKey).update(`${timestamp}${partnerId}sid_request`).digest('base64');
    expect(generateSignature(apiKey, partnerId, timestamp)).toEqual({ signature: expected, timestamp });
    expect(expected).toHaveLength(44);
  });

  it('defaults to a fresh ISO timestamp', () => {
    const before = Date.now();
    const { timestamp } = generateSignature(apiKey, partnerId);
    expect(timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(timestamp)).toBeGreaterThanOrEqual(before);
  });

  it('treats partner_id as the issued string: leading zeros matter', () => {
    const ts = '2026-01-01T00:00:00.000Z';
    expect(generateSignature(apiKey, '085', ts).signature).not.toBe(generateSignature(apiKey, '85', ts).signature);
  });

  it('is accepted by the official SDK confirm_signature', () => {
    const sdk = new Signature(partnerId, apiKey);
    const ours = generateSignature(apiKey, partnerId);
    expect(sdk.confirm_signature(ours.timestamp, ours.signature)).toBe(true);
    expect(new Signature(partnerId, 'other-key').confirm_signature(ours.timestamp, ours.signature)).toBe(false);
  });
});

describe('verifySignature', () => {
  it('accepts the official SDK generate_signature (default ISO timestamp)', () => {
    const { signature, timestamp } = new Signature(partnerId, apiKey).generate_signature();
    expect(typeof timestamp).toBe('string');
    expect(verifySignature(apiKey, partnerId, timestamp, signature)).toBe(true);
  });

  it('accepts the JS quirk: epoch-ms timestamp sent as a number, HMACed in ISO form', () => {
    const ms = Date.UTC(2026, 10, 21, 23, 20, 35, 956);
    const { signature, timestamp } = new Signature(partnerId, apiKey).generate_signature(ms);
    expect(timestamp).toBe(ms);
    expect(verifySignature(apiKey, partnerId, timestamp, signature)).toBe(true);
    // As a JSON body coerced to a string by a schema, too.
    expect(verifySignature(apiKey, partnerId, String(ms), signature)).toBe(true);
  });

  it('accepts a numeric string that was itself HMACed as-is', () => {
    const { signature } = generateSignature(apiKey, partnerId, '1700000000000');
    expect(verifySignature(apiKey, partnerId, '1700000000000', signature)).toBe(true);
  });

  it('HMACs the received string as-is: Python and Ruby timestamp formats', () => {
    for (const timestamp of ['2026-11-21T23:20:35.956123+00:00', '2026-11-21 23:20:35 +0000']) {
      const { signature } = generateSignature(apiKey, partnerId, timestamp);
      expect(verifySignature(apiKey, partnerId, timestamp, signature), timestamp).toBe(true);
      expect(new Signature(partnerId, apiKey).confirm_signature(timestamp, signature), timestamp).toBe(true);
    }
  });

  it('rejects a wrong key, wrong partner, other timestamp or altered signature', () => {
    const { signature, timestamp } = generateSignature(apiKey, partnerId);
    expect(verifySignature('wrong-key', partnerId, timestamp, signature)).toBe(false);
    expect(verifySignature(apiKey, '086', timestamp, signature)).toBe(false);
    expect(verifySignature(apiKey, partnerId, '2000-01-01T00:00:00.000Z', signature)).toBe(false);
    const bytes = Buffer.from(signature, 'base64');
    bytes[0] = bytes[0]! ^ 1;
    expect(verifySignature(apiKey, partnerId, timestamp, bytes.toString('base64'))).toBe(false);
  });

  it('answers false, without throwing, for malformed signatures and timestamps', () => {
    const { signature, timestamp } = generateSignature(apiKey, partnerId);
    expect(verifySignature(apiKey, partnerId, timestamp, signature.slice(0, 20))).toBe(false);
    expect(verifySignature(apiKey, partnerId, timestamp, '')).toBe(false);
    expect(verifySignature(apiKey, partnerId, timestamp, '!!!not base64!!!')).toBe(false);
    expect(verifySignature(apiKey, partnerId, timestamp, `${signature}${signature}`)).toBe(false);
    expect(verifySignature(apiKey, partnerId, 'not a date', signature)).toBe(false);
    expect(verifySignature(apiKey, partnerId, timestamp, undefined as unknown as string)).toBe(false);
    expect(verifySignature(apiKey, partnerId, { t: 1 } as unknown as string, signature)).toBe(false);
  });

  it('enforces a freshness window only when asked', () => {
    const now = new Date('2026-06-01T12:00:00.000Z');
    const old = generateSignature(apiKey, partnerId, '2026-06-01T11:00:00.000Z');
    expect(verifySignature(apiKey, partnerId, old.timestamp, old.signature)).toBe(true);
    expect(verifySignature(apiKey, partnerId, old.timestamp, old.signature, { maxAgeMs: 2 * 3600_000, now })).toBe(true);
    expect(verifySignature(apiKey, partnerId, old.timestamp, old.signature, { maxAgeMs: 600_000, now })).toBe(false);
    const future = generateSignature(apiKey, partnerId, '2026-06-01T12:30:00.000Z');
    expect(verifySignature(apiKey, partnerId, future.timestamp, future.signature, { maxAgeMs: 600_000, now })).toBe(false);
    const ms = now.getTime() - 1000;
    const numeric = new Signature(partnerId, apiKey).generate_signature(ms);
    expect(verifySignature(apiKey, partnerId, numeric.timestamp, numeric.signature, { maxAgeMs: 600_000, now })).toBe(true);
    const unparsable = generateSignature(apiKey, partnerId, 'yesterday');
    expect(verifySignature(apiKey, partnerId, 'yesterday', unparsable.signature)).toBe(true);
    expect(verifySignature(apiKey, partnerId, 'yesterday', unparsable.signature, { maxAgeMs: 600_000, now })).toBe(false);
  });
});
