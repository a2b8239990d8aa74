/**
 * @file The id of the HTTP request a piece of job work runs in, without threading it through every call: the HTTP
 * layer enters it (AsyncLocalStorage) when a request starts, lifecycle log lines read it. Work done by the queue
 * workers runs outside any request and has none; smile_job_id joins its lines to the request's.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const requests = new AsyncLocalStorage<string>();

export function runInRequest(requestId: string, fn: () => void): void {
  requests.run(requestId, fn);
}

export function currentRequestId(): string | undefined {
  return requests.getStore();
}
