/** @file `get_web_token` with the official SDK's checks and messages. */
import type { ApiRequests } from '../api-requests.js';
import { LikenessValidationError } from '../errors.js';

export interface TokenRequestParams {
  user_id: string;
  job_id: string;
  product: string;
  callback_url?: string;
  signal?: AbortSignal;
}

export async function getWebToken(requests: ApiRequests, requestParams: TokenRequestParams, defaultCallback: string | null | undefined): Promise<{ token: string }> {
  if (!requestParams) throw new LikenessValidationError('Please ensure that you send through request params');
  if (typeof requestParams !== 'object') throw new LikenessValidationError('Request params needs to be an object');
  const callbackUrl = requestParams.callback_url || defaultCallback;
  if (typeof callbackUrl !== 'string' || callbackUrl.length === 0) throw new LikenessValidationError('Callback URL is required for this method');
  const missingKey = (['user_id', 'job_id', 'product'] as const).find((key) => !requestParams[key]);
  if (missingKey) throw new LikenessValidationError(`${missingKey} is required to get a web token`);
  return requests.token({
    user_id: requestParams.user_id,
    job_id: requestParams.job_id,
    product: requestParams.product,
    callback_url: callbackUrl,
  }, { signal: requestParams.signal });
}
