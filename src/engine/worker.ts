/** @file Worker-thread entry: loads the models once, then analyses one image per message. */
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
      reply = { type: 'result', id: req.id, result: await analyzer.analyze(req.bytes, req.role) };
    } catch (err) {
      const e = err as Error;
      reply = {
        type: 'error',
        id: req.id,
        error: { name: e.name, message: e.message, reason: ImageError.isImageError(e) ? e.reason : undefined },
      };
    }
    port.postMessage(reply);
  });
  port.postMessage({ type: 'ready' } satisfies WorkerReply);
} catch (err) {
  port.postMessage({ type: 'init-error', message: (err as Error).message } satisfies WorkerReply);
}
