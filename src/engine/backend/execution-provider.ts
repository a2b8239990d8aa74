/**
 * @file Which onnxruntime execution provider the engine runs on. onnxruntime-node ships its CPU provider; its CUDA
 * provider's libraries are an optional download made by its install script, which this project does not run
 * (package.json `allowScripts` denies it; run it by hand with `ONNXRUNTIME_NODE_INSTALL=cuda12`). So CUDA is used when those libraries are installed and an NVIDIA GPU is visible,
 * or when asked for by name, and asking for it where it cannot work says why instead of onnxruntime's loader error.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export type ExecutionProvider = 'cpu' | 'cuda';
/** `auto`: CUDA where it is installed and a GPU is visible, else CPU. */
export type ExecutionProviderChoice = ExecutionProvider | 'auto';
export const EXECUTION_PROVIDER_CHOICES: readonly ExecutionProviderChoice[] = ['auto', 'cpu', 'cuda'];
export const DEFAULT_EXECUTION_PROVIDER: ExecutionProviderChoice = 'auto';

/** What the choice depends on, separate so that it can be tested on a machine without a GPU. */
export interface ProviderEnvironment {
  platform: NodeJS.Platform;
  /** The directory holding onnxruntime-node's native binding, where its install script puts the CUDA provider. */
  bindingDir: string | null;
  exists(file: string): boolean;
  nvidiaGpuVisible(): boolean;
}

const CUDA_LIBRARIES = ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'];
const INSTALL_HINT =
  'run `ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install` once (onnxruntime-node then downloads its CUDA 12 provider; the host needs CUDA 12 and cuDNN 9)';

function onnxBindingDir(): string | null {
  try {
    const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
    // dist/index.js → bin/napi-v6/<platform>/<arch>, as onnxruntime-node's dist/binding.js loads it.
    return path.join(path.dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return null;
  }
}

function nvidiaGpuVisible(): boolean {
  const visible = process.env.CUDA_VISIBLE_DEVICES;
  if (visible !== undefined && (visible.trim() === '' || visible.trim() === '-1')) return false;
  try {
    return readdirSync('/proc/driver/nvidia/gpus').length > 0;
  } catch {
    return existsSync('/dev/nvidia0');
  }
}

export const systemProviderEnvironment = (): ProviderEnvironment => ({ platform: process.platform, bindingDir: onnxBindingDir(), exists: existsSync, nvidiaGpuVisible });

/** Why CUDA cannot be used here, or null when it can be tried. */
export function cudaUnavailableReason(env: ProviderEnvironment): string | null {
  if (env.platform !== 'linux') return `Likeness runs onnxruntime's CUDA provider on Linux only, not on ${env.platform}`;
  if (!env.bindingDir) return 'onnxruntime-node is not installed';
  const missing = CUDA_LIBRARIES.filter((f) => !env.exists(path.join(env.bindingDir!, f)));
  if (missing.length) return `onnxruntime's CUDA provider is not installed (${missing.join(', ')} missing in ${env.bindingDir}): ${INSTALL_HINT}`;
  if (!env.nvidiaGpuVisible()) return 'no NVIDIA GPU is visible (no /proc/driver/nvidia/gpus entry or /dev/nvidia0, or CUDA_VISIBLE_DEVICES hides them)';
  return null;
}

/** The provider to start the engine with; throws when CUDA is asked for by name and cannot work. */
export function chooseExecutionProvider(choice: ExecutionProviderChoice, env: ProviderEnvironment = systemProviderEnvironment()): ExecutionProvider {
  if (choice === 'cpu') return 'cpu';
  const reason = cudaUnavailableReason(env);
  if (choice === 'auto') return reason ? 'cpu' : 'cuda';
  if (reason) throw new Error(`The CUDA execution provider was requested, but ${reason}`);
  return 'cuda';
}

export function isExecutionProviderChoice(value: unknown): value is ExecutionProviderChoice {
  return typeof value === 'string' && (EXECUTION_PROVIDER_CHOICES as readonly string[]).includes(value);
}
