/** @file Messages between the worker pool and its workers. */
import type { ExecutionProvider } from './backend/execution-provider.js';
import type { ImageErrorReason } from './image-error.js';
import type { ImageAnalysis, ImageRole } from './face-analyzer.js';
import type { EngineSettings } from './settings.js';
import type { SpoofResult } from './types.js';

export interface WorkerInit {
  modelsDir: string;
  executionProvider: ExecutionProvider;
  settings: EngineSettings;
  maxInputPixels: number;
  /** Scheduling niceness of the worker threads (0 = normal; Linux only). */
  niceness: number;
}

/** Analyse one image; or score an anti-spoof input that an earlier `analyze` with `deferSpoof` returned. */
export type WorkerRequest =
  | { type: 'analyze'; id: number; bytes: Uint8Array; role: ImageRole; deferSpoof: boolean }
  | { type: 'spoof'; id: number; input: Float32Array };

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'init-error'; message: string }
  | { type: 'result'; id: number; result: ImageAnalysis | SpoofResult }
  | { type: 'error'; id: number; error: { name: string; message: string; reason?: ImageErrorReason } };
