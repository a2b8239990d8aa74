/**
 * @file Polls job_status until the job completes, the deadline passes or the caller aborts — the mobile SDKs'
 * `jobStatusPollingTimeoutMillis` semantics. Transient failures are ridden out until the deadline; 4xx answers and bad
 * signatures end the wait at once.
 */
import type { ApiRequests } from './api-requests.js';
import { LikenessAbortError, LikenessJobTimeoutError } from './errors.js';
import { isRetryable, sleep } from './retry-policy.js';
import type { JobStatusResponse } from './result-types.js';

export interface WaitOptions {
  /** Give up after this long (from the call). Default 120 000 ms. */
  timeoutMs?: number;
  /** Pause between polls. Default 1000 ms. */
  intervalMs?: number;
  signal?: AbortSignal;
  /** Ask for the user's job history in the final status. */
  history?: boolean;
  /** Ask for signed image links in the final status. */
  imageLinks?: boolean;
  /** Called after every poll (complete or not) — for progress output. */
  onPoll?: (status: JobStatusResponse, poll: number) => void;
}

export const DEFAULT_WAIT_TIMEOUT_MS = 120_000;
export const DEFAULT_POLL_INTERVAL_MS = 1_000;

export async function waitForJob(
  api: ApiRequests,
  userId: string | number,
  jobId: string | number,
  options: WaitOptions = {},
): Promise<JobStatusResponse> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  const intervalMs = options.intervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const deadline = Date.now() + timeoutMs;
  // One signal for the caller's abort and the deadline, so an in-flight poll is cut off at the deadline too.
  const deadlineSignal = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadlineSignal]) : deadlineSignal;
  let lastStatus: JobStatusResponse | undefined;
  let lastError: unknown;
  try {
    for (let poll = 1; ; poll++) {
      try {
        lastStatus = await api.jobStatus(userId, jobId, {
          history: options.history,
          imageLinks: options.imageLinks,
          signal,
          timeoutMs: Math.max(1, Math.min(deadline - Date.now(), api.timeoutMs)),
        });
        lastError = undefined;
        options.onPoll?.(lastStatus, poll);
        if (lastStatus.job_complete) return lastStatus;
      } catch (err) {
        if (!isRetryable(err)) throw err;
        lastError = err;
      }
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) break;
      await sleep(Math.min(intervalMs, remainingMs), signal);
    }
  } catch (err) {
    if (!(err instanceof LikenessAbortError) || options.signal?.aborted) throw err;
  }
  if (options.signal?.aborted) throw new LikenessAbortError(options.signal.reason);
  const timeout = new LikenessJobTimeoutError(timeoutMs, lastStatus);
  if (lastError !== undefined) Object.defineProperty(timeout, 'cause', { value: lastError });
  throw timeout;
}
