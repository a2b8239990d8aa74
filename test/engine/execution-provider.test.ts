/** @file Choosing onnxruntime's execution provider: CPU, or CUDA only where its libraries and a GPU are present. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  chooseExecutionProvider,
  cudaUnavailableReason,
  systemProviderEnvironment,
  type ProviderEnvironment,
} from '../../src/engine/backend/execution-provider.js';
import { createEngine } from '../../src/engine/index.js';

const BIN = '/opt/app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64';
const CUDA_FILES = ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'].map((f) => path.join(BIN, f));

function env(opts: { files?: string[]; gpu?: boolean; platform?: NodeJS.Platform; bindingDir?: string | null }): ProviderEnvironment {
  const files = new Set(opts.files ?? []);
  return {
    platform: opts.platform ?? 'linux',
    bindingDir: opts.bindingDir === undefined ? BIN : opts.bindingDir,
    exists: (f) => files.has(f),
    nvidiaGpuVisible: () => opts.gpu ?? false,
  };
}

describe('chooseExecutionProvider', () => {
  it('auto picks CUDA only when its provider libraries are installed and a GPU is visible', () => {
    expect(chooseExecutionProvider('auto', env({ files: CUDA_FILES, gpu: true }))).toBe('cuda');
    expect(chooseExecutionProvider('auto', env({ files: CUDA_FILES, gpu: false }))).toBe('cpu');
    expect(chooseExecutionProvider('auto', env({ files: CUDA_FILES.slice(0, 1), gpu: true }))).toBe('cpu');
    expect(chooseExecutionProvider('auto', env({ gpu: true }))).toBe('cpu');
    expect(chooseExecutionProvider('auto', env({ files: CUDA_FILES, gpu: true, platform: 'darwin' }))).toBe('cpu');
  });

  it('cpu is always the CPU, even where CUDA would work', () => {
    expect(chooseExecutionProvider('cpu', env({ files: CUDA_FILES, gpu: true }))).toBe('cpu');
  });

  it('cuda by name fails with the reason and the way to install it, instead of onnxruntime\'s loader error', () => {
    expect(() => chooseExecutionProvider('cuda', env({ gpu: true }))).toThrow(/CUDA provider is not installed.*libonnxruntime_providers_cuda\.so.*ONNXRUNTIME_NODE_INSTALL=cuda12/);
    expect(() => chooseExecutionProvider('cuda', env({ files: CUDA_FILES, gpu: false }))).toThrow(/no NVIDIA GPU is visible/);
    expect(() => chooseExecutionProvider('cuda', env({ bindingDir: null }))).toThrow(/onnxruntime-node is not installed/);
    expect(chooseExecutionProvider('cuda', env({ files: CUDA_FILES, gpu: true }))).toBe('cuda');
  });

  it('finds onnxruntime-node\'s binding directory on this machine', () => {
    const dir = systemProviderEnvironment().bindingDir!;
    expect(dir).toMatch(/onnxruntime-node[/\\]bin[/\\]napi-v6/);
    expect(systemProviderEnvironment().exists(path.join(dir, 'onnxruntime_binding.node'))).toBe(true);
  });
});

// This project installs onnxruntime-node without its CUDA download (package.json allowScripts denies its install script), so on CI these run on the CPU path.
const cudaReason = cudaUnavailableReason(systemProviderEnvironment());
describe.skipIf(cudaReason === null)('the engine where CUDA is not available', () => {
  it('starts on the CPU by default and says so', async () => {
    const engine = await createEngine({ workers: 1 });
    try {
      expect(engine.runtime).toEqual({ executionProvider: 'cpu', workers: 1 });
    } finally {
      await engine.close();
    }
  });

  it('falls back to the CPU, saying why, when auto finds CUDA but onnxruntime cannot start on it', async () => {
    // The environment claims CUDA's libraries and a GPU; onnxruntime itself finds no provider library to load.
    const claimsCuda = env({ files: CUDA_FILES, gpu: true });
    const engine = await createEngine({ workers: 1, providerEnvironment: claimsCuda });
    try {
      expect(engine.runtime).toMatchObject({ executionProvider: 'cpu', workers: 1, cudaFallback: expect.stringMatching(/worker failed to start: .*Cuda/) });
      const photo = readFileSync(path.join(path.dirname(createRequire(import.meta.url).resolve('@vladmandic/human')), '..', 'assets', 'screenshot-faceid.jpg'));
      expect((await engine.analyze(photo)).faces).toBe(1);
    } finally {
      await engine.close();
    }
    await expect(createEngine({ workers: 1, executionProvider: 'cuda', providerEnvironment: claimsCuda })).rejects.toThrow(/worker failed to start/);
  });

  it('refuses to start when CUDA is asked for by name', async () => {
    await expect(createEngine({ workers: 1, executionProvider: 'cuda' })).rejects.toThrow(/The CUDA execution provider was requested, but/);
  });
});
