/** @file A fixed pool of inference worker threads: callers submit images (or anti-spoof inputs) and await results, FIFO. */
import { Worker } from 'node:worker_threads';
import type { ImageAnalysis, ImageRole } from './face-analyzer.js';
import { ImageError } from './image-error.js';
import type { SpoofResult } from './types.js';
import type { WorkerInit, WorkerReply, WorkerRequest } from './worker-protocol.js';

/** Distributes Omit over the request union, so each task keeps its own fields. */
type RequestBody = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

interface Task {
  id: number;
  request: RequestBody;
  resolve(r: ImageAnalysis | SpoofResult): void;
  reject(e: Error): void;
}

interface Slot {
  worker: Worker;
  task: Task | null;
}

// Under vitest/tsx this module is TypeScript and so is its worker. Node 20 resolves a worker's entry before an
// `--import tsx` in execArgv takes effect, so a small bootstrap registers tsx's loader and then imports worker.ts.
const fromSource = import.meta.url.endsWith('.ts');
const workerUrl = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url);

function newWorker(workerData: WorkerInit): Worker {
  if (!fromSource) return new Worker(workerUrl, { workerData });
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(workerUrl.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  /** Workers still loading their models: close() must end them too, or they would keep the process alive. */
  private readonly starting = new Set<Worker>();
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;

  private constructor(private readonly init: WorkerInit) {}

  static async start(size: number, init: WorkerInit): Promise<WorkerPool> {
    const pool = new WorkerPool(init);
    try {
      await Promise.all(Array.from({ length: Math.max(1, size) }, () => pool.spawn()));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  /** With `deferSpoof`, the result carries `spoofInput` for `scoreSpoof` instead of an anti-spoof result. */
  analyze(bytes: Uint8Array, role: ImageRole = 'selfie', deferSpoof = false): Promise<ImageAnalysis> {
    return this.submit({ type: 'analyze', bytes, role, deferSpoof }) as Promise<ImageAnalysis>;
  }

  /** Scores an anti-spoof input on the next free worker; the input is transferred (unusable here afterwards). */
  scoreSpoof(input: Float32Array): Promise<SpoofResult> {
    return this.submit({ type: 'spoof', input }) as Promise<SpoofResult>;
  }

  private submit(request: RequestBody): Promise<ImageAnalysis | SpoofResult> {
    if (this.closed) return Promise.reject(new Error('The face engine is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, request, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new Error('The face engine was closed'));
    const workers = [...this.slots.splice(0).map((s) => s.worker), ...this.starting];
    this.starting.clear();
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private spawn(): Promise<void> {
    return new Promise((resolve, reject) => {
      const worker = newWorker(this.init);
      this.starting.add(worker);
      const slot: Slot = { worker, task: null };
      let ready = false;
      worker.on('message', (msg: WorkerReply) => {
        if (msg.type === 'ready') {
          // Closed while it was starting: close() terminated it, and its exit settles this promise.
          if (!this.starting.delete(worker)) return;
          ready = true;
          this.slots.push(slot);
          resolve();
          this.dispatch();
        } else if (msg.type === 'init-error') {
          void worker.terminate();
          reject(new Error(`Face engine worker failed to start: ${msg.message}`));
        } else {
          const task = slot.task;
          slot.task = null;
          if (task && task.id === msg.id) {
            if (msg.type === 'result') task.resolve(msg.result);
            else task.reject(msg.error.reason ? new ImageError(msg.error.reason, msg.error.message) : Object.assign(new Error(msg.error.message), { name: msg.error.name }));
          }
          this.dispatch();
        }
      });
      worker.on('error', (err) => {
        if (!ready) reject(err);
        this.fail(slot, err);
      });
      worker.on('exit', (code) => {
        this.starting.delete(worker);
        if (!ready) reject(new Error(`Face engine worker exited during start-up (code ${code})`));
        else if (!this.closed) this.fail(slot, new Error(`Face engine worker exited unexpectedly (code ${code})`));
      });
    });
  }

  /** A crashed worker fails only its own task; a fresh worker takes its place. */
  private fail(slot: Slot, err: Error): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    slot.task?.reject(err);
    slot.task = null;
    if (!this.closed) this.spawn().catch((e: Error) => { for (const t of this.queue.splice(0)) t.reject(e); });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.task) continue;
      const task = this.queue.shift()!;
      slot.task = task;
      const message = { ...task.request, id: task.id } as WorkerRequest;
      slot.worker.postMessage(message, message.type === 'spoof' ? [message.input.buffer as ArrayBuffer] : []);
    }
  }
}
