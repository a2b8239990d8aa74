/**
 * @file Lowers this process's CPU priority. On Linux a nice value belongs to each thread, and a new thread inherits
 * its creator's: every thread already running (V8's platform threads, libuv's) is lowered one by one, and threads
 * started afterwards (engine workers, onnxruntime's) inherit the value from the thread that creates them.
 */
import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** Raises each thread's nice value to at least `nice` (never lowers it: that needs privileges). */
export function lowerProcessPriority(nice: number): void {
  let threads: number[];
  try {
    threads = readdirSync('/proc/self/task').map(Number);
  } catch {
    // Not Linux: the nice value is the process's.
    threads = [0];
  }
  for (const tid of threads) {
    try {
      if (getPriority(tid) < nice) setPriority(tid, nice);
    } catch {
      // A thread that ended meanwhile.
    }
  }
}
