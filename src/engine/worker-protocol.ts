/** @file Messages between the worker pool and its workers. */
import type { ImageErrorReason } from './image-error.js';
import type { ImageAnalysis, ImageRole } from './face-analyzer.js';
import type { EngineSettings } from './settings.js';

export interface WorkerInit {
  modelsDir: string;
  executionProvider: 'cpu' | 'cuda';
  settings: EngineSettings;
  maxInputPixels: number;
  /** Scheduling niceness of the worker threads (0 = normal; Linux only). */
  niceness: number;
}

export interface WorkerRequest {
  type: 'analyze';
  id: number;
  bytes: Uint8Array;
  role: ImageRole;
}

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'init-error'; message: string }
  | { type: 'result'; id: number; result: ImageAnalysis }
  | { type: 'error'; id: number; error: { name: string; message: string; reason?: ImageErrorReason } };
