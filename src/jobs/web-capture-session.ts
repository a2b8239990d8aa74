/**
 * @file What the hosted /capture page needs from a web token before it shows anything: whether the token can still
 * be used (so an expired, spent or altered link fails on the first screen, not after the selfie) and the partner's
 * display name. Checks only; the token is spent by prep_upload (web-upload.ts).
 */
import { API_ERRORS } from '../errors/api-errors.js';
import type { Environment } from '../store/types.js';
import type { JobContext } from './context.js';
import { verifyWebToken, type WebTokenClaims } from './web-token-jwt.js';

export type CaptureSession =
  | { ok: true; claims: WebTokenClaims; partnerName: string }
  | { ok: false; reason: 'token_invalid' | 'token_expired' | 'token_used'; code: string };

export async function openCaptureSession(ctx: JobContext, token: string): Promise<CaptureSession> {
  const check = verifyWebToken(ctx.serverSecret, token);
  if (!check.ok) return check.reason === 'expired' ? { ok: false, reason: 'token_expired', code: API_ERRORS.WEB_TOKEN_EXPIRED.code } : { ok: false, reason: 'token_invalid', code: API_ERRORS.WEB_TOKEN_INVALID.code };
  const { claims } = check;
  const partner = await ctx.store.getPartner(claims.partner_id);
  if (!partner || (claims.environment !== 'production' && claims.environment !== 'sandbox')) return { ok: false, reason: 'token_invalid', code: API_ERRORS.WEB_TOKEN_INVALID.code };
  const job = await ctx.store.getJob(claims.partner_id, claims.environment as Environment, claims.partner_params.job_id);
  if (job && job.state !== 'awaiting_upload') return { ok: false, reason: 'token_used', code: API_ERRORS.WEB_TOKEN_USED.code };
  return { ok: true, claims, partnerName: partner.name };
}
