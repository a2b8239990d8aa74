import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '..', '..');
const tsc = path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
let dir: string | undefined;

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function compile(args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [tsc, ...args], { cwd: repo });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('public types', () => {
  it('compile in a strict consumer project importing likeness/client from the emitted declarations', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-types-'));
    const decl = path.join(dir, 'decl');
    const emitted = await compile([
      '--declaration', '--emitDeclarationOnly', '--outDir', decl, '--rootDir', path.join(repo, 'src'), '--strict',
      '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--skipLibCheck', '--esModuleInterop',
      '--types', 'node', path.join(repo, 'src', 'client', 'index.ts'),
    ]);
    expect(emitted.output).toBe('');
    const tsconfig = {
      compilerOptions: {
        strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, noEmit: true, module: 'NodeNext',
        moduleResolution: 'NodeNext', target: 'ES2022', types: ['node'], typeRoots: [path.join(repo, 'node_modules', '@types')],
        skipLibCheck: false, paths: { 'likeness/client': [path.join(decl, 'client', 'index.d.ts')] },
      },
      files: [path.join(repo, 'test', 'client', 'types', 'consumer.ts')],
    };
    await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    const checked = await compile(['-p', path.join(dir, 'tsconfig.json')]);
    expect(checked.output).toBe('');
    expect(checked.code).toBe(0);
  }, 120_000);
});
