/**
 * @file `POST {base}/auth_smile`: the mobile SDKs, holding the `auth_token` of smile_config.json instead of an API key,
 * get a request signature and timestamp for this environment (then sent as headers to `/v2` or in `/v1` bodies), and
 * the partner_params of the job they are about to run.
 *
 * The SDK says which environment it wants (`production`); a request that reached the other environment's API is
 * refused saying so, because that is how an Android app pointed at the `/sandbox` prefix shows (its absolute paths
 * land on production; docs/mobile.md).
 */
import { randomUUID } from 'node:crypto';
import { apiError } from '../errors/api-errors.js';
import type { AuthSmileResponse } from '../protocol/auth-smile-schema.js';
import { coerceBoolean } from '../protocol/schemas.js';
import { generateSignature } from '../protocol/signature.js';
import type { Environment } from '../store/types.js';
import type { JobContext } from './context.js';
import { JOB_TYPE, jobKind } from './job-types.js';
import { checkRateLimit } from './rate-limit.js';
import { authTokenMatches } from './sdk-config.js';

export async function authSmile(ctx: JobContext, environment: Environment, body: Record<string, unknown>): Promise<AuthSmileResponse> {
  if (body.production !== undefined && coerceBoolean(body.production, 'production') !== (environment === 'production')) {
    const asked = environment === 'production' ? 'sandbox' : 'production';
    throw apiError(
      'INVALID_PARAMETER_TYPE',
      `This is the ${environment} API but the SDK asked for the ${asked} (production: ${String(body.production)}). ` +
        (asked === 'sandbox'
          ? 'Android reaches the sandbox only on a host name of its own: start the server with --sandbox-url and download smile_config.json again (docs/mobile.md).'
          : 'Initialise the SDK with the smile_config.json and environment that match.'),
    );
  }
  const partnerId = String(body.partner_id);
  const apiKey = await ctx.store.getApiKey(partnerId, environment);
  if (!apiKey || typeof body.auth_token !== 'string' || !authTokenMatches(apiKey, environment, body.auth_token)) {
    throw apiError(
      'UNAUTHORIZED',
      `You are not authorized to do that: auth_token is not partner ${partnerId}'s ${environment} token (a token of the other environment, or made before the ${environment} API key was rotated?)`,
    );
  }
  await checkRateLimit(ctx, partnerId, environment);
  const enrollment = coerceBoolean(body.enrollment, 'enrollment');
  const jobType = typeof body.job_type === 'number' ? body.job_type : enrollment ? JOB_TYPE.ENROLLMENT : JOB_TYPE.AUTHENTICATION;
  jobKind(jobType);
  const { signature, timestamp } = generateSignature(apiKey, partnerId);
  return {
    success: true,
    signature,
    timestamp,
    partner_params: {
      job_id: optionalId(body.job_id) ?? `job-${randomUUID()}`,
      user_id: optionalId(body.user_id) ?? `user-${randomUUID()}`,
      job_type: jobType,
    },
  };
}

function optionalId(value: unknown): string | null {
  return value === undefined || value === null || value === '' ? null : String(value);
}
