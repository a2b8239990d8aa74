/** @file Worker-thread entry: loads the models once, then analyses one image per message. */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { FaceAnalyzer } from './face-analyzer.js';
import { ImageError } from './image-error.js';
import { loadManifest } from './manifest.js';
import type { WorkerInit, WorkerReply, WorkerRequest } from './worker-protocol.js';

const init = workerData as WorkerInit;
const port = parentPort!;
// Parallelism comes from the pool; one libvips thread per worker avoids oversubscribing the cores.
sharp.concurrency(1);
lowerThreadPriority(init.niceness);

/**
 * Inference saturates every core it is given; at a lower priority it still uses all idle CPU, but the process's
 * event loop (an HTTP server answering job_status, say) preempts it instead of queueing behind it. Linux only:
 * setpriority() on a thread id changes that thread alone; elsewhere this is a no-op.
 */
function lowerThreadPriority(niceness: number): void {
  if (niceness === 0 || process.platform !== 'linux') return;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, niceness);
  } catch {
    // Not permitted or no /proc: run at normal priority.
  }
}

try {
  // The parent already verified the model hashes; each worker only parses the manifest.
  const manifest = await loadManifest(init.modelsDir, false);
  const analyzer = await FaceAnalyzer.load(
    manifest,
    { executionProvider: init.executionProvider, intraOpNumThreads: 1 },
    init.settings,
    init.maxInputPixels,
  );
  port.on('message', async (req: WorkerRequest) => {
    let reply: WorkerReply;
    try {
      const result = req.type === 'spoof' ? await analyzer.scoreSpoof(req.input) : await analyzer.analyze(req.bytes, req.role, req.deferSpoof);
      reply = { type: 'result', id: req.id, result };
    } catch (err) {
      const e = err as Error;
      reply = {
        type: 'error',
        id: req.id,
        error: { name: e.name, message: e.message, reason: ImageError.isImageError(e) ? e.reason : undefined },
      };
    }
    // The anti-spoof input goes back without a copy: it is scored by whichever worker is free next.
    const input = reply.type === 'result' && 'spoofInput' in reply.result ? reply.result.spoofInput : undefined;
    port.postMessage(reply, input ? [input.buffer as ArrayBuffer] : []);
  });
  port.postMessage({ type: 'ready' } satisfies WorkerReply);
} catch (err) {
  port.postMessage({ type: 'init-error', message: (err as Error).message } satisfies WorkerReply);
}
