/**
 * @file `POST {base}/token`: a signed, expiring JWT for the hosted web integration, bound to partner, environment,
 * user, job, job type, product and callback URL. The job type follows the user: authentication (2) when the user is
 * enrolled, registration (4) otherwise, as Smile ID's SmartSelfie™ web flow does.
 */
import { apiError } from '../errors/api-errors.js';
import type { TokenResponse } from '../protocol/schemas.js';
import type { Environment } from '../store/types.js';
import type { JobContext } from './context.js';
import { checkCallbackUrl } from './prep-upload.js';
import { authenticateBody } from './request-auth.js';
import { issueWebToken } from './web-token-jwt.js';

/** The products the hosted capture serves; Smile ID's others (KYC, documents) are not part of Likeness. */
export const WEB_PRODUCTS = ['authentication', 'smartselfie'] as const;

export async function webToken(ctx: JobContext, environment: Environment, body: Record<string, unknown>): Promise<TokenResponse> {
  const auth = await authenticateBody(ctx, environment, body);
  for (const key of ['user_id', 'job_id', 'product']) {
    const v = body[key];
    if (v === undefined || v === null || v === '') throw apiError('MISSING_PARAMETER', `${key} is required to get a web token`);
    if (typeof v !== 'string' && typeof v !== 'number') throw apiError('INVALID_PARAMETER_TYPE', `${key} must be a string`);
  }
  const product = String(body.product);
  if (!(WEB_PRODUCTS as readonly string[]).includes(product)) {
    throw apiError('INVALID_PARAMETER_TYPE', `product ${product} is not served by this server: use ${WEB_PRODUCTS.join(' or ')} (SmartSelfie™)`);
  }
  const userId = String(body.user_id);
  const user = await ctx.store.getUser(auth.partnerId, environment, userId);
  const enrolled = user !== null && user.status === 'active' && user.template !== null;
  const now = Math.floor(Date.now() / 1000);
  const token = issueWebToken(ctx.serverSecret, {
    iss: 'likeness',
    partner_id: auth.partnerId,
    environment,
    product,
    callback_url: checkCallbackUrl(ctx, body.callback_url),
    partner_params: { user_id: userId, job_id: String(body.job_id), job_type: enrolled ? 2 : 4 },
    iat: now,
    exp: now + Math.ceil(ctx.config.webTokenTtlMs / 1000),
  });
  return { token } as TokenResponse;
}
