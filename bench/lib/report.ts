/**
 * @file Shared benchmark reporting: percentiles, a Markdown table, the machine description, and writing one
 * section of BENCHMARKS.md without touching the others.
 */
import { arch, availableParallelism, cpus, release, totalmem, type } from 'node:os';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root, whether this runs from bench/ (tsx) or dist/bench/ (compiled). */
export const REPO_ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
})();

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The machine, as a Markdown list: CPU, memory, OS, Node and the native runtimes that set the speed. */
export function machineDescription(): string {
  const pkgVersion = (name: string) => {
    try {
      return (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return '?';
    }
  };
  return [
    `- CPU: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores (available parallelism ${availableParallelism()})`,
    `- RAM: ${(totalmem() / 2 ** 30).toFixed(1)} GiB; ${type()} ${release()} ${arch()}`,
    `- Node ${process.version}; onnxruntime-node ${pkgVersion('onnxruntime-node')}; sharp ${pkgVersion('sharp')}`,
    `- Date: ${new Date().toISOString()}`,
  ].join('\n');
}

/** Replaces (or appends) the section between `<!-- name:start -->` and `<!-- name:end -->` in BENCHMARKS.md. */
export function writeBenchmarkSection(name: string, markdown: string, file = join(REPO_ROOT, 'BENCHMARKS.md')): void {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\nWritten by `npm run bench` and `npm run bench:api`; each section records the machine it ran on.\n';
  const a = current.indexOf(start);
  const b = current.indexOf(end);
  const next = a >= 0 && b > a ? current.slice(0, a) + block + current.slice(b + end.length) : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}

/** `--name value` flags of a benchmark command line. */
export function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}
