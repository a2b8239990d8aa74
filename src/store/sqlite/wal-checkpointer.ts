/**
 * @file SQLite WAL checkpoints on their own thread and connection. A checkpoint copies the log into the database
 * and fsyncs it; run on the server's connection (SQLite's default, every 1000 pages) that fsync blocks the event
 * loop at random moments — the tail of every request's latency. A passive checkpoint from another connection never
 * blocks writers, so the server turns its own automatic checkpoints off and lets this thread do them.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// Plain CommonJS so it runs the same from src/ (tests) and dist/; it only needs the driver's resolved path.
const CHECKPOINT_LOOP = `
const { workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: the next round catches up */ }
}, workerData.intervalMs);
`;

export class WalCheckpointer {
  private readonly worker: Worker;

  constructor(file: string, intervalMs = 1000) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(CHECKPOINT_LOOP, { eval: true, workerData: { file, intervalMs, driver } });
    this.worker.unref();
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
