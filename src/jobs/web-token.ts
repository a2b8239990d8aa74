/**
 * @file `POST {base}/token`: a short-lived token for the hosted web integration, bound to partner, user and job.
 */
import { apiError } from '../errors/api-errors.js';
import { TOKEN_PRODUCTS, type TokenResponse } from '../protocol/schemas.js';
import type { Environment } from '../store/types.js';
import { issueWebToken } from './capabilities.js';
import type { JobContext } from './context.js';
import { checkCallbackUrl } from './prep-upload.js';
import { authenticateBody } from './request-auth.js';

export const WEB_TOKEN_TTL_MS = 60 * 60_000;

export async function webToken(ctx: JobContext, environment: Environment, body: Record<string, unknown>): Promise<TokenResponse> {
  const auth = await authenticateBody(ctx, environment, body);
  for (const key of ['user_id', 'job_id', 'product']) {
    const v = body[key];
    if (v === undefined || v === null || v === '') throw apiError('MISSING_PARAMETER', `${key} is required to get a web token`);
    if (typeof v !== 'string' && typeof v !== 'number') throw apiError('INVALID_PARAMETER_TYPE', `${key} must be a string`);
  }
  const product = String(body.product);
  if (!(TOKEN_PRODUCTS as readonly string[]).includes(product)) {
    throw apiError('INVALID_PARAMETER_TYPE', `product must be one of ${TOKEN_PRODUCTS.join(', ')}`);
  }
  const token = issueWebToken(ctx.serverSecret, {
    partner_id: auth.partnerId,
    environment,
    user_id: String(body.user_id),
    job_id: String(body.job_id),
    product,
    callback_url: checkCallbackUrl(ctx, body.callback_url),
    exp: Date.now() + WEB_TOKEN_TTL_MS,
  });
  return { token } as TokenResponse;
}
