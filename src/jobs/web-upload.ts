/**
 * @file prep_upload from a browser (`source_sdk: hosted_web`): authenticated by a /token web token instead of a
 * signature. The token opens exactly its own job: same partner, environment, user_id, job_id and job_type. Using it
 * again while that job still awaits its zip returns a fresh upload URL for the same job (a browser that lost the
 * answer can retry without creating a second job); once the zip has arrived the token is spent.
 */
import { apiError, isApiError } from '../errors/api-errors.js';
import type { Environment } from '../store/types.js';
import type { JobContext } from './context.js';
import { checkPartnerParams } from './job-types.js';
import { openUploadJob, type UploadLinks } from './prep-upload.js';
import { verifyWebToken } from './web-token-jwt.js';

export async function prepUploadWithToken(ctx: JobContext, environment: Environment, body: Record<string, unknown>, links: UploadLinks) {
  if (typeof body.token !== 'string' || body.token === '') throw apiError('WEB_TOKEN_INVALID', 'token must be a non-empty string');
  const check = verifyWebToken(ctx.serverSecret, body.token);
  if (!check.ok) {
    if (check.reason === 'expired') throw apiError('WEB_TOKEN_EXPIRED', 'The web token has expired: ask the partner for a new one');
    throw apiError('WEB_TOKEN_INVALID', 'The web token is not valid: it was altered or not issued by this server');
  }
  const claims = check.claims;
  const clientId = body.smile_client_id ?? body.partner_id;
  if (claims.environment !== environment || (clientId !== undefined && String(clientId) !== claims.partner_id)) {
    throw apiError('WEB_TOKEN_INVALID', `The web token was issued for another partner or environment, not ${String(clientId)} in ${environment}`);
  }
  // The embed merges the partner's own partner_params over the token's; only the job's identity is bound.
  const given = checkPartnerParams(body.partner_params ?? claims.partner_params);
  const bound = claims.partner_params;
  if (given.user_id !== bound.user_id || given.job_id !== bound.job_id || given.job_type !== bound.job_type) {
    throw apiError('PARTNER_PARAMS_MISMATCH', `partner_params do not match the web token (user_id ${bound.user_id}, job_id ${bound.job_id}, job_type ${bound.job_type})`);
  }
  const request = {
    partner_params: given,
    callback_url: claims.callback_url ?? body.callback_url,
    retry: true,
    source_sdk: typeof body.source_sdk === 'string' ? body.source_sdk : 'hosted_web',
    source_sdk_version: body.source_sdk_version,
  };
  try {
    return await openUploadJob(ctx, environment, claims.partner_id, request, links);
  } catch (err) {
    if (isApiError(err) && err.errorName === 'JOB_ALREADY_EXISTS') {
      throw apiError('WEB_TOKEN_USED', `The web token has already been used: job ${bound.job_id} has received its images`);
    }
    throw err;
  }
}
