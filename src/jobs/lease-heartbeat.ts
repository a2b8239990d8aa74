/**
 * @file Keeps a task's lease while its holder works on it: extended three times per lease, so only a dead worker
 * (or a stuck event loop) loses its task, however long the job takes, and the lease itself can stay short.
 */
import type { Logger } from 'pino';
import type { JobQueue } from '../store/types.js';

/** Heartbeats per lease: two may fail (a database restart) before a live holder's lease runs out. */
const HEARTBEATS_PER_LEASE = 3;

/** Starts beating for `taskId`; call the returned function when the work is over (finished or failed). */
export function keepLease(queue: JobQueue, taskId: string, leaseMs: number, log: Logger): () => void {
  const timer = setInterval(() => {
    queue.extend(taskId, leaseMs).then(
      (held) => held || log.warn({ taskId }, 'lease lost while the task ran; its outcome will not be recorded'),
      (err) => log.warn({ err, taskId }, 'extending a lease failed'),
    );
  }, leaseMs / HEARTBEATS_PER_LEASE);
  timer.unref();
  return () => clearInterval(timer);
}
