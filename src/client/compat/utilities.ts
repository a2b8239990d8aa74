/** @file `Utilities`, the official SDK's job_status helper, with the same signature-checked result. */
import { ApiRequests, type ConnectionOptions } from '../api-requests.js';
import type { JobStatusResponse } from '../result-types.js';
import type { OptionsParam } from './web-api.js';

export class Utilities {
  partnerId: string;
  apiKey: string;
  url: string;
  private readonly requests: ApiRequests;

  constructor(partner_id: string, api_key: string, sid_server: string | number, options: ConnectionOptions = {}) {
    this.partnerId = partner_id;
    this.apiKey = api_key;
    this.requests = new ApiRequests(sid_server, { partnerId: partner_id, apiKey: api_key }, options);
    this.url = this.requests.baseUrl;
  }

  get_job_status(userId: string | number, jobId: string | number, options: OptionsParam = { return_history: false, return_images: false }): Promise<JobStatusResponse> {
    return this.requests.jobStatus(userId, jobId, {
      history: Boolean(options?.return_history),
      imageLinks: Boolean(options?.return_images || options?.return_image_links),
      signal: options?.signal,
    });
  }
}
