/**
 * @file s3rver in a process of its own, for `bench:cluster`: its CPU is counted per job like every other part of the
 * cluster's, and its work does not run in the event loop of the benchmark's clients, whose latencies it measures.
 * Run by `startS3Process` (fork); answers `traffic` with the counts so far and exits on `close`.
 */
import { fork } from 'node:child_process';
import { startS3, type S3Server } from './cluster-infrastructure.js';

type Traffic = ReturnType<S3Server['traffic']>;

export interface S3Process {
  endpoint: string;
  pid: number;
  traffic(): Promise<Traffic>;
  close(): Promise<void>;
}

export async function startS3Process(directory: string): Promise<S3Process> {
  const child = fork(new URL(import.meta.url), [directory], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { endpoint: string }).endpoint));
    child.once('exit', (code) => reject(new Error(`s3rver process exited with ${code}`)));
  });
  return {
    endpoint,
    pid: child.pid!,
    traffic: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve(m as Traffic));
        child.send('traffic');
      }),
    close: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.send('close');
      }),
  };
}

if (process.send && process.argv[1] === new URL(import.meta.url).pathname) {
  const s3 = await startS3(process.argv[2]);
  process.on('message', (m) => {
    if (m === 'traffic') process.send!(s3.traffic());
    else if (m === 'close') void s3.close().then(() => process.exit(0));
  });
  process.send({ endpoint: s3.endpoint });
}
