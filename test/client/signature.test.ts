import { describe, expect, it } from 'vitest';
import { Signature, verifyCallback } from '../../src/client/index.js';
import { computeSignature } from '../../src/client/signature.js';
import { official } from './official-sdk.js';

const PARTNER = '085';
const KEY = 'a-secret-api-key';

describe('Signature (drop-in for the official class)', () => {
  it('produces the same signature as smile-identity-core for ISO and numeric timestamps', () => {
    const ours = new Signature(PARTNER, KEY);
    const theirs = new official.Signature(PARTNER, KEY);
    for (const ts of ['2026-11-21T23:20:35.956Z', 1763767235956]) {
      const a = ours.generate_signature(ts);
      const b = theirs.generate_signature(ts);
      expect(a).toEqual(b);
      expect(a.signature).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    }
  });

  it('confirms signatures made by the official SDK and rejects others without throwing', () => {
    const ts = new Date().toISOString();
    const { signature } = new official.Signature(PARTNER, KEY).generate_signature(ts);
    const ours = new Signature(PARTNER, KEY);
    expect(ours.confirm_signature(ts, signature)).toBe(true);
    expect(ours.confirm_signature(ts, signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')))).toBe(false);
    expect(new Signature('086', KEY).confirm_signature(ts, signature)).toBe(false);
    expect(new Signature(PARTNER, 'other-key').confirm_signature(ts, signature)).toBe(false);
    // The official SDK throws on these; the drop-in answers false.
    expect(ours.confirm_signature('not a date', signature)).toBe(false);
    expect(ours.confirm_signature(ts, undefined as unknown as string)).toBe(false);
  });

  it('signs the received timestamp string as-is (Python and Ruby formats)', () => {
    for (const ts of ['2026-11-21T23:20:35.956123+00:00', '2026-11-21 23:20:35 +0000']) {
      const sig = computeSignature(PARTNER, KEY, ts);
      expect(new official.Signature(PARTNER, KEY).confirm_signature(ts, sig)).toBe(true);
      expect(new Signature(PARTNER, KEY).confirm_signature(ts, sig)).toBe(true);
    }
  });

  it('refuses to sign an invalid timestamp', () => {
    expect(() => new Signature(PARTNER, KEY).generate_signature('yesterday-ish')).toThrow(/Invalid timestamp/);
  });

  it('is consistent with callback verification', () => {
    const ts = new Date().toISOString();
    const { signature } = new Signature(PARTNER, KEY).generate_signature(ts);
    const body = { ResultCode: '0810', ResultText: 'ok', SmileJobID: '0000000001', PartnerParams: { user_id: 'u', job_id: 'j', job_type: 2 }, signature, timestamp: ts };
    expect(verifyCallback(body, { partnerId: PARTNER, apiKey: KEY }).smileJobId).toBe('0000000001');
  });
});
