/**
 * @file Guidance for the capture page: where the engine's own face detector finds the face in a small preview frame,
 * so the page can say "move closer" or "only one face" before the burst. Authorised by the capture's web token
 * (checked, not spent) and counted against the partner's rate limit; the frame is analysed and dropped, never stored.
 */
import { apiError } from '../errors/api-errors.js';
import type { Environment } from '../store/types.js';
import type { JobContext } from './context.js';
import { checkRateLimit } from './rate-limit.js';
import { verifyWebToken } from './web-token-jwt.js';

/** Preview frames are a few KB (320x240 JPEG); anything much bigger is not the page's. */
export const FACE_CHECK_MAX_BYTES = 96 * 1024;

export interface FaceCheck {
  faces: number;
  /** The main face as fractions of the frame: [left, top, width, height]; null without a face. */
  box: [number, number, number, number] | null;
}

export async function webFaceCheck(ctx: JobContext, body: { token?: unknown; image?: unknown }): Promise<FaceCheck> {
  if (typeof body.token !== 'string' || body.token === '') throw apiError('WEB_TOKEN_INVALID', 'token must be a non-empty string');
  const check = verifyWebToken(ctx.serverSecret, body.token);
  if (!check.ok) {
    if (check.reason === 'expired') throw apiError('WEB_TOKEN_EXPIRED', 'The web token has expired: ask the partner for a new one');
    throw apiError('WEB_TOKEN_INVALID', 'The web token is not valid: it was altered or not issued by this server');
  }
  await checkRateLimit(ctx, check.claims.partner_id, check.claims.environment as Environment);
  if (typeof body.image !== 'string' || body.image === '') throw apiError('MISSING_PARAMETER', 'image (a base64 JPEG preview frame) is required');
  const image = Buffer.from(body.image, 'base64');
  if (image.length > FACE_CHECK_MAX_BYTES) throw apiError('PAYLOAD_TOO_LARGE', `image is larger than ${FACE_CHECK_MAX_BYTES / 1024} KB: send a small preview frame`);
  const analysis = await ctx.engine.analyze(image);
  const { width, height, box } = analysis;
  return { faces: analysis.faces, box: box ? [box[0] / width, box[1] / height, (box[2] - box[0]) / width, (box[3] - box[1]) / height] : null };
}
