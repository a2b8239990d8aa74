/**
 * @file A worker node's lower CPU priority reaches every thread: those running when it is set (Linux keeps a nice
 * value per thread) and those started afterwards, as the engine's worker threads are. Run in a child process, so
 * the test runner keeps its own priority.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/shared-data.js';

const MODULE = pathToFileURL(join(REPO_ROOT, 'dist', 'src', 'engine', 'lower-priority.js')).href;

/** Nice value of each of the process's threads (field 19 of /proc/…/stat), after starting one worker thread. */
const SCRIPT = `
import { readdirSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
const { lowerProcessPriority } = await import(process.argv[1]);
lowerProcessPriority(7);
const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
await new Promise((r) => worker.once('online', r));
const nice = readdirSync('/proc/self/task').map((t) => {
  const stat = readFileSync('/proc/self/task/' + t + '/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
});
console.log(JSON.stringify(nice));
process.exit(0);
`;

describe.skipIf(process.platform !== 'linux')('lowerProcessPriority', () => {
  it('lowers every thread of the process, and threads started later inherit it', () => {
    const nice = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', SCRIPT, MODULE], { encoding: 'utf8' })) as number[];
    // The main thread, V8's and libuv's threads, and the worker thread and its own V8 threads started afterwards.
    expect(nice.length).toBeGreaterThan(4);
    expect(nice.every((n) => n >= 7)).toBe(true);
  });
});
